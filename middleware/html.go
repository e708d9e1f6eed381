package middleware

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/consentgate/consent"
	"github.com/consentgate/consent/middleware/internal/htmlrewrite"
)

// Mode says what happens to a tracker tag whose category the visitor has
// not granted.
type Mode uint8

const (
	// Strip removes the tag: the browser never sees it. The default.
	Strip Mode = iota
	// Defer keeps the tag but inert: a script becomes type="text/plain"
	// with data-consent-category and data-consent-src, an image or frame
	// keeps its URL in data-consent-src, so that the banner script can
	// switch them on after consent without a reload.
	Defer
)

// String returns "strip" or "defer".
func (m Mode) String() string {
	switch m {
	case Strip:
		return "strip"
	case Defer:
		return "defer"
	}
	return "Mode(" + strconv.Itoa(int(m)) + ")"
}

// ParseMode parses "strip" or "defer" (as a proxy flag gives it).
func ParseMode(s string) (Mode, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "strip":
		return Strip, nil
	case "defer":
		return Defer, nil
	}
	return 0, ErrMode
}

// htmlPlan is what the middleware does to one HTML response.
type htmlPlan struct {
	granted       uint64
	inject        bool // the banner, or the settings control
	head          bool // the Google Consent Mode script
	lang          int  // the banner's language (banner.Catalog.Pick)
	beaconAllowed bool
}

// rewrites reports whether the plan changes anything at all.
func (m *Middleware) rewrites(p htmlPlan) bool {
	return p.inject || p.head || m.trackerCats&^p.granted != 0 || (m.beacons && !p.beaconAllowed)
}

// grantedBits maps a consent to the rewriter's category bits (policy order).
func (m *Middleware) grantedBits(v *consent.Consent) uint64 {
	var bits uint64
	for _, id := range v.Granted {
		if b, ok := m.catBit[id]; ok {
			bits |= 1 << b
		}
	}
	return bits
}

// plan decides, for a visitor, what an HTML response needs: called once per
// response, at commit, and only for HTML.
func (rw *responseWriter) plan() htmlPlan {
	m := rw.m
	p := htmlPlan{granted: rw.granted()}
	if m.undeclared != "" {
		p.beaconAllowed = rw.consent.Allowed(m.undeclared)
	} else {
		p.beaconAllowed = p.granted&m.allCats == m.allCats
	}
	partial := len(rw.req.Header["Hx-Request"]) != 0
	p.inject = m.banner != nil && (!rw.consent.Decided() || m.settingsControl) && !rw.noBanner && !partial &&
		(!m.reportOnly || m.reportBanner)
	p.head = m.consentMode != nil && !partial && !m.reportOnly
	if p.inject {
		p.lang = m.catalog.Pick(rw.req.Header.Get("Accept-Language"))
	}
	return p
}

// mediaType returns the MIME type essence ("text/html") a browser takes from
// a response's Content-Type field values, as the Fetch standard's "extract
// a MIME type" does: of all the comma-separated values of all the fields,
// the last one that parses; "" when none does.
func mediaType(vals []string) string {
	if len(vals) == 1 {
		v := vals[0]
		if v == "text/html; charset=utf-8" || v == "text/html" {
			return "text/html" // the usual case, without allocating
		}
		if strings.IndexByte(v, ',') < 0 {
			e, _ := essenceOf(v) // one type, as most responses have: no list to split
			return e
		}
	}
	essence := ""
	for _, v := range vals {
		for part := range splitOutsideQuotes(v) {
			if e, ok := essenceOf(part); ok {
				essence = e
			}
		}
	}
	return essence
}

// essenceOf returns the lowercased "type/subtype" of one media type, and
// whether it parses.
func essenceOf(part string) (string, bool) {
	if i := strings.IndexByte(part, ';'); i >= 0 {
		part = part[:i]
	}
	part = strings.Trim(part, " \t")
	typ, sub, ok := strings.Cut(part, "/")
	if !ok || !isToken(typ) || !isToken(sub) {
		return "", false
	}
	return strings.ToLower(part), true
}

// splitOutsideQuotes yields the comma-separated parts of a field value,
// ignoring commas inside quoted parameter values.
func splitOutsideQuotes(v string) func(func(string) bool) {
	return func(yield func(string) bool) {
		start, quoted := 0, false
		for i := 0; i < len(v); i++ {
			switch v[i] {
			case '"':
				quoted = !quoted
			case '\\':
				if quoted {
					i++
				}
			case ',':
				if !quoted {
					if !yield(v[start:i]) {
						return
					}
					start = i + 1
				}
			}
		}
		yield(v[start:])
	}
}

