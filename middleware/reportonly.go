package middleware

import (
	"io"
	"net/http"

	"github.com/consentgate/consent/middleware/internal/htmlrewrite"
)

// startReport sets up an HTML page in report-only mode: the page goes out
// as the handler wrote it (with the banner alone added, if asked), while a
// second rewriter reads the same bytes with the visitor's consent and
// writes nowhere, so the inventory learns what a strict run would remove.
func (rw *responseWriter) startReport(h http.Header, p htmlPlan) {
	m := rw.m
	if rw.req.Method == http.MethodHead {
		return
	}
	enc := m.htmlEncoding(h, "report-encoding:", "report-only mode cannot read HTML in this content encoding: the page is not inventoried")
	if !enc.readable() {
		return
	}
	siteHost := hostOnly(rw.req.Host)
	scan := rewriterPool.Get().(*htmlRewrite)
	scan.reset()
	opts := m.rewriteOptions
	opts.Granted = p.granted
	opts.BeaconAllowed = p.beaconAllowed
	opts.SiteHost = siteHost
	opts.OnTag = scan.onTag
	scan.rw.Reset(io.Discard, m.matcher, opts)
	rw.scan = scan
	var scanIn io.Writer = &scan.rw
	if !enc.identity() {
		// The scanner reads a decoded copy; the client gets the
		// compressed bytes as they were.
		rw.scanRec = newRecoder(enc, io.Discard)
		rw.scanRec.start(&scan.rw)
		scanIn = rw.scanRec
	}

	var out io.Writer = rw.w
	if m.reportBanner && p.inject {
		// The banner is the one change: nothing is removed from the page.
		addVary(h, "HX-Request")
		addVary(h, "Accept-Language")
		keepFromSharedCaches(h)
		h.Del("Content-Length")
		h.Del("Accept-Ranges")
		h.Del("ETag")
		enc.reencoded(h)
		hr := rewriterPool.Get().(*htmlRewrite)
		hr.reset()
		hr.inject = m.banner.Append(hr.inject, rw.injection(h, p.lang))
		show := m.rewriteOptions
		show.Granted = ^uint64(0)
		show.BeaconAllowed = true
		show.SiteHost = siteHost
		show.Inject = hr.inject
		rw.html = hr
		if enc.identity() {
			hr.rw.Reset(rw.w, m.matcher, show)
			out = &hr.rw
		} else {
			rec := newRecoder(enc, rw.w)
			hr.rw.Reset(rec.encoder(), m.matcher, show)
			rec.start(&hr.rw)
			rw.rec = rec
			out = rec
		}
	}
	rw.body = &reportTee{scan: scanIn, out: out}
}

// reportTee gives each write to the scanner, whose errors concern only the
// report, then to the client.
type reportTee struct {
	scan io.Writer
	out  io.Writer
}

func (t *reportTee) Write(p []byte) (int, error) {
	_, _ = t.scan.Write(p)
	return t.out.Write(p)
}

// closeScan ends the report-only scanner and records what it saw.
func (rw *responseWriter) closeScan() {
	if rw.scanRec != nil {
		_ = rw.scanRec.close(rw.scan.rw.Close)
		rw.scanRec = nil
	} else {
		_ = rw.scan.rw.Close()
	}
	rw.m.recordPage(rw.pageKey(), rw.scan, rw.viewCounted)
	rw.scan.rw.Reset(nil, nil, htmlrewrite.Options{})
	rewriterPool.Put(rw.scan)
	rw.scan = nil
	if rw.html == nil {
		rw.body = nil
	}
}

// abortScan stops the scanner's decoder of an abandoned response.
func (rw *responseWriter) abortScan() {
	if rw.scanRec != nil {
		rw.scanRec.abort()
	}
	rw.scan, rw.scanRec = nil, nil
}

// recordPage merges what a page's rewriter saw into the inventory.
// The banner-only rewriter of report-only mode observes nothing.
func (m *Middleware) recordPage(path string, hr *htmlRewrite, counted bool) {
	m.inv.recordTags(path, m.now(), hr.obs, hr.names, m.rewriteOptions.CategoryNames, counted)
}
