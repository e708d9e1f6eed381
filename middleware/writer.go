package middleware

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"

	"github.com/consentgate/consent"
)

// responseWriter commits the response — filters the headers and sends the
// status — exactly once: at the final WriteHeader, the first Write, Flush or
// ReadFrom, or when the handler returns, whichever comes first. That is also
// when net/http takes its snapshot of the header map, so a cookie the handler
// adds later is ignored with or without the middleware. Only Header, Write, WriteHeader and Unwrap live here; the
// optional interfaces are added by wrap, so that the writer handed to the
// handler has exactly the interfaces of the original.
type responseWriter struct {
	w        http.ResponseWriter
	m        *Middleware
	req      *http.Request
	consent  *consent.Consent
	renew    *http.Cookie
	status   int
	hijacked bool
	done     bool // committed: the status went out
}

func (rw *responseWriter) Header() http.Header { return rw.w.Header() }

// WriteHeader passes informational (1xx) statuses through at once, with
// their headers filtered, and commits on the final status.
func (rw *responseWriter) WriteHeader(code int) {
	if rw.done || rw.hijacked {
		rw.w.WriteHeader(code) // let net/http report the superfluous call
		return
	}
	if code >= 100 && code <= 199 && code != http.StatusSwitchingProtocols {
		rw.m.filterSetCookies(rw.w.Header(), rw.consent)
		rw.w.WriteHeader(code)
		return
	}
	rw.status = code
	rw.commit()
}

func (rw *responseWriter) Write(p []byte) (int, error) {
	rw.commit()
	return rw.w.Write(p)
}

// Unwrap lets http.ResponseController reach the original writer for
// deadlines and full duplex.
func (rw *responseWriter) Unwrap() http.ResponseWriter { return rw.w }

// commit filters the headers and sends the status, once.
func (rw *responseWriter) commit() {
	if rw.done || rw.hijacked {
		return
	}
	rw.done = true
	if rw.status == 0 {
		rw.status = http.StatusOK
	}
	h := rw.w.Header()
	rw.m.filterSetCookies(h, rw.consent)
	rw.m.expireRefused(h, rw.req, rw.consent)
	if rw.renew != nil {
		h.Add("Set-Cookie", rw.renew.String())
	}
	addVary(h, "Cookie")
	rw.w.WriteHeader(rw.status)
}

// finish commits a response whose handler wrote no body.
func (rw *responseWriter) finish() { rw.commit() }

func (rw *responseWriter) flush() error {
	rw.commit()
	return http.NewResponseController(rw.w).Flush()
}

func (rw *responseWriter) readFrom(src io.Reader) (int64, error) {
	rw.commit()
	return rw.w.(io.ReaderFrom).ReadFrom(src)
}

// hijack hands the connection over untouched (WebSocket upgrades): the
// handler now speaks raw bytes, which the middleware does not read. Cookies
// already in the header map are still filtered, since some handlers (the
// reverse proxy among them) write the header map themselves.
func (rw *responseWriter) hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := rw.w.(http.Hijacker).Hijack()
	if err == nil {
		rw.hijacked = true
		rw.m.filterSetCookies(rw.w.Header(), rw.consent)
	}
	return conn, brw, err
}

// addVary adds value to the Vary header unless it is already listed.
func addVary(h http.Header, value string) {
	for _, v := range h.Values("Vary") {
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
	rw.commit()
	return rw.w.(io.StringWriter).WriteString(s)
}
