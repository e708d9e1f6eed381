package middleware

import (
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/consentgate/consent"
	"golang.org/x/net/publicsuffix"
)

// cookieIndex finds a cookie's declaration: the policy's own declarations
// first (exact names, then patterns in table order), then the catalog's
// (likewise), so that the site's word wins.
type cookieIndex struct {
	tiers [2]cookieTier
}

// cookieTier is one table of declarations. Patterns are bucketed by their
// literal prefix (up to the first '*'): a name probes only the buckets of
// its own prefixes, so hundreds of catalog patterns cost a few map
// lookups, not hundreds of glob matches.
type cookieTier struct {
	exact    map[string]consent.Cookie
	prefixed map[string][]int // literal prefix → indexes into patterns, table order
	lens     []int            // the prefix lengths present, ascending
	patterns []consent.Cookie
}

func newCookieIndex(own, catalog []consent.Cookie) cookieIndex {
	return cookieIndex{tiers: [2]cookieTier{newCookieTier(own), newCookieTier(catalog)}}
}

func newCookieTier(decls []consent.Cookie) cookieTier {
	t := cookieTier{exact: make(map[string]consent.Cookie, len(decls)), prefixed: make(map[string][]int)}
	for _, c := range decls {
		star := strings.IndexByte(c.Name, '*')
		if star < 0 {
			if _, dup := t.exact[c.Name]; !dup {
				t.exact[c.Name] = c
			}
			continue
		}
		prefix := c.Name[:star]
		if _, ok := t.prefixed[prefix]; !ok {
			t.lens = append(t.lens, len(prefix))
		}
		t.prefixed[prefix] = append(t.prefixed[prefix], len(t.patterns))
		t.patterns = append(t.patterns, c)
	}
	slices.Sort(t.lens)
	t.lens = slices.Compact(t.lens)
	return t
}

func (idx *cookieIndex) lookup(name string) (consent.Cookie, bool) {
	for i := range idx.tiers {
		if c, ok := idx.tiers[i].lookup(name); ok {
			return c, true
		}
	}
	return consent.Cookie{}, false
}

func (t *cookieTier) lookup(name string) (consent.Cookie, bool) {
	if c, ok := t.exact[name]; ok {
		return c, true
	}
	best := -1
	for _, n := range t.lens {
		if n > len(name) {
			break
		}
		for _, i := range t.prefixed[name[:n]] {
			if best >= 0 && i >= best {
				break
			}
			if consent.MatchCookieName(t.patterns[i].Name, name) {
				best = i
				break
			}
		}
	}
	if best < 0 {
		return consent.Cookie{}, false
	}
	return t.patterns[best], true
}

// cookieAllowed decides one cookie name for a visitor, and names the
// category it falls under for the inventory. The consent cookie itself
// belongs to the middleware: a handler may not set it.
func (m *Middleware) cookieAllowed(name string, v *consent.Consent) (bool, string) {
	if name == m.codec.Name() {
		m.seen.once("own:"+name, "dropped a Set-Cookie of the consent cookie's name: only the middleware sets it", "cookie", name)
		return false, reservedCookie
	}
	if decl, ok := m.cookies.lookup(name); ok {
		return v.Allowed(decl.Category), string(decl.Category)
	}
	m.seen.once("undeclared:"+name, "undeclared cookie: declare it in the policy's cookies table", "cookie", name)
	if m.undeclared != "" {
		return v.Allowed(m.undeclared), Undeclared
	}
	return m.grantsAll(v), Undeclared
}

// allows is cookieAllowed's verdict alone.
func (m *Middleware) allows(name string, v *consent.Consent) bool {
	ok, _ := m.cookieAllowed(name, v)
	return ok
}

// reservedCookie is the inventory's category of a handler's Set-Cookie of
// the consent cookie's name.
const reservedCookie = "reserved (consent cookie)"

func (m *Middleware) grantsAll(v *consent.Consent) bool {
	for _, c := range m.policy.Categories {
		if !v.Allowed(c.ID) {
			return false
		}
	}
	return true
}

// filterSetCookies drops, one header value at a time, every Set-Cookie whose
// category the visitor has not granted, and records each cookie in the
// inventory (in report-only mode it records and keeps them). Header keys are
// matched without regard to case, since a handler may write the map
// directly.
// It reports whether the inventory counted the response as a page view with
// a removal.
func (m *Middleware) filterSetCookies(h http.Header, v *consent.Consent, path string) bool {
	var obs []observation
	for key, values := range h {
		if len(key) != len("Set-Cookie") || !strings.EqualFold(key, "Set-Cookie") {
			continue
		}
		if obs == nil {
			obs = make([]observation, 0, len(values))
		}
		kept := values[:0]
		for _, line := range values {
			c, err := http.ParseSetCookie(line)
			if err != nil {
				m.seen.once("malformed", "dropped a malformed Set-Cookie header", "error", err)
				if m.reportOnly {
					kept = append(kept, line)
				}
				continue
			}
			allowed, category := m.cookieAllowed(c.Name, v)
			allowed = allowed || deletes(line, m.now())
			obs = append(obs, observation{name: cut(c.Name, maxNameBytes), category: category, removed: !allowed, cookie: c})
			if allowed || m.reportOnly {
				kept = append(kept, line)
			} else {
				m.stats.cookiesStripped.Add(1)
			}
		}
		clear(values[len(kept):])
		if len(kept) == 0 {
			delete(h, key)
		} else {
			h[key] = kept
		}
	}
	return m.inv.recordCookies(path, m.now(), obs)
}

