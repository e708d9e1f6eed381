package middleware

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/consentgate/consent"
)

// CSPMode says whether the middleware adds a Content-Security-Policy of its
// own to the pages it serves, built from the visitor's consent, so that the
// browser refuses every third party the visitor did not grant — including
// what scripts load at run time, which no server-side rewriting can see.
type CSPMode uint8

const (
	// CSPOff adds no header: only the server-side rewriting protects the
	// visitor.
	CSPOff CSPMode = iota
	// CSPReport sends the policy as Content-Security-Policy-Report-Only:
	// browsers block nothing and report what the policy would have
	// blocked to Prefix+"/csp-report", which is how a site finds the third
	// parties it must declare before it enforces.
	CSPReport
	// CSPEnforce sends the policy as Content-Security-Policy: the browser
	// refuses every request to a host that is neither the site's own, a
	// declared service, nor a tracker of a granted category, and still
	// reports each refusal.
	CSPEnforce
)

// ErrCSPMode is returned by ParseCSPMode for anything but "off", "report"
// or "enforce".
var ErrCSPMode = errors.New(`middleware: CSP mode must be "off", "report" or "enforce"`)

// String returns "off", "report" or "enforce".
func (c CSPMode) String() string {
	switch c {
	case CSPOff:
		return "off"
	case CSPReport:
		return "report"
	case CSPEnforce:
		return "enforce"
	}
	return "CSPMode(" + strconv.Itoa(int(c)) + ")"
}

// ParseCSPMode parses "off", "report" or "enforce" (as a proxy flag gives
// it), case-insensitively.
func ParseCSPMode(s string) (CSPMode, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "off":
		return CSPOff, nil
	case "report":
		return CSPReport, nil
	case "enforce":
		return CSPEnforce, nil
	}
	return 0, ErrCSPMode
}

// CSPReportPath is where, under Prefix, browsers send the reports of the
// middleware's Content-Security-Policy.
const CSPReportPath = "/csp-report"

// cspEndpointName is the reporting endpoint's name in report-to and
// Reporting-Endpoints.
const cspEndpointName = "consentgate"

// maxCSPCache bounds the header values kept, one per distinct set of
// granted tracker categories; sets beyond it (a policy with many tracker
// categories and visitors choosing every combination) are built per
// response.
const maxCSPCache = 256

// cspPolicy builds the middleware's Content-Security-Policy header value for
// a set of granted categories, once per set.
//
// The policy is a single default-src directive:
//
//	default-src 'self' <site hosts> <services> <granted trackers> data: blob: 'unsafe-inline' 'unsafe-eval'; report-uri …; report-to consentgate
//
// Every fetch directive (script-src, style-src, img-src, font-src,
// connect-src, frame-src, child-src, worker-src, media-src, manifest-src,
// object-src) falls back to default-src, so one list covers them all and the
// header carries its hosts once instead of once per directive. What it
// widens beyond hosts contacts no host, which is all this policy is about:
//
//   - 'unsafe-inline' and 'unsafe-eval': the site's inline scripts, event
//     handlers, style attributes, eval and WebAssembly keep working as its
//     own policy (if any) says; whatever they run still fetches under this
//     list. The banner's inline style and script need them too.
//   - data: and blob: URLs are made in the page, not fetched (images,
//     fonts, media, workers, frames, object data all use them); the
//     documents and workers they create — like srcdoc and about:blank
//     frames — inherit this policy, so they cannot reach a refused host
//     either (the browser test checks it).
//
// Hosts are written scheme-less, so that they match the page's scheme and
// its secure upgrade (http and https on an http page), with any port, as
// declarations match any port: "host:*" and "*.host:*" for a host and its
// subdomains. A scheme-less source never matches a WebSocket URL (CSP
// matches ws: and wss: to a scheme-less source only on a ws: origin, and
// Chromium refuses them), so each host is listed with wss:// too; URL
// patterns, which name pixels and scripts, are not. A declared URL pattern
// keeps its path: a path ending in '/' is a prefix in
// CSP too; any other path matches itself exactly and, with a '/' added, as
// a prefix ("www.facebook.com/tr" allows /tr and /tr/…; CSP cannot say "/tr
// followed by anything"). The site itself is 'self' — the origin the browser
// sees, which behind a proxy may not be the Host the handler got — so the
// value does not depend on the request and is cached per granted set only.
type cspPolicy struct {
	header   string // Content-Security-Policy or …-Report-Only
	head     string // "default-src 'self' <site> <services>"
	tail     string // " data: blob: …; report-uri …; report-to …"
	byCat    [64]string
	relevant uint64 // categories with tracker sources
	// endpoints is the Reporting-Endpoints value, shared by every
	// response; its capacity of one makes any append copy it.
	endpoints []string

	mu sync.Mutex
	// small holds the values of the granted sets below 256 (seven tracker
	// categories, as in the default policy), indexed without hashing;
	// cache the others, copied on write, at most maxCSPCache.
	small [256]atomic.Pointer[[]string]
	cache atomic.Pointer[map[uint64][]string]
	// Each cached value is two strings: the policy with report-to, for
	// pages served over HTTPS, and without, for plain HTTP, where Chromium
	// takes no Reporting-Endpoints yet, seeing report-to, ignores
	// report-uri, and so would send no report at all.
}

