package middleware

import (
	"net/http"
	"strconv"
	"strings"
)

// HideBanner tells the middleware not to inject the consent banner into this
// response, e.g. for a page that embeds its own consent controls or a
// fragment that is not a whole page. Call it before the first Write. It
// finds the middleware's writer through wrappers that implement
// Unwrap() http.ResponseWriter, and reports whether it did. Tracker tags are
// still removed.
func HideBanner(w http.ResponseWriter) bool {
	rw := findWriter(w)
	if rw != nil {
		rw.noBanner = true
	}
	return rw != nil
}

// Route names the route or template of this response's page
// ("/courses/{slug}") for the inventory's per-page report, which then
// counts every path of the route as one page: otherwise each path is a page
// of its own, and made-up paths could crowd out the real ones. With
// net/http's ServeMux the matched pattern is used without a call, when it
// has a wildcard. Call it before the first Write; it reports whether it
// found the middleware's writer (as HideBanner does).
func Route(w http.ResponseWriter, route string) bool {
	rw := findWriter(w)
	if rw != nil {
		rw.route = route
	}
	return rw != nil
}

// findWriter finds the middleware's writer through wrappers that implement
// Unwrap() http.ResponseWriter.
func findWriter(w http.ResponseWriter) *responseWriter {
	for w != nil {
		if rw, ok := w.(interface{ consentWriter() *responseWriter }); ok {
			return rw.consentWriter()
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return nil
		}
		w = u.Unwrap()
	}
	return nil
}

// pageKey names the response's page in the inventory: its route (Route, or
// a ServeMux pattern with a wildcard), else its path; error responses share
// one entry per status, since any path can produce them.
func (rw *responseWriter) pageKey() string {
	switch {
	case rw.status >= 400:
		return "(" + strconv.Itoa(rw.status) + " " + http.StatusText(rw.status) + ")"
	case rw.route != "":
		return rw.route
	case strings.Contains(rw.req.Pattern, "{"):
		return rw.req.Pattern
	}
	return rw.req.URL.Path
}

// consentWriter lets HideBanner find the writer behind the interface
// wrappers, which embed it.
func (rw *responseWriter) consentWriter() *responseWriter { return rw }
