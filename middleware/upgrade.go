package middleware

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"strings"

	"github.com/consentgate/consent"
)

// maxUpgradeHead bounds the response head held to filter its cookies.
const maxUpgradeHead = 64 << 10

// upgradeHead filters the Set-Cookie lines of the response head a handler
// writes itself on a hijacked connection. httputil.ReverseProxy does so for
// WebSocket upgrades: it copies the upstream's headers only after Hijack,
// so they never pass through the header map the middleware filters.
type upgradeHead struct {
	w       io.Writer
	m       *Middleware
	consent *consent.Consent
	head    []byte
	done    bool // the head went out; the rest passes untouched
}

func (u *upgradeHead) Write(p []byte) (int, error) {
	if u.done {
		return u.w.Write(p)
	}
	u.head = append(u.head, p...)
	if !bytes.HasPrefix(u.head, []byte("HTTP/")) && len(u.head) >= 5 || len(u.head) > maxUpgradeHead {
		return len(p), u.flush(u.head) // not a response head: nothing to filter
	}
	end := bytes.Index(u.head, []byte("\r\n\r\n"))
	if end < 0 {
		return len(p), nil
	}
	filtered := u.filter(u.head[:end+2])
	rest := u.head[end+2:]
	if err := u.flush(append(filtered, rest...)); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (u *upgradeHead) flush(b []byte) error {
	u.done = true
	u.head = nil
	_, err := u.w.Write(b)
	return err
}

// filter drops the Set-Cookie lines of a response head (lines ending in
// CRLF) that the visitor's consent does not allow.
func (u *upgradeHead) filter(head []byte) []byte {
	out := make([]byte, 0, len(head)+2)
	for len(head) > 0 {
		i := bytes.Index(head, []byte("\r\n"))
		line := head[:i+2]
		head = head[i+2:]
		name, value, ok := strings.Cut(string(line[:i]), ":")
		if ok && strings.EqualFold(strings.TrimSpace(name), "Set-Cookie") {
			value = strings.TrimSpace(value)
			c, err := http.ParseSetCookie(value)
			if !u.m.reportOnly && (err != nil || !deletes(value, u.m.now()) && !u.m.allows(c.Name, u.consent)) {
				continue
			}
		}
		out = append(out, line...)
	}
	return out
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
