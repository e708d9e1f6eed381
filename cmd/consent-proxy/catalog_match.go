package main

import (
	"net"
	"net/url"
	"strings"

	"github.com/consentgate/consent"
)

// declaration is one host or URL prefix of a tracker, for `catalog check`.
type declaration struct {
	host, path string // lowercase host; path "" for a bare host
	tracker    *consent.Tracker
	own        bool // declared by the policy itself, not the catalog
}

// declarations lists the patterns of the policy's trackers, then of the
// catalog's, in that order, so that among equally specific patterns the
// policy's wins as it does in the middleware.
func declarations(own, fromCatalog []consent.Tracker) []declaration {
	var ds []declaration
	add := func(ts []consent.Tracker, isOwn bool) {
		for i := range ts {
			t := &ts[i]
			for _, h := range t.Hosts {
				ds = append(ds, declaration{host: normPatternHost(h), tracker: t, own: isOwn})
			}
			for _, u := range t.URLs {
				h, p, _ := strings.Cut(u, "/")
				if p = "/" + p; p == "/" {
					p = ""
				}
				ds = append(ds, declaration{host: normPatternHost(h), path: p, tracker: t, own: isOwn})
			}
		}
	}
	add(own, true)
	add(fromCatalog, false)
	return ds
}

func normPatternHost(h string) string {
	h = strings.ToLower(strings.TrimSpace(h))
	h = strings.TrimPrefix(h, "*.")
	h = strings.TrimPrefix(h, ".")
	return strings.TrimSuffix(h, ".")
}

// matchDeclaration finds the declaration a URL falls under, by the
// middleware's rule: the longest matching host wins, and for one host a
// path prefix (the longest first) before the bare host.
func matchDeclaration(ds []declaration, host, path string) *declaration {
	if path == "" {
		path = "/"
	}
	var best *declaration
	for i := range ds {
		d := &ds[i]
		if host != d.host && !strings.HasSuffix(host, "."+d.host) {
			continue
		}
		if d.path != "" && !strings.HasPrefix(path, d.path) {
			continue
		}
		if best == nil || len(d.host) > len(best.host) || len(d.host) == len(best.host) && len(d.path) > len(best.path) {
			best = d
		}
	}
	return best
}

// splitCheckURL reads the URL `catalog check` is given: an absolute
// http(s) URL, a scheme-relative "//host/path", or "host/path" as the
// catalog writes its prefixes. It returns the lowercase host and the path.
func splitCheckURL(raw string) (host, path string, ok bool) {
	s := strings.TrimSpace(raw)
	switch {
	case strings.HasPrefix(s, "//"):
		s = "https:" + s
	case !strings.Contains(s, "://"):
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return "", "", false
	}
	host = strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if !consent.ValidHost(host) && net.ParseIP(host) == nil {
		return "", "", false
	}
	return host, u.EscapedPath(), true
}