// maxExpired bounds the cookies one response expires: a browser keeps about
// 180 per site, and a hostile request with thousands of names must not make
// a response head larger than browsers and proxies accept.
const maxExpired = 180

// maxExpiryLines bounds the deleting Set-Cookie lines of one response (a
// name can take several: two domains, a few paths).
const maxExpiryLines = 2 * maxExpired

// maxExpiryPaths bounds the paths a cookie of unknown path is expired on.
const maxExpiryPaths = 4

// expireRefused adds deleting Set-Cookie lines for each cookie the browser
// sent whose category the visitor has not granted, so that withdrawing
// consent removes what was set while it was given: every declared cookie of
// a refused category and, with undeclared (on the response to a decision),
// every undeclared cookie that the undeclared rule refuses too — the site's
// own undeclared cookies included, which is why they should be declared.
//
// A request says nothing of a cookie's domain or path, only that the
// browser sent it here: unless declared, a cookie is expired host-only and
// on the registrable domain, on "/" and on each ancestor of the request
// path (where a script may have set it, "/blog" for /blog/post), up to
// maxExpiryPaths. Bounded by maxExpired names and maxExpiryLines lines.
func (m *Middleware) expireRefused(h http.Header, r *http.Request, v *consent.Consent, undeclared bool) {
	lines := r.Header["Cookie"]
	if len(lines) == 0 {
		return
	}
	var done map[string]bool
	var paths []string
	budget := maxExpiryLines
	for _, line := range lines {
		for part := range strings.SplitSeq(line, ";") {
			name, _, _ := strings.Cut(strings.TrimSpace(part), "=")
			if name == "" || name == m.codec.Name() || done[name] || len(name) > maxNameBytes {
				continue
			}
			if len(done) >= maxExpired || budget <= 0 {
				return
			}
			decl, declared := m.cookies.lookup(name)
			switch {
			case declared:
				if v.Allowed(decl.Category) {
					continue
				}
				if cat, _ := m.policy.Category(decl.Category); cat.Required {
					continue
				}
			case !undeclared || m.undeclaredAllowed(v):
				continue
			}
			if done == nil {
				done = make(map[string]bool)
			}
			done[name] = true
			m.stats.cookiesExpired.Add(1)
			at := []string{decl.Path}
			if decl.Path == "" {
				if paths == nil {
					paths = ancestorPaths(r.URL.Path, maxExpiryPaths)
				}
				at = paths
			}
			for _, path := range at {
				for _, c := range expiryCookies(name, decl, path, r.Host) {
					if line := c.String(); line != "" && budget > 0 { // "": not a valid cookie name
						h.Add("Set-Cookie", line)
						budget--
					}
				}
			}
		}
	}
}

// undeclaredAllowed is the undeclared rule (UndeclaredCategory) for v.
func (m *Middleware) undeclaredAllowed(v *consent.Consent) bool {
	if m.undeclared != "" {
		return v.Allowed(m.undeclared)
	}
	return m.grantsAll(v)
}

// ancestorPaths returns "/" and the ancestors of a request path, shortest
// first, up to max: "/blog/2026/post" gives "/", "/blog", "/blog/2026".
// The path itself counts as well when it ends in "/" ("/blog/" gives "/"
// and "/blog"), as a cookie's default path is the request's directory.
func ancestorPaths(p string, max int) []string {
	out := []string{"/"}
	for i := 1; i < len(p) && len(out) < max; i++ {
		if p[i] == '/' {
			out = append(out, p[:i])
		}
	}
	return out
}

// expiryCookies returns the cookies that delete name on path: on the
// declared domain, or else both host-only and on the registrable domain,
// where analytics scripts usually set theirs.
func expiryCookies(name string, decl consent.Cookie, path, host string) []*http.Cookie {
	if path == "" {
		path = "/"
	}
	mk := func(domain string) *http.Cookie {
		return &http.Cookie{Name: name, Value: "", Path: path, Domain: domain, MaxAge: -1, Expires: time.Unix(0, 0)}
	}
	if decl.Domain != "" {
		return []*http.Cookie{mk(decl.Domain)}
	}
	out := []*http.Cookie{mk("")}
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if host != "" && net.ParseIP(host) == nil {
		if reg, err := publicsuffix.EffectiveTLDPlusOne(strings.ToLower(host)); err == nil {
			out = append(out, mk(reg))
		}
	}
	return out
}

// maxLoggedNames bounds the memory spent remembering what was logged.
const maxLoggedNames = 1024

// onceLog logs each distinct finding once, up to a cap.
type onceLog struct {
	log  *slog.Logger
	max  int
	mu   sync.Mutex
	seen map[string]bool
	full bool
}

func newOnceLog(l *slog.Logger, maxNames int) *onceLog {
	return &onceLog{log: l, max: maxNames, seen: make(map[string]bool)}
}

func (o *onceLog) once(key, msg string, args ...any) {
	o.mu.Lock()
	if o.seen[key] {
		o.mu.Unlock()
		return
	}
	if len(o.seen) >= o.max {
		full := o.full
		o.full = true
		o.mu.Unlock()
		if !full {
			o.log.Warn("consent: too many distinct findings; no longer logging new ones", "limit", o.max)
		}
		return
	}
	o.seen[key] = true
	o.mu.Unlock()
	o.log.Warn("consent: "+msg, args...)
}
