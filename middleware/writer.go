package middleware

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"

	"github.com/consentgate/consent"
	"github.com/consentgate/consent/banner"
	"github.com/consentgate/consent/middleware/internal/htmlrewrite"
)

// sniffLen is how much of a body without Content-Type is held to detect its
// type, as net/http does.
const sniffLen = 512

// responseWriter commits the response — filters the headers, decides on
// rewriting the body and sends the status — exactly once: at the final
// WriteHeader, the first Write, Flush or ReadFrom, or when the handler
// returns, whichever comes first. A body without a Content-Type that may
// need rewriting is the one exception: the commit waits for its first 512
// bytes (or a Flush, or the end) to sniff its type, as net/http would. Cookies
// the handler adds after the commit are ignored with or without the
// middleware, since net/http snapshots the header map then too.
//
// Only Header, Write, WriteHeader and Unwrap live here; the optional
// interfaces are added by wrap, so that the writer handed to the handler has
// exactly the interfaces of the original.
type responseWriter struct {
	w        http.ResponseWriter
	m        *Middleware
	req      *http.Request
	consent  *consent.Consent
	renew    *http.Cookie
	status   int
	hijacked bool
	done     bool   // committed: the status went out
	finished bool   // the handler returned and the body is complete
	noBanner bool   // the handler asked for no banner (HideBanner)
	route    string // the page's route, for the inventory (Route)
	// abandoned: the handler left the answer to someone else (Abandon),
	// so nothing is written when it returns.
	abandoned bool
	// revalidates: the request revalidates a page the middleware rewrote
	// for this consent state (translateIfNoneMatch).
	revalidates bool
	sniffing    bool // the commit waits for the body's first bytes
	sniffed     []byte

	// Set when the body is rewritten: body is where the handler's bytes
	// go (the rewriter, or the decoder in front of it).
	body    io.Writer
	html    *htmlRewrite
	scan    *htmlRewrite // report-only mode: reads the page, writes nowhere
	scanRec *recoder     // decodes a compressed page for scan
	rec     *recoder
	debug   *debugPage // debug mode: the page held back to list removals

	viewCounted bool // the inventory counted this response for its cookies

	grantedBits uint64 // the consent's category bits, once haveGranted
	haveGranted bool
	// broken: the compressed body could not be decoded to its end, so
	// the response is aborted once the handler has returned.
	broken bool
}

// granted returns the visitor's granted category bits, computed once per
// response.
func (rw *responseWriter) granted() uint64 {
	if !rw.haveGranted {
		rw.grantedBits, rw.haveGranted = rw.m.grantedBits(rw.consent), true
	}
	return rw.grantedBits
}

func (rw *responseWriter) Header() http.Header { return rw.w.Header() }

// WriteHeader passes informational (1xx) statuses through at once, with
// their headers filtered, and commits on the final status.
func (rw *responseWriter) WriteHeader(code int) {
	if rw.done || rw.hijacked {
		rw.w.WriteHeader(code) // let net/http report the superfluous call
		return
	}
	if rw.status != 0 {
		return // a superfluous call while the commit waits to sniff
	}
	if code >= 100 && code <= 199 && code != http.StatusSwitchingProtocols {
		rw.m.filterSetCookies(rw.w.Header(), rw.consent, rw.req.URL.Path)
		rw.w.WriteHeader(code)
		return
	}
	rw.status = code
	if !rw.startSniff() {
		rw.commit()
	}
}

func (rw *responseWriter) Write(p []byte) (int, error) {
	if !rw.done {
		if rw.sniffing || rw.startSniff() {
			return rw.sniff(p)
		}
		rw.commit()
	}
	if rw.body != nil {
		return rw.body.Write(p)
	}
	return rw.w.Write(p)
}

// Unwrap lets http.ResponseController reach the original writer for
// deadlines and full duplex.
func (rw *responseWriter) Unwrap() http.ResponseWriter { return rw.w }

// startSniff begins holding the body when its type must be sniffed: no
// Content-Type, a status with a body, a request with one, and a visitor
// whose pages would be rewritten.
func (rw *responseWriter) startSniff() bool {
	if rw.hijacked || rw.req.Method == http.MethodHead {
		return false
	}
	status := rw.status
	if status == 0 {
		status = http.StatusOK
	}
	h := rw.w.Header()
	if !needsSniff(h) || !bodyAllowed(status) || status == http.StatusPartialContent {
		return false
	}
	if !rw.m.rewrites(rw.plan()) {
		return false
	}
	rw.sniffing = true
	return true
}

