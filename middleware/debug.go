package middleware

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/consentgate/consent/middleware/internal/htmlrewrite"
)

// DebugHeader lists, in debug mode, what the middleware removed from a page:
// "script www.googletagmanager.com; img www.facebook.com (undeclared beacon)".
const DebugHeader = "Consent-Removed"

// maxDebugBody bounds the page debug mode holds back to list its removals
// in a header; a larger page is sent on, with the header saying it is
// incomplete.
const maxDebugBody = 16 << 20

// debugPage holds a rewritten page back until its end, so that the header
// can list what was removed from it. Pages then arrive whole rather than
// streamed: debug mode is for development.
type debugPage struct {
	rw       *responseWriter
	body     bytes.Buffer
	removals []debugRemoval // distinct removals, in page order, up to maxDebugEntries
	total    int            // every removal, counted
	overflow bool           // the page outgrew maxDebugBody and was sent on
}

// debugRemoval is one distinct removal and how often the page had it.
type debugRemoval struct {
	what  string
	count int
}

// Limits of the debug header: a page with thousands of pixels must still
// get a response head that browsers and proxies accept (most refuse heads
// over 8 to 16 KiB in all), so the header lists what fits in
// maxDebugHeaderBytes and sums up the rest.
const (
	maxDebugHeaderBytes = 4 << 10
	maxDebugEntries     = 256
)

func (d *debugPage) Write(p []byte) (int, error) {
	if d.overflow {
		return d.rw.w.Write(p)
	}
	if d.body.Len()+len(p) > maxDebugBody {
		d.overflow = true
		d.commit("(incomplete: page larger than 16 MiB) ")
		if _, err := d.rw.w.Write(d.body.Bytes()); err != nil {
			return 0, err
		}
		d.body = bytes.Buffer{}
		return d.rw.w.Write(p)
	}
	return d.body.Write(p)
}

func (d *debugPage) onRemove(r htmlrewrite.Removal) {
	s := r.Kind + " " + r.Host
	switch {
	case r.Tracker == nil:
		s += " (undeclared beacon)"
	case r.Deferred:
		s += " (deferred)"
	}
	d.total++
	for i := range d.removals {
		if d.removals[i].what == s {
			d.removals[i].count++
			return
		}
	}
	if len(d.removals) < maxDebugEntries {
		d.removals = append(d.removals, debugRemoval{what: s, count: 1})
	}
}

// list renders the removals, "script www.googletagmanager.com ×3; …", cut
// at max bytes with a summary of what was left out.
func (d *debugPage) list(max int) string {
	var b strings.Builder
	listed := 0
	for i, r := range d.removals {
		item := r.what
		if r.count > 1 {
			item += " ×" + strconv.Itoa(r.count)
		}
		if i > 0 {
			item = "; " + item
		}
		if b.Len()+len(item) > max-64 { // room for the summary
			break
		}
		b.WriteString(item)
		listed += r.count
	}
	if rest := d.total - listed; rest > 0 {
		fmt.Fprintf(&b, "; and %d more (%d removals in all)", rest, d.total)
	}
	return b.String()
}

// commit sends the held status with the removals header.
func (d *debugPage) commit(note string) {
	if d.total > 0 || note != "" {
		d.rw.w.Header().Set(DebugHeader, sanitizeHeader(note+d.list(maxDebugHeaderBytes-len(note))))
	}
	d.rw.m.log.Info("consent: rewrote page", "path", d.rw.req.URL.Path, "removed", note+d.list(1<<20))
	d.rw.w.WriteHeader(d.rw.status)
}

// finish sends the page once the rewriter has written all of it.
func (d *debugPage) finish() {
	if d.overflow {
		return
	}
	d.commit("")
	_, _ = d.rw.w.Write(d.body.Bytes())
}

// sanitizeHeader keeps a header value to printable ASCII (the "×" of a
// count becomes "x"): hosts come from the page, and a header must not carry
// control characters.
func sanitizeHeader(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '×' {
			return 'x'
		}
		if r < 0x20 || r >= 0x7f {
			return '?'
		}
		return r
	}, s)
}
