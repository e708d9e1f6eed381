package middleware

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// MaxInventoryCSPReports bounds the distinct (blocked host or keyword,
// directive) pairs of CSP reports kept.
const MaxInventoryCSPReports = 1000

// Dispositions of a CSP report.
const (
	// DispositionEnforce: the browser blocked the load.
	DispositionEnforce = "enforce"
	// DispositionReport: a report-only policy; the load went ahead.
	DispositionReport = "report"
)

// SeenCSPReport is what browsers reported blocking (or, under a report-only
// policy, would have blocked) for one host and directive: the third
// parties pages actually contact, including those scripts add at run time.
type SeenCSPReport struct {
	// Host is the blocked host, or, when Keyword is set, what the browser
	// named instead of a host: "inline", "eval", "wasm-eval", "data",
	// "blob", …
	Host    string `json:"host"`
	Keyword bool   `json:"keyword,omitempty"`
	// Directive is the effective directive: script-src-elem, img-src,
	// connect-src, frame-src, …
	Directive string `json:"directive"`
	// Disposition is the latest report's: DispositionEnforce or
	// DispositionReport ("" when the browser did not say).
	Disposition string `json:"disposition,omitempty"`
	// Tracker and Category name the declared tracker of the host (by the
	// blocked URL), empty when the policy does not know it.
	Tracker  string `json:"tracker,omitempty"`
	Category string `json:"category,omitempty"`
	// Count is how many reports named it.
	Count     int64     `json:"count"`
	FirstSeen time.Time `json:"firstSeen"`
	LastSeen  time.Time `json:"lastSeen"`
	// Paths are examples of the pages it was reported on.
	Paths []string `json:"paths"`
}

type cspKey struct{ host, directive string }

// cspReport is one report, checked and looked up, ready to merge.
type cspReport struct {
	key               cspKey
	keyword           bool
	disposition, path string
	tracker, category string
}

// recordCSPReports merges the reports of one request into the inventory:
// what each names is classified and looked up in the policy first, then
// all are merged under one lock.
func (m *Middleware) recordCSPReports(vs []cspViolation) {
	if len(vs) == 0 {
		return
	}
	var stack [8]cspReport
	reps := stack[:0]
	var u []byte
	for i := range vs {
		v := &vs[i]
		name, path, keyword, ok := blockedName(v.blockedURL)
		if !ok {
			continue
		}
		r := cspReport{key: cspKey{host: cut(name, maxNameBytes), directive: v.directive}, keyword: keyword, path: documentPath(v.documentURL)}
		switch v.disposition {
		case DispositionEnforce, DispositionReport:
			r.disposition = v.disposition
		}
		if !keyword {
			u = append(append(append(u[:0], "//"...), name...), path...)
			if t, ok := m.matcher.MatchURL(u); ok {
				r.tracker, r.category = t.Name, m.rewriteOptions.CategoryNames[t.Category]
			}
		}
		reps = append(reps, r)
	}
	m.inv.recordCSP(m.now(), reps)
}

func (inv *inventory) recordCSP(now time.Time, reps []cspReport) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	for i := range reps {
		r := &reps[i]
		e := inv.csp[r.key]
		if e == nil {
			if len(inv.csp) >= MaxInventoryCSPReports {
				inv.dropped.CSPReports++
				continue
			}
			k := cspKey{host: strings.Clone(r.key.host), directive: strings.Clone(r.key.directive)}
			e = &SeenCSPReport{Host: k.host, Keyword: r.keyword, Directive: k.directive, FirstSeen: now}
			if inv.csp == nil {
				inv.csp = make(map[cspKey]*SeenCSPReport)
			}
			inv.csp[k] = e
		}
		if r.disposition != "" {
			e.Disposition = r.disposition
		}
		e.Tracker, e.Category = r.tracker, r.category
		e.Count++
		e.LastSeen = now
		e.Paths = addExample(e.Paths, r.path)
	}
}

// cspSnapshot copies the CSP reports, sorted by host then directive; the
// caller holds inv.mu.
func (inv *inventory) cspSnapshot() []SeenCSPReport {
	out := make([]SeenCSPReport, 0, len(inv.csp))
	for _, e := range inv.csp {
		c := *e
		c.Paths = slices.Clone(e.Paths)
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b SeenCSPReport) int {
		return cmp.Or(strings.Compare(a.Host, b.Host), strings.Compare(a.Directive, b.Directive))
	})
	return out
}