// cspTracker is a tracker as the policy builder needs it.
type cspTracker struct {
	hosts, urls []string
	bit         uint8
}

// newCSPPolicy builds the parts of the header that do not depend on the
// visitor. trackers must be the list the matcher is built from, each with
// its category bit.
func newCSPPolicy(mode CSPMode, prefix string, siteHosts []string, services []consent.Service, trackers []cspTracker) *cspPolicy {
	c := &cspPolicy{header: "Content-Security-Policy"}
	if mode == CSPReport {
		c.header = "Content-Security-Policy-Report-Only"
	}
	seen := map[string]bool{}
	var b strings.Builder
	b.WriteString("default-src 'self'")
	for _, h := range siteHosts {
		writeHostSources(&b, seen, h)
	}
	for _, s := range services {
		for _, h := range s.Hosts {
			writeHostSources(&b, seen, h)
		}
		for _, u := range s.URLs {
			writeURLSources(&b, seen, u)
		}
	}
	c.head = b.String()
	var cats [64]strings.Builder
	catSeen := [64]map[string]bool{}
	for _, t := range trackers {
		cb := &cats[t.bit]
		if catSeen[t.bit] == nil {
			catSeen[t.bit] = map[string]bool{}
			for k := range seen { // always allowed: never repeated
				catSeen[t.bit][k] = true
			}
		}
		for _, h := range t.hosts {
			writeHostSources(cb, catSeen[t.bit], h)
		}
		for _, u := range t.urls {
			writeURLSources(cb, catSeen[t.bit], u)
		}
	}
	for i := range cats {
		if cats[i].Len() > 0 {
			c.byCat[i] = cats[i].String()
			c.relevant |= 1 << i
		}
	}
	// The prefix is any path (New checks only its shape): what would end a
	// directive or the quoted endpoint is percent-encoded, which the
	// endpoint decodes back when the report arrives.
	report := escapeCSPPath(prefix) + CSPReportPath
	c.tail = " data: blob: 'unsafe-inline' 'unsafe-eval'; report-uri " + report + cspReportTo
	c.endpoints = []string{cspEndpointName + `="` + report + `"`}
	empty := map[uint64][]string{}
	c.cache.Store(&empty)
	return c
}

// cspHost cleans a declared host for a CSP source; ok is false for one
// that CSP cannot express (CSP host names allow only letters, digits, '-'
// and '.').
func cspHost(h string) (string, bool) {
	h = strings.ToLower(strings.TrimSpace(h))
	h = strings.TrimPrefix(h, "*.")
	h = strings.TrimPrefix(h, ".")
	h = strings.TrimSuffix(h, ".")
	if h == "" || strings.Contains(h, "..") {
		return "", false
	}
	for i := 0; i < len(h); i++ {
		if c := h[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return "", false
		}
	}
	return h, true
}

// writeHostSources appends the sources of a host and its subdomains.
func writeHostSources(b *strings.Builder, seen map[string]bool, host string) {
	h, ok := cspHost(host)
	if !ok || seen[h] {
		return
	}
	seen[h] = true
	b.WriteString(" " + h + ":* *." + h + ":* wss://" + h + ":* wss://*." + h + ":*")
}

// writeURLSources appends the sources of a host+path pattern: the host and
// its subdomains, each with the path.
func writeURLSources(b *strings.Builder, seen map[string]bool, pattern string) {
	host, path, _ := strings.Cut(strings.TrimSpace(pattern), "/")
	h, ok := cspHost(host)
	if !ok || seen[h] {
		return // a bad pattern, or its whole host is already allowed
	}
	path = "/" + path
	if path == "/" {
		writeHostSources(b, seen, h)
		return
	}
	if !cspPath(path) {
		return
	}
	paths := []string{path}
	if !strings.HasSuffix(path, "/") {
		paths = append(paths, path+"/")
	}
	for _, p := range paths {
		if k := h + p; !seen[k] {
			seen[k] = true
			b.WriteString(" " + h + ":*" + p + " *." + h + ":*" + p)
		}
	}
}

// cspPath reports whether a path can be written in a source as it is:
// CSP's path-part takes URL path characters but ';' and ',', which end a
// directive or a policy (and the quote, which would read as a keyword).
func cspPath(p string) bool {
	for i := 0; i < len(p); i++ {
		c := p[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._~!$&()*+=:@%/", c) >= 0) {
			return false
		}
	}
	return true
}