// isToken reports whether s is a non-empty HTTP token.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`()<>@,;:\"/[]?={}`, c) >= 0 {
			return false
		}
	}
	return true
}

// isHTML reports whether a MIME type essence is HTML (or XHTML).
func isHTML(essence string) bool {
	return essence == "text/html" || essence == "application/xhtml+xml"
}

// needsSniff reports whether a browser sniffs the type of a response with
// these header fields: none is valid, or the one given says "unknown"
// (Fetch / MIME Sniffing standards), unless X-Content-Type-Options:
// nosniff forbids it. Without any Content-Type field net/http sniffs itself,
// nosniff or not, and sends the type it found.
func needsSniff(h http.Header) bool {
	vals, typed := h["Content-Type"]
	if !typed {
		return true
	}
	switch mediaType(vals) {
	case "", "*/*", "unknown/unknown", "application/unknown":
		return !strings.EqualFold(strings.TrimSpace(h.Get("X-Content-Type-Options")), "nosniff")
	}
	return false
}

// bodyAllowed reports whether a response with this status carries a body.
func bodyAllowed(status int) bool {
	return status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified
}

// rewriterPool recycles rewriters and their buffers between responses.
var rewriterPool = sync.Pool{New: func() any {
	hr := new(htmlRewrite)
	hr.onTag = hr.observe // bound once: a method value per page would allocate
	return hr
}}

// htmlRewrite is the pooled per-response state of an HTML rewrite.
type htmlRewrite struct {
	rw     htmlrewrite.Rewriter
	inject []byte
	head   []byte

	// What the page held, for the inventory; merged when the page ends.
	obs   []tagObservation
	names []byte
	onTag func(htmlrewrite.TagEvent)
	// tags are the middleware's removal counters (stats.tags).
	tags []atomic.Uint64
}

// observe counts one tag of the page, by kind, host (lowercased), tracker
// and fate, up to maxTagObservations distinct ones: pages repeat the same
// few hosts, and the page's memory must not grow with its length.
func (hr *htmlRewrite) observe(e htmlrewrite.TagEvent) {
	if (e.Removed || e.Deferred) && len(hr.tags) > 0 {
		i := len(hr.tags) - 1 // an undeclared beacon
		if e.Tracker != nil {
			i = e.Tracker.ID
		}
		hr.tags[i].Add(1)
	}
	host := e.Host
	if len(host) > maxNameBytes {
		host = host[:maxNameBytes]
	}
	for i := range hr.obs {
		o := &hr.obs[i]
		if o.kind == e.Kind && o.tracker == e.Tracker && o.removed == e.Removed && o.deferred == e.Deferred &&
			bytes.EqualFold(hr.names[o.start:o.end], host) {
			o.count++
			return
		}
	}
	if len(hr.obs) >= maxTagObservations || len(hr.names)+len(host) > maxTagNameBytes {
		return
	}
	start := len(hr.names)
	for _, c := range host {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		hr.names = append(hr.names, c)
	}
	hr.obs = append(hr.obs, tagObservation{kind: e.Kind, start: start, end: len(hr.names),
		tracker: e.Tracker, removed: e.Removed, deferred: e.Deferred, count: 1})
}

// maxTagNameBytes bounds the hosts one page records.
const maxTagNameBytes = 4 << 10

// reset readies a pooled htmlRewrite for a page.
func (hr *htmlRewrite) reset() {
	hr.inject, hr.head = hr.inject[:0], hr.head[:0]
	hr.obs, hr.names = hr.obs[:0], hr.names[:0]
}

// weakETag makes a strong validator weak and ties it to the visitor's
// consent state: the rewritten page differs from the handler's bytes and
// from the page another visitor gets. translateIfNoneMatch undoes it.
func weakETag(etag, state string) string {
	etag = strings.TrimPrefix(etag, "W/")
	if len(etag) < 2 || etag[0] != '"' || etag[len(etag)-1] != '"' {
		return ""
	}
	return `W/` + etag[:len(etag)-1] + "-" + state + `"`
}

