package middleware

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/consentgate/consent/middleware/internal/htmlrewrite"
)

// Response headers make the browser contact hosts too, before and without
// any markup: Link preloads and preconnects, a Refresh, the reports of the
// site's own CSP, a redirect. filterTrackerHeaders drops, for a visitor who
// has not granted the tracker's category, exactly the parts that name a
// declared tracker; everything else in those headers stays as written.

// filterTrackerHeaders edits h for a visitor who granted the categories
// in granted. It reports whether the response is a redirect to a blocked
// tracker: the caller answers it without the redirect.
func (m *Middleware) filterTrackerHeaders(h http.Header, status int, granted uint64) (dropRedirect bool) {
	if m.matcher == nil {
		return false
	}
	blocked := func(u string) bool {
		t, ok := m.matcher.MatchURL([]byte(u))
		return ok && granted&(1<<t.Category) == 0
	}
	if v, ok := h["Link"]; ok {
		filterHeaderValues(h, "Link", v, func(s string) string { return filterLink(s, blocked) })
	}
	if v := h.Get("Refresh"); v != "" {
		if u := htmlrewrite.RefreshURL(v); u != "" && blocked(u) {
			h.Del("Refresh")
		}
	}
	dropped := map[string]bool{} // reporting groups whose endpoint is a tracker
	if v, ok := h["Reporting-Endpoints"]; ok {
		filterHeaderValues(h, "Reporting-Endpoints", v, func(s string) string {
			return filterReportingEndpoints(s, blocked, dropped)
		})
	}
	if v, ok := h["Report-To"]; ok {
		filterHeaderValues(h, "Report-To", v, func(s string) string { return filterReportTo(s, blocked, dropped) })
	}
	for _, name := range [...]string{"Content-Security-Policy", "Content-Security-Policy-Report-Only"} {
		if v, ok := h[name]; ok {
			filterHeaderValues(h, name, v, func(s string) string { return filterCSPReports(s, blocked, dropped) })
		}
	}
	if status >= 300 && status <= 399 {
		if loc := h.Get("Location"); loc != "" && blocked(loc) {
			h.Del("Location")
			return true
		}
	}
	return false
}

// filterHeaderValues replaces the values of header name by f's results,
// dropping those that come out empty; it leaves the header untouched when
// nothing changes.
func filterHeaderValues(h http.Header, name string, vals []string, f func(string) string) {
	var out []string
	changed := false
	for _, v := range vals {
		nv := f(v)
		if nv != v {
			changed = true
		}
		if strings.TrimSpace(nv) != "" {
			out = append(out, nv)
		}
	}
	if !changed {
		return
	}
	if len(out) == 0 {
		delete(h, name)
		return
	}
	h[name] = out
}

// splitOutside splits s at sep outside double quotes and angle brackets.
func splitOutside(s string, sep byte) []string {
	var parts []string
	quote, angle := false, false
	start := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && quote:
			i++
		case c == '"':
			quote = !quote
		case c == '<' && !quote:
			angle = true
		case c == '>' && !quote:
			angle = false
		case c == sep && !quote && !angle:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}

// filterLink drops the link-values ("<url>; rel=preload; ...") whose URL
// is a blocked tracker, whatever their rel: preload, prefetch,
// preconnect, dns-prefetch, modulepreload and stylesheet all fetch.
func filterLink(v string, blocked func(string) bool) string {
	parts := splitOutside(v, ',')
	kept := parts[:0:0]
	for _, p := range parts {
		t := strings.TrimSpace(p)
		if strings.HasPrefix(t, "<") {
			if e := strings.IndexByte(t, '>'); e > 0 && blocked(t[1:e]) {
				continue
			}
		}
		kept = append(kept, p)
	}
	if len(kept) == len(parts) {
		return v
	}
	return strings.TrimSpace(strings.Join(kept, ","))
}

// filterReportingEndpoints drops the endpoints (name="url") that are
// blocked trackers, noting their names in dropped.
func filterReportingEndpoints(v string, blocked func(string) bool, dropped map[string]bool) string {
	parts := splitOutside(v, ',')
	kept := parts[:0:0]
	for _, p := range parts {
		name, val, ok := strings.Cut(strings.TrimSpace(p), "=")
		if ok && blocked(strings.Trim(strings.TrimSpace(val), `"`)) {
			dropped[strings.TrimSpace(name)] = true
			continue
		}
		kept = append(kept, p)
	}
	if len(kept) == len(parts) {
		return v
	}
	return strings.TrimSpace(strings.Join(kept, ","))
}

// filterReportTo drops the groups of a Report-To header (JSON objects,
// comma-separated) with an endpoint on a blocked tracker, noting their
// names in dropped. A value that is not such JSON stays as it is.
func filterReportTo(v string, blocked func(string) bool, dropped map[string]bool) string {
	var groups []json.RawMessage
	if json.Unmarshal([]byte("["+v+"]"), &groups) != nil {
		return v
	}
	var kept []string
	for _, g := range groups {
		var grp struct {
			Group     string `json:"group"`
			Endpoints []struct {
				URL string `json:"url"`
			} `json:"endpoints"`
		}
		bad := false
		if json.Unmarshal(g, &grp) == nil {
			for _, e := range grp.Endpoints {
				bad = bad || blocked(e.URL)
			}
		}
		if bad {
			name := grp.Group
			if name == "" {
				name = "default"
			}
			dropped[name] = true
			continue
		}
		kept = append(kept, string(g))
	}
	if len(kept) == len(groups) {
		return v
	}
	return strings.Join(kept, ", ")
}

// filterCSPReports drops, from a CSP, the report-uri URLs that are
// blocked trackers (the directive when none is left) and the report-to
// directives naming a dropped group.
func filterCSPReports(v string, blocked func(string) bool, dropped map[string]bool) string {
	dirs := strings.Split(v, ";")
	changed := false
	kept := dirs[:0:0]
	for _, d := range dirs {
		f := strings.Fields(d)
		if len(f) == 0 {
			kept = append(kept, d)
			continue
		}
		switch strings.ToLower(f[0]) {
		case "report-uri":
			urls := f[:1]
			for _, u := range f[1:] {
				if blocked(u) {
					changed = true
					continue
				}
				urls = append(urls, u)
			}
			if len(urls) < len(f) {
				if len(urls) > 1 {
					kept = append(kept, " "+strings.Join(urls, " "))
				}
				continue
			}
		case "report-to":
			if len(f) > 1 && dropped[f[1]] {
				changed = true
				continue
			}
		}
		kept = append(kept, d)
	}
	if !changed {
		return v
	}
	return strings.TrimSpace(strings.Join(kept, ";"))
}
