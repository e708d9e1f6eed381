package middleware

import (
	"net/http"
	"strings"
)

// keepFromSharedCaches marks a response the middleware personalised (the
// page rewritten for this visitor's consent, or a Set-Cookie it added) so
// that no shared cache (a CDN, a corporate proxy) stores it and serves it
// to another visitor: another visitor would get this one's banner state,
// trackers or cookies. The browser's own cache may keep it ("private"),
// since the validators and Vary tie it to the visitor's consent state. A
// handler that asked for shared caching (public, s-maxage) gets no-store
// instead: its directives were written for a page every visitor shares.
// The CDN-targeted fields (RFC 9213 and its predecessors) go too, since a
// CDN reads them in place of Cache-Control.
func keepFromSharedCaches(h http.Header) {
	cc := h["Cache-Control"]
	shared, private := false, false
	for _, v := range cc {
		for d := range strings.SplitSeq(v, ",") {
			name, _, _ := strings.Cut(d, "=")
			switch strings.ToLower(strings.TrimSpace(name)) {
			case "public", "s-maxage":
				shared = true
			case "private", "no-store":
				private = true
			}
		}
	}
	switch {
	case shared:
		h["Cache-Control"] = []string{"no-store"}
	case private:
	case len(cc) == 0:
		h["Cache-Control"] = []string{"private"}
	default:
		h["Cache-Control"] = []string{"private, " + strings.Join(cc, ", ")}
	}
	for _, k := range []string{"Cdn-Cache-Control", "Surrogate-Control", "Cloudflare-Cdn-Cache-Control"} {
		delete(h, k)
	}
}
