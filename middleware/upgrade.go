package middleware

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"strings"

	"github.com/consentgate/consent"
)

// maxUpgradeLine bounds one header line of an upgrade response held to
// decide on it. A longer Set-Cookie line is dropped whole (no browser
// stores a cookie that size), any other long line is passed on as it
// streams: the head as a whole is never let through unread, however large.
const maxUpgradeLine = 8 << 10

// upgradeHead filters the Set-Cookie lines of the response head a handler
// writes itself on a hijacked connection. httputil.ReverseProxy does so for
// WebSocket upgrades: it copies the upstream's headers only after Hijack,
// so they never pass through the header map the middleware filters. It
// reads the head line by line as it arrives, holding one line at most.
type upgradeHead struct {
	w       io.Writer
	m       *Middleware
	consent *consent.Consent
	line    []byte // the head line under decision
	started bool   // the bytes are known to be a response head
	long    uint8  // a line beyond maxUpgradeLine: longPass or longDrop
	done    bool   // the head went out; the rest passes untouched
	out     []byte
}

const (
	longNone uint8 = iota
	longPass
	longDrop
)

func (u *upgradeHead) Write(p []byte) (int, error) {
	if u.done {
		return u.w.Write(p)
	}
	u.out = u.out[:0]
	rest := u.filter(p)
	if len(u.out) > 0 {
		if _, err := u.w.Write(u.out); err != nil {
			return 0, err
		}
	}
	if len(rest) > 0 {
		if _, err := u.w.Write(rest); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// filter consumes p into u.out (decided head bytes) and returns what
// follows the head, once its blank line has gone by.
func (u *upgradeHead) filter(p []byte) []byte {
	for len(p) > 0 {
		if !u.started {
			u.line = append(u.line, p...)
			p = nil
			if len(u.line) < 5 {
				return nil
			}
			if !bytes.HasPrefix(u.line, []byte("HTTP/")) {
				u.done = true // not a response head: nothing to filter
				held := u.line
				u.line = nil
				return held
			}
			u.started = true
			p, u.line = u.line, nil
		}
		nl := bytes.IndexByte(p, '\n')
		if u.long != longNone {
			chunk := p
			if nl >= 0 {
				chunk = p[:nl+1]
			}
			if u.long == longPass {
				u.out = append(u.out, chunk...)
			}
			p = p[len(chunk):]
			if nl >= 0 {
				u.long = longNone
			}
			continue
		}
		if nl < 0 {
			u.line = append(u.line, p...)
			p = nil
			if len(u.line) > maxUpgradeLine {
				if isSetCookieLine(u.line) || bytes.IndexByte(u.line, ':') < 0 {
					u.long = longDrop
				} else {
					u.long = longPass
					u.out = append(u.out, u.line...)
				}
				u.line = u.line[:0]
			}
			return nil
		}
		line := p[:nl+1]
		if len(u.line) > 0 {
			line = append(u.line, line...)
			u.line = u.line[:0]
		}
		p = p[nl+1:]
		if len(bytes.TrimRight(line, "\r\n")) == 0 {
			u.out = append(u.out, line...)
			u.done = true
			return p
		}
		if u.keep(line) {
			u.out = append(u.out, line...)
		}
	}
	return nil
}

// isSetCookieLine reports whether a header line names Set-Cookie.
func isSetCookieLine(line []byte) bool {
	name, _, ok := bytes.Cut(line, []byte(":"))
	return ok && strings.EqualFold(strings.TrimSpace(string(name)), "Set-Cookie")
}

// keep decides one complete header line: every line but a Set-Cookie the
// visitor's consent does not allow.
func (u *upgradeHead) keep(line []byte) bool {
	if u.m.reportOnly || !isSetCookieLine(line) {
		return true
	}
	if len(line) > maxUpgradeLine {
		return false // as when it arrives in pieces
	}
	_, v, _ := bytes.Cut(line, []byte(":"))
	value := strings.TrimSpace(string(v))
	c, err := http.ParseSetCookie(value)
	return err == nil && (deletes(value, u.m.now()) || u.m.allows(c.Name, u.consent))
}

// filteredReadWriter returns brw with its writer going through an
// upgradeHead filter.
func (rw *responseWriter) filteredReadWriter(brw *bufio.ReadWriter) *bufio.ReadWriter {
	f := &upgradeHead{w: brw.Writer, m: rw.m, consent: rw.consent}
	return bufio.NewReadWriter(brw.Reader, bufio.NewWriter(flushThrough{f, brw.Writer}))
}

// flushThrough writes to the filter and flushes the original buffered
// writer after each write, so that a Flush of the new writer reaches the
// connection.
type flushThrough struct {
	f  *upgradeHead
	bw *bufio.Writer
}

func (t flushThrough) Write(p []byte) (int, error) {
	n, err := t.f.Write(p)
	if err != nil {
		return n, err
	}
	return n, t.bw.Flush()
}
