package middleware

import "net/http"

// Abandon tells the middleware that the handler it wraps is returning
// without having written a response, and that someone else will answer on
// the original writer: a Caddy handler that returns an error leaves the
// answer to the server's error handling (its status, or the site's
// handle_errors routes). The middleware then writes no status and no body
// of its own when the handler returns, where it would otherwise send an
// empty 200; the Set-Cookie headers the handler left on the response are
// still filtered. Call it from inside the wrapped handler, after it is
// done, with the writer the middleware gave it (or a wrapper that
// implements Unwrap() http.ResponseWriter). It reports whether the response
// was still unwritten, and so abandoned; once a status or a byte of the body
// has been written (or the connection hijacked) it changes nothing.
func Abandon(w http.ResponseWriter) bool {
	for w != nil {
		if cw, ok := w.(interface{ consentWriter() *responseWriter }); ok {
			rw := cw.consentWriter()
			if rw.done || rw.hijacked || rw.status != 0 || rw.sniffing {
				return false
			}
			rw.abandoned = true
			return true
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return false
		}
		w = u.Unwrap()
	}
	return false
}

// finishAbandoned ends an abandoned response: its cookies are filtered, as
// they would be at a commit, and nothing is written.
func (rw *responseWriter) finishAbandoned() {
	rw.finished = true
	rw.m.filterSetCookies(rw.w.Header(), rw.consent, rw.req.URL.Path)
	if !rw.m.reportOnly {
		dropCookieTrailers(rw.w.Header())
	}
}
