package main

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/consentgate/consent/examples/internal/sitetest"
	"github.com/consentgate/consent/middleware"
	"github.com/consentgate/consent/store"
	"github.com/gin-gonic/gin"
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
// /nope step is the NoRoute page, filtered like every other response.
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

// TestEndpointNeedsNoRoute shows that with r.Use the consent endpoint works
// although the engine has no route under /consent: Gin runs its Use
// middleware for requests that match no route too.
func TestEndpointNeedsNoRoute(t *testing.T) {
	h := site(t)
	var routes []string
	for _, r := range h.(*gin.Engine).Routes() {
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

// TestWriterBookkeeping checks what Gin's own middleware (a request logger,
// say) reads after the handlers ran: the status and size of the response
// as written through the consent middleware.
func TestWriterBookkeeping(t *testing.T) {
	mw, err := middleware.New(sitePolicy(), middleware.Keys(testKeys...), middleware.InsecureDev())
	require.NoError(t, err)
	type seen struct {
		status, size int
		written      bool
	}
	var got seen
	r := gin.New()
	r.Use(consentGate(mw), func(c *gin.Context) {
		c.Next()
		got = seen{c.Writer.Status(), c.Writer.Size(), c.Writer.Written()}
	})
	r.GET("/", page("Home", mw.Prefix()))
	r.GET("/empty", func(c *gin.Context) {})
	r.NoRoute(func(c *gin.Context) { c.String(http.StatusNotFound, "404 page not found") })
	for _, c := range []struct {
		path   string
		status int
		body   bool
	}{
		{"/", http.StatusOK, true},
		{"/nope", http.StatusNotFound, true},
		{"/empty", http.StatusOK, false},
	} {
		t.Run(c.path, func(t *testing.T) {
			got = seen{}
			rec := httptest.NewRecorder()
			r.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, c.path, nil))
			assert.Equal(t, c.status, rec.Code)
			assert.Equal(t, c.status, got.status)
			assert.Equal(t, c.body, got.written)
			if c.body {
				assert.Positive(t, got.size)
			}
		})
	}
}

// TestNoRouteIsNeeded shows why the example sets a NoRoute handler: Gin's
// default 404 page is written after the handlers have returned, when the
// middleware has already answered, so the visitor gets an empty 200.
func TestNoRouteIsNeeded(t *testing.T) {
	mw, err := middleware.New(sitePolicy(), middleware.Keys(testKeys...), middleware.InsecureDev())
	require.NoError(t, err)
	r := gin.New()
	r.Use(consentGate(mw))
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/nope", nil))
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Empty(t, rec.Body.String())
}
