package main

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/consentgate/consent"
	"github.com/consentgate/consent/examples/internal/sitetest"
	"github.com/consentgate/consent/middleware"
	"github.com/consentgate/consent/store"
	"github.com/labstack/echo/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var testKeys = []store.KeyPair{{Hash: bytes.Repeat([]byte{1}, 32), Block: bytes.Repeat([]byte{2}, 32)}}

// site is the example's handler, in -dev mode since the test server is
// plain HTTP.
func site(t *testing.T) http.Handler {
	h, err := newHandler(slog.New(slog.NewTextHandler(t.Output(), nil)), testKeys, true)
	require.NoError(t, err)
	return h
}

// TestVisitor walks one visitor through the site: see sitetest.Visit. Its
// /nope step is Echo's own 404 page, filtered like every other response.
func TestVisitor(t *testing.T) { sitetest.Visit(t, site(t)) }

// TestOpenRedirectRefused checks that consent's return path cannot send the
// visitor to another site: see sitetest.OpenRedirect.
func TestOpenRedirectRefused(t *testing.T) { sitetest.OpenRedirect(t, site(t)) }

// TestDevFlag checks that without -dev the site's cookies are Secure.
func TestDevFlag(t *testing.T) {
	h, err := newHandler(slog.New(slog.DiscardHandler), testKeys, false)
	require.NoError(t, err)
	for _, req := range []*http.Request{
		httptest.NewRequest(http.MethodGet, "/", nil),
		httptest.NewRequest(http.MethodPost, "/consent", strings.NewReader("action=reject-all")),
	} {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		require.NotEmpty(t, rec.Result().Cookies(), req.URL.Path)
		for _, c := range rec.Result().Cookies() {
			assert.True(t, c.Secure, "%s %s: cookie %s", req.Method, req.URL.Path, c.Name)
		}
	}
}

// TestEndpointNeedsNoRoute shows that with e.Use the consent endpoint works
// although the router has no route under /consent: Echo runs its Use
// middleware for requests that match no route too.
func TestEndpointNeedsNoRoute(t *testing.T) {
	h := site(t)
	var routes []string
	for _, r := range h.(*echo.Echo).Routes() {
		routes = append(routes, r.Method+" "+r.Path)
	}
	require.ElementsMatch(t, []string{"GET /", "GET /about", "GET /api/hello"}, routes, "no route under /consent")
	sitetest.NewVisitor(t, h).Run(t, []sitetest.Step{
		{Name: "GET consent", Path: "/consent", Status: 200, Check: sitetest.WantState(false, "essential")},
		{Name: "preferences", Path: "/consent/preferences", Status: 200, Check: sitetest.WantBoxes()},
		{Name: "policy", Path: "/consent/policy", Status: 200, Body: []string{"<code>_ga</code>"}},
		{Name: "POST consent", Path: "/consent", Form: sitetest.Form("save", "category", "targeting", "return", "/about"),
			Status: 303, Loc: "/about", Cookies: map[string]string{"consent": sitetest.Set}, Check: sitetest.ConsentCookie},
		{Name: "choice applied", Path: "/about", Status: 200, Cookies: map[string]string{"_ga": sitetest.Absent, "_fbp": sitetest.Set}},
	})
}

// errorSite is a site whose one page fails, behind the consent middleware
// adapted by adapt; Echo's error page carries the site's analytics tag.
func errorSite(t *testing.T, adapt func(*middleware.Middleware) echo.MiddlewareFunc) *echo.Echo {
	mw, err := middleware.New(sitePolicy(), middleware.Keys(testKeys...), middleware.InsecureDev())
	require.NoError(t, err)
	e := echo.New()
	e.HTTPErrorHandler = func(err error, c echo.Context) {
		_ = c.HTML(http.StatusInternalServerError, `<!doctype html><html><head>`+sitetest.Tracker+`</head><body><p>Sorry: `+
			err.Error()+`</p></body></html>`)
	}
	e.Use(adapt(mw), echo.WrapMiddleware(siteCookies(false)))
	e.GET("/fails", func(c echo.Context) error {
		if consent.FromContext(c.Request().Context()) == nil {
			return errors.New("no consent in the request context")
		}
		return errors.New("the database is down")
	})
	return e
}

// TestErrorResponsesAreFiltered shows why the example adapts the middleware
// with consentGate: a handler's error, rendered by Echo's HTTPErrorHandler,
// goes through the middleware like a page. With echo.WrapMiddleware, Echo
// renders it after the middleware has returned: the tracker tag reaches an
// undecided visitor and the error status is lost.
func TestErrorResponsesAreFiltered(t *testing.T) {
	t.Run("consentGate", func(t *testing.T) {
		sitetest.NewVisitor(t, errorSite(t, consentGate)).Run(t, []sitetest.Step{
			{Name: "error page of an undecided visitor", Path: "/fails", Status: 500,
				Cookies: map[string]string{"session": sitetest.Set, "_ga": sitetest.Absent, "_fbp": sitetest.Absent},
				Body:    []string{"the database is down", sitetest.Banner}, NoBody: []string{sitetest.Tracker}},
			{Name: "accept all", Path: "/consent", Form: sitetest.Form("accept-all"), Status: 303, Loc: "/"},
			{Name: "error page after accepting", Path: "/fails", Status: 500,
				Cookies: map[string]string{"_ga": sitetest.Set, "_fbp": sitetest.Set}, Body: []string{sitetest.Tracker}, NoBody: []string{sitetest.Banner}},
		})
	})
	t.Run("echo.WrapMiddleware", func(t *testing.T) {
		wrap := func(mw *middleware.Middleware) echo.MiddlewareFunc { return echo.WrapMiddleware(mw.Handler) }
		sitetest.NewVisitor(t, errorSite(t, wrap)).Run(t, []sitetest.Step{
			{Name: "the error page escapes the rewriter", Path: "/fails", Status: 200,
				Body: []string{"the database is down", sitetest.Tracker}, NoBody: []string{sitetest.Banner}},
		})
	})
}
