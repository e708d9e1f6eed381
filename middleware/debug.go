package middleware

import (
	"bytes"
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
	removals []string
	overflow bool // the page outgrew maxDebugBody and was sent on
}

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
	d.removals = append(d.removals, s)
}

// commit sends the held status with the removals header.
func (d *debugPage) commit(note string) {
	list := note + strings.Join(d.removals, "; ")
	if list != "" {
		d.rw.w.Header().Set(DebugHeader, sanitizeHeader(list))
	}
	d.rw.m.log.Info("consent: rewrote page", "path", d.rw.req.URL.Path, "removed", list)
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

// sanitizeHeader keeps a header value to printable ASCII: hosts come from
// the page, and a header must not carry control characters.
func sanitizeHeader(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r >= 0x7f {
			return '?'
		}
		return r
	}, s)
}