// sniff holds the first bytes of an untyped body, then commits with the
// detected type and writes them.
func (rw *responseWriter) sniff(p []byte) (int, error) {
	if len(rw.sniffed)+len(p) < sniffLen {
		rw.sniffed = append(rw.sniffed, p...)
		return len(p), nil
	}
	held := len(rw.sniffed)
	if held == 0 {
		rw.endSniff(p)
	} else {
		rw.sniffed = append(rw.sniffed, p[:sniffLen-held]...)
		rw.endSniff(rw.sniffed)
		if _, err := rw.writeBody(rw.sniffed[:held]); err != nil {
			return 0, err
		}
	}
	rw.sniffed = nil
	if _, err := rw.writeBody(p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// endSniff sets the Content-Type detected from the body's first bytes and
// commits. Without a Content-Type it sets what net/http would set; over an
// unknown one ("*/*", …) only HTML, which the browser would sniff too, and
// without a charset, which the page's own <meta charset> then gives.
func (rw *responseWriter) endSniff(start []byte) {
	rw.sniffing = false
	if len(start) > 0 {
		detected := http.DetectContentType(start)
		h := rw.w.Header()
		if _, typed := h["Content-Type"]; !typed {
			h.Set("Content-Type", detected)
		} else if mediaType([]string{detected}) == "text/html" {
			h.Set("Content-Type", "text/html")
		}
	}
	rw.commit()
}

// flushSniffed ends sniffing at the end of the body: the type is then
// decided on what there is, as net/http does.
func (rw *responseWriter) flushSniffed() error {
	held := rw.sniffed
	rw.sniffed = nil
	rw.endSniff(held)
	if len(held) > 0 {
		_, err := rw.writeBody(held)
		return err
	}
	return nil
}

func (rw *responseWriter) writeBody(p []byte) (int, error) {
	if rw.body != nil {
		return rw.body.Write(p)
	}
	return rw.w.Write(p)
}

// commit filters the headers, decides on the body and sends the status,
// once.
func (rw *responseWriter) commit() {
	if rw.done || rw.hijacked {
		return
	}
	rw.done = true
	if rw.status == 0 {
		rw.status = http.StatusOK
	}
	h := rw.w.Header()
	m := rw.m
	rw.viewCounted = m.filterSetCookies(h, rw.consent, rw.pageKey())
	if !m.reportOnly && m.filterTrackerHeaders(h, rw.status, rw.granted()) {
		// A redirect to a tracker the visitor has not granted: answered
		// without it, and without the handler's body.
		rw.status = http.StatusNoContent
		h.Del("Content-Length")
		h.Del("Content-Type")
		rw.body = io.Discard
	}
	handlers := len(h["Set-Cookie"])
	if !m.reportOnly {
		m.expireRefused(h, rw.req, rw.consent, false)
		undeclareCookieTrailer(h)
	}
	if rw.renew != nil {
		h.Add("Set-Cookie", rw.renew.String())
	}
	if len(h["Set-Cookie"]) > handlers {
		keepFromSharedCaches(h) // the cookies we added are this visitor's
	}
	if !m.reportOnly || m.reportBanner {
		addVary(h, "Cookie")
		if m.gpc {
			addVary(h, "Sec-GPC")
		}
	}
	if rw.status == http.StatusNotModified && rw.revalidates {
		// The browser holds the page as the middleware rewrote it: the
		// 304 updates that copy's validators, which must stay tied.
		tieValidators(h, consentState(rw.plan(), rw.consent.Decided()))
	}
	rw.startRewrite(h)
	if m.csp != nil && rendersAsDocument(h["Content-Type"]) {
		m.csp.add(h, rw.granted(), secureRequest(rw.req))
	}
	if rw.debug == nil {
		rw.w.WriteHeader(rw.status)
	}
}

// startRewrite puts the HTML rewriter on the body when the response is an
// HTML page, with a body, not a range, in an encoding the middleware can
// decode, and the visitor's consent changes something in it.
func (rw *responseWriter) startRewrite(h http.Header) {
	if !bodyAllowed(rw.status) || rw.status == http.StatusPartialContent || !isHTML(mediaType(h["Content-Type"])) {
		return
	}
	m := rw.m
	p := rw.plan()
	if m.reportOnly {
		rw.startReport(h, p)
		return
	}
	if !m.rewrites(p) {
		return
	}
	if p.inject {
		if v := h["Vary"]; len(v) == 1 && &v[0] == &varyCookie[0] {
			h["Vary"] = varyInjected[:3:3]
		} else {
			addVary(h, "HX-Request")
			addVary(h, "Accept-Language")
		}
	}
	enc := m.htmlEncoding(h, "encoding:", "HTML body in a content encoding the middleware cannot decode passes unchanged: trackers in it are not removed")
	if !enc.readable() {
		return
	}
	enc.reencoded(h)
	// The body will differ from what the handler wrote, and from what
	// another visitor gets. A Content-Range on a 200 means nothing (a
	// range is a 206), and is wrong for the rewritten body.
	keepFromSharedCaches(h)
	h.Del("Content-Range")
	h.Del("Content-Length")
	h.Del("Accept-Ranges")
	tieValidators(h, consentState(p, rw.consent.Decided()))
	if rw.req.Method == http.MethodHead {
		return
	}

	hr := rewriterPool.Get().(*htmlRewrite)
	hr.reset()
	var in banner.Injection
	if p.inject || p.head {
		in = rw.injection(h, p.lang)
	}
	if p.inject {
		hr.inject = m.banner.Append(hr.inject, in)
	}
	if p.head {
		hr.head = append(hr.head, "<script"...)
		if in.ScriptNonce != "" {
			hr.head = append(append(append(hr.head, ` nonce="`...), in.ScriptNonce...), '"')
		}
		hr.head = append(hr.head, '>')
		hr.head = append(hr.head, m.consentMode.script(p.granted, rw.consent.Decided())...)
		hr.head = append(hr.head, "</script>"...)
	}
	opts := m.rewriteOptions
	opts.Granted = p.granted
	opts.BeaconAllowed = p.beaconAllowed
	opts.SiteHost = hostOnly(rw.req.Host)
	opts.OnTag = hr.onTag
	hr.tags = m.stats.tags
	if p.inject {
		opts.Inject = hr.inject
	}
	if p.head {
		opts.InjectHead = hr.head
	}
	rw.html = hr
	var out io.Writer = rw.w
	if m.debug {
		rw.debug = &debugPage{rw: rw}
		opts.OnRemove = rw.debug.onRemove
		out = rw.debug
	}
	if enc.identity() {
		hr.rw.Reset(out, m.matcher, opts)
		rw.body = &hr.rw
		return
	}
	rec := newRecoder(enc, out)
	hr.rw.Reset(rec.encoder(), m.matcher, opts)
	rec.start(&hr.rw)
	rw.rec = rec
	rw.body = rec
}

// undeclareCookieTrailer takes Set-Cookie out of the trailers a response
// announces (the Trailer header): net/http then ignores a Set-Cookie the
// handler adds after the body, which the filter, run at the commit, would
// never see. Browsers ignore cookies in trailers, but proxies and other
// clients may merge trailers into the header.
func undeclareCookieTrailer(h http.Header) {
	vals, ok := h["Trailer"]
	if !ok {
		return
	}
	var keep []string
	changed := false
	for _, v := range vals {
		for name := range strings.SplitSeq(v, ",") {
			name = strings.TrimSpace(name)
			if strings.EqualFold(name, "Set-Cookie") {
				changed = true
			} else if name != "" {
				keep = append(keep, name)
			}
		}
	}
	switch {
	case !changed:
	case len(keep) == 0:
		delete(h, "Trailer")
	default:
		h["Trailer"] = []string{strings.Join(keep, ", ")}
	}
}

// dropCookieTrailers deletes the Set-Cookie trailers a handler added with
// http.TrailerPrefix (httputil.ReverseProxy copies an upstream's
// unannounced trailers so), once the handler is done.
func dropCookieTrailers(h http.Header) {
	for k := range h {
		if name, ok := strings.CutPrefix(k, http.TrailerPrefix); ok && strings.EqualFold(name, "Set-Cookie") {
			delete(h, k)
		}
	}
}

// hostOnly strips the port from a Host header value.
func hostOnly(host string) string {
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.Contains(host[i:], "]") {
		host = host[:i]
	}
	return strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
}

// finish commits a response whose handler wrote no body and ends the body.
func (rw *responseWriter) finish() {
	if rw.abandoned && !rw.done && !rw.hijacked && rw.status == 0 && !rw.sniffing {
		rw.finishAbandoned()
		return
	}
	if rw.sniffing {
		_ = rw.flushSniffed()
	}
	rw.commit()
	rw.finished = true
	rw.closeBody()
	if !rw.m.reportOnly {
		dropCookieTrailers(rw.w.Header())
	}
	if rw.broken {
		// As net/http and httputil.ReverseProxy do for a body they cannot
		// finish: the client sees a broken transfer, not a short page.
		panic(http.ErrAbortHandler)
	}
}

// closeBody ends the rewriter (writing what it still holds) and the
// re-encoder, and recycles them.
func (rw *responseWriter) closeBody() {
	if rw.scan != nil {
		rw.closeScan()
	}
	if rw.html == nil {
		return
	}
	rw.m.stats.pagesRewritten.Add(1)
	var err error
	if rw.rec != nil {
		err = rw.rec.close(rw.html.rw.Close)
	} else {
		err = rw.html.rw.Close()
	}
	if err != nil && err != errAborted {
		rw.m.log.Debug("consent: rewriting an HTML response failed", "path", rw.req.URL.Path, "error", err)
		rw.broken = rw.rec != nil
	}
	rw.m.recordPage(rw.pageKey(), rw.html, rw.viewCounted)
	rw.html.rw.Reset(nil, nil, htmlrewrite.Options{})
	rewriterPool.Put(rw.html)
	rw.html, rw.rec, rw.body = nil, nil, nil
	if rw.debug != nil {
		rw.debug.finish()
		rw.debug = nil
	}
}

// release runs when the handler is gone. After finish there is nothing
// left; after a panic the decoder goroutine is stopped, and the rewriter is
// not recycled (it may be mid-write). The panic goes on to net/http, which
// aborts the response so that the client sees it is incomplete.
func (rw *responseWriter) release() {
	if rw.finished {
		return
	}
	if rw.rec != nil {
		rw.rec.abort()
	}
	rw.abortScan()
	rw.html, rw.rec, rw.body = nil, nil, nil
}

func (rw *responseWriter) flush() error {
	if rw.sniffing {
		// Held until 512 bytes or the end, whatever the flushes: a reverse
		// proxy flushes after every read, and a type decided on the first
		// few bytes of a page would let it through unread.
		return nil
	}
	rw.commit()
	if rw.debug != nil && !rw.debug.overflow {
		return nil // debug mode sends the page whole, at its end
	}
	if rw.html != nil {
		if err := rw.html.rw.Flush(); err != nil {
			return err
		}
		if rw.rec != nil {
			if err := rw.rec.flush(); err != nil {
				return err
			}
		}
	}
	return http.NewResponseController(rw.w).Flush()
}

func (rw *responseWriter) readFrom(src io.Reader) (int64, error) {
	if rw.done && rw.body == nil {
		return rw.w.(io.ReaderFrom).ReadFrom(src)
	}
	// The body goes through sniffing or the rewriter: copy it in chunks.
	bp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bp)
	return io.CopyBuffer(writerOnly{rw}, src, *bp)
}

// copyBufs are ReadFrom's copy buffers for bodies that are rewritten.
var copyBufs = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// writerOnly hides ReadFrom from io.CopyBuffer.
type writerOnly struct{ rw *responseWriter }

func (w writerOnly) Write(p []byte) (int, error) { return w.rw.Write(p) }

// hijack hands the connection over (WebSocket upgrades): the handler now
// speaks raw bytes, which the middleware does not read, but for the cookies
// of a response head it writes through the returned buffered writer (the
// reverse proxy writes the upstream's there) and those already in the
// header map.
func (rw *responseWriter) hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := rw.w.(http.Hijacker).Hijack()
	if err != nil {
		return conn, brw, err
	}
	rw.hijacked = true
	rw.m.filterSetCookies(rw.w.Header(), rw.consent, rw.req.URL.Path)
	return conn, rw.filteredReadWriter(brw), nil
}

// varyCookie is the Vary header of most responses, shared to save an
// allocation per request; its capacity of one makes any append copy it.
var varyCookie = []string{"Cookie"}

// varyInjected is the Vary header of a page with the banner, which HTMX
// requests do not get, in the visitor's language.
var varyInjected = []string{"Cookie", "HX-Request", "Accept-Language"}

// addVary adds value to the Vary header unless it is already listed.
func addVary(h http.Header, value string) {
	vals := h["Vary"]
	if len(vals) == 0 && value == "Cookie" {
		h["Vary"] = varyCookie[:1:1]
		return
	}
	for _, v := range vals {
		if headerListHas(v, value) {
			return
		}
	}
	h.Add("Vary", value)
}

// headerListHas reports whether the comma-separated list holds token
// (case-insensitively) or "*".
func headerListHas(list, token string) bool {
	for item := range strings.SplitSeq(list, ",") {
		item = strings.TrimSpace(item)
		if item == "*" || strings.EqualFold(item, token) {
			return true
		}
	}
	return false
}

func (rw *responseWriter) writeString(s string) (int, error) {
	if rw.done && rw.body == nil {
		return rw.w.(io.StringWriter).WriteString(s)
	}
	return rw.Write([]byte(s))
}