// lastModifiedPrefix starts the validator a rewritten page gets in place of
// a Last-Modified date: W/"lm-<unix seconds>-<state>". A date cannot carry
// the consent state, and a browser revalidating with If-Modified-Since
// would have a 304 show it a page cached under another state.
const lastModifiedPrefix = `W/"lm-`

// lastModifiedETag turns a Last-Modified date into a validator tied to the
// consent state; "" when the date does not parse.
func lastModifiedETag(lastModified, state string) string {
	t, err := http.ParseTime(lastModified)
	if err != nil {
		return ""
	}
	return lastModifiedPrefix + strconv.FormatInt(t.Unix(), 10) + "-" + state + `"`
}

// tieValidators replaces the validators of a rewritten page (or of the 304
// that revalidates one) by validators tied to the consent state: the ETag
// made weak with the state, or else the Last-Modified date turned into an
// ETag. Last-Modified goes, so that browsers revalidate with the ETag only.
func tieValidators(h http.Header, state string) {
	lm := h.Get("Last-Modified")
	h.Del("Last-Modified")
	if etag := h.Get("ETag"); etag != "" {
		if w := weakETag(etag, state); w != "" {
			h.Set("ETag", w)
		} else {
			h.Del("ETag")
		}
		return
	}
	if lm != "" {
		if w := lastModifiedETag(lm, state); w != "" {
			h.Set("ETag", w)
		}
	}
}

// translateIfNoneMatch gives the handler back its own validators: an ETag
// the middleware tied to this visitor's consent state loses the suffix, one
// made from a Last-Modified date becomes If-Modified-Since again; one tied
// to another state can no longer match and is dropped. It reports whether
// the request revalidates a page the middleware rewrote in this state.
func translateIfNoneMatch(h http.Header, state string) (ours bool) {
	vals := h.Values("If-None-Match")
	if len(vals) == 0 || !strings.Contains(strings.Join(vals, ","), "-cg") {
		return false
	}
	var out []string
	for _, v := range vals {
		for tag := range strings.SplitSeq(v, ",") {
			tag = strings.TrimSpace(tag)
			if tag == "" {
				continue
			}
			if !strings.HasSuffix(tag, `"`) {
				out = append(out, tag)
				continue
			}
			body := tag[:len(tag)-1]
			i := strings.LastIndex(body, "-cg")
			switch {
			case i < 0:
				out = append(out, tag)
			case body[i+1:] != state:
			case strings.HasPrefix(tag, lastModifiedPrefix):
				if secs, err := strconv.ParseInt(body[len(lastModifiedPrefix):i], 10, 64); err == nil {
					h.Set("If-Modified-Since", time.Unix(secs, 0).UTC().Format(http.TimeFormat))
					ours = true
				}
			default:
				out = append(out, body[:i]+`"`)
				ours = true
			}
		}
	}
	switch {
	case len(out) > 0:
		h["If-None-Match"] = []string{strings.Join(out, ", ")}
	case ours:
		delete(h, "If-None-Match") // only a date to compare now
	default:
		// Nothing the handler issued can match: an impossible validator
		// keeps the request conditional without matching.
		h["If-None-Match"] = []string{`"consentgate-stale"`}
	}
	return ours
}

// mediaRequest reports whether a browser says (Sec-Fetch-Dest) the request
// is for something it never renders as a page: the range requests of video
// and audio players keep their ranges. Requests that do not say, from
// other clients, might be for a page.
func mediaRequest(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Dest") {
	case "audio", "video", "track", "image", "font", "script", "style", "manifest", "audioworklet",
		"paintworklet", "serviceworker", "sharedworker", "worker", "xslt", "json", "report":
		return true
	}
	return false
}

// documentRequest reports whether a request is for something a browser
// renders as a page (a navigation, a frame), whose cached copy may be a
// rewritten one.
func documentRequest(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Dest") {
	case "document", "iframe", "frame", "embed", "object":
		return true
	case "":
		return strings.Contains(r.Header.Get("Accept"), "text/html")
	}
	return false
}

// consentState names a visitor's consent state in validators: the granted
// bits, and the language of the injected markup, if any.
func consentState(p htmlPlan, decided bool) string {
	s := "cg" + strconv.FormatUint(p.granted, 36)
	if decided {
		s += "d"
	}
	if p.inject {
		s += "b" + strconv.Itoa(p.lang)
	}
	return s
}
