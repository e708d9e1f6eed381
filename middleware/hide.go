package middleware

import "net/http"

// HideBanner tells the middleware not to inject the consent banner into this
// response, e.g. for a page that embeds its own consent controls or a
// fragment that is not a whole page. Call it before the first Write. It
// finds the middleware's writer through wrappers that implement
// Unwrap() http.ResponseWriter, and reports whether it did. Tracker tags are
// still removed.
func HideBanner(w http.ResponseWriter) bool {
	for w != nil {
		if rw, ok := w.(interface{ consentWriter() *responseWriter }); ok {
			rw.consentWriter().noBanner = true
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

// consentWriter lets HideBanner find the writer behind the interface
// wrappers, which embed it.
func (rw *responseWriter) consentWriter() *responseWriter { return rw }