// escapeCSPPath percent-encodes the bytes of p that cspPath refuses, and
// '%' itself.
func escapeCSPPath(p string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if c := p[i]; c == '%' || !cspPath(p[i:i+1]) {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// value returns the header value for a set of granted categories, as a
// one-element slice that responses share (its capacity of one makes any
// append copy it).
func (c *cspPolicy) value(granted uint64) []string {
	key := granted & c.relevant
	if key < uint64(len(c.small)) {
		if v := c.small[key].Load(); v != nil {
			return *v
		}
		v := c.values(key)
		c.small[key].CompareAndSwap(nil, &v)
		return *c.small[key].Load()
	}
	if v, ok := (*c.cache.Load())[key]; ok {
		return v
	}
	v := c.values(key)
	c.mu.Lock()
	defer c.mu.Unlock()
	old := *c.cache.Load()
	if cached, ok := old[key]; ok {
		return cached
	}
	if len(old) >= maxCSPCache {
		return v
	}
	next := make(map[uint64][]string, len(old)+1)
	for k, s := range old {
		next[k] = s
	}
	next[key] = v
	c.cache.Store(&next)
	return v
}

// build writes the header value for the granted tracker categories.
func (c *cspPolicy) build(granted uint64) string {
	var b strings.Builder
	b.WriteString(c.head)
	seen := map[string]bool{}
	for i := range c.byCat {
		if granted&(1<<i) == 0 {
			continue
		}
		// A host declared in two granted categories is listed once.
		for src := range strings.FieldsSeq(c.byCat[i]) {
			if !seen[src] {
				seen[src] = true
				b.WriteString(" " + src)
			}
		}
	}
	b.WriteString(c.tail)
	return b.String()
}

// add puts the policy on a response for the visitor's granted categories:
// a field of its own, after any the site set, which it never reads or
// changes (a browser enforces every policy it gets, so ours can only
// restrict further).
// values returns the two forms of the policy for a granted set: with
// report-to, and without (a substring: the same bytes).
func (c *cspPolicy) values(granted uint64) []string {
	full := c.build(granted)
	return []string{full, strings.TrimSuffix(full, cspReportTo)}
}

// cspReportTo ends the policy: the Reporting API's endpoint.
const cspReportTo = "; report-to " + cspEndpointName

func (c *cspPolicy) add(h http.Header, granted uint64, secure bool) {
	v := c.value(granted)
	if !secure {
		addShared(h, c.header, v[1:2:2])
		return
	}
	addShared(h, c.header, v[0:1:1])
	addShared(h, "Reporting-Endpoints", c.endpoints)
}

// secureRequest reports whether the browser sees the page over HTTPS: the
// request came over TLS, or through a TLS terminator that says so.
func secureRequest(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	proto, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Proto"), ",")
	return strings.EqualFold(strings.TrimSpace(proto), "https")
}

// addShared adds a header value from a shared one-element slice without an
// allocation when the header is not yet set.
func addShared(h http.Header, key string, shared []string) {
	if old := h[key]; len(old) > 0 {
		h[key] = append(old[:len(old):len(old)], shared[0])
		return
	}
	h[key] = shared[:1:1]
}

// rendersAsDocument reports whether a browser could render a response with
// these Content-Type fields as a document, or run it as a worker, so that it
// needs the policy: any type but those a browser never renders as a page
// (images other than SVG, fonts, audio, video, CSS, JSON). A missing,
// empty, repeated or listed type does get it: browsers sniff or pick one.
// JavaScript gets it too: a worker runs under the policy of its script's
// response, not of the page that starts it (a script loaded by a page
// ignores the header), and a response does not say what it will be used
// for — Sec-Fetch-Dest does, but a cache would then need to vary on it.
func rendersAsDocument(ctype []string) bool {
	if len(ctype) != 1 {
		return true
	}
	ct := ctype[0]
	if ct == "text/html; charset=utf-8" || ct == "text/html" {
		return true // the usual values first
	}
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	ct = strings.TrimSpace(ct)
	if ct == "" || strings.IndexByte(ct, ',') >= 0 {
		return true
	}
	typ, sub, ok := strings.Cut(ct, "/")
	if !ok {
		return true
	}
	if len(sub) == 4 && strings.EqualFold(sub, "html") {
		return true // the usual case first
	}
	switch {
	case strings.EqualFold(typ, "image"):
		return hasSuffixFold(sub, "svg+xml") // SVG is a document
	case strings.EqualFold(typ, "font"), strings.EqualFold(typ, "audio"), strings.EqualFold(typ, "video"):
		return false
	case strings.EqualFold(typ, "text"):
		return !strings.EqualFold(sub, "css")
	case strings.EqualFold(typ, "application"):
		return !(strings.EqualFold(sub, "json") || hasSuffixFold(sub, "+json"))
	}
	return true
}

func hasSuffixFold(s, suffix string) bool {
	return len(s) >= len(suffix) && strings.EqualFold(s[len(s)-len(suffix):], suffix)
}

// cspReloads reports whether a page must be reloaded after a choice: the
// policy is enforced and the choice grants a tracker category the page's
// policy did not allow (a page keeps the policy it came with; withdrawing
// needs no reload, the old policy only allowed more).
func (m *Middleware) cspReloads(before, after []consent.CategoryID) bool {
	if m.csp == nil || m.csp.header != "Content-Security-Policy" {
		return false
	}
	var b, a uint64
	for _, id := range before {
		if bit, ok := m.catBit[id]; ok {
			b |= 1 << bit
		}
	}
	for _, id := range after {
		if bit, ok := m.catBit[id]; ok {
			a |= 1 << bit
		}
	}
	return a&^b&m.csp.relevant != 0
}
