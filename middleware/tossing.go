package middleware

import (
	"net"
	"net/http"
	"strings"
	"time"

	"golang.org/x/net/publicsuffix"
)

// maxTossedPaths bounds the paths clearTossed tries.
const maxTossedPaths = 8

// clearTossed expires, before a decision sets the visitor's own consent
// cookie, the copies of its name that someone else planted (store's
// ErrDuplicate): a request that carries two is no decision, and without
// this a visitor with a planted copy could never decide again. The server
// learns neither the domain nor the path of a cookie, only that the
// browser sent it for this request, so its path is one of the request
// path's ancestors: each is expired on the registrable domain (where a
// sibling subdomain can set it) and, but for "/" which the new cookie
// replaces, host-only. The __Host- prefix (HostPrefix) makes planting
// impossible in the first place.
func (m *Middleware) clearTossed(h http.Header, r *http.Request) {
	host := hostOnly(r.Host)
	var reg string
	if host != "" && net.ParseIP(host) == nil {
		reg, _ = publicsuffix.EffectiveTLDPlusOne(strings.ToLower(host))
	}
	expire := func(domain, path string) {
		c := &http.Cookie{Name: m.codec.Name(), Path: path, Domain: domain, MaxAge: -1, Expires: time.Unix(0, 0)}
		if strings.HasPrefix(c.Name, "__Host-") && domain != "" {
			return // browsers refuse a __Host- cookie with a Domain
		}
		h.Add("Set-Cookie", c.String())
	}
	paths := []string{"/"}
	p := r.URL.Path
	for i := 1; i < len(p) && len(paths) < maxTossedPaths; i++ {
		if p[i] == '/' {
			paths = append(paths, p[:i])
		}
	}
	if len(paths) < maxTossedPaths && p != "/" && p != "" {
		paths = append(paths, strings.TrimSuffix(p, "/"))
	}
	for _, path := range paths {
		if reg != "" {
			expire(reg, path)
		}
		if path != "/" {
			expire("", path)
		}
	}
}
