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
	"github.com/gorilla/mux"
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

// TestVisitor walks one visitor through the site: see sitetest.Visit.
// gorilla/mux answers unmatched paths itself, without the Use middleware
// (harmless here: its 404 sets no cookie).
func TestVisitor(t *testing.T) {
	sitetest.VisitNotFound(t, site(t), sitetest.Step{Name: "unknown page: the router's 404", Path: "/nope", Status: 404, Unseen: true,
		Cookies: map[string]string{"_ga": sitetest.Absent, "_fbp": sitetest.Absent}})
}

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

// TestEndpointMount shows why the example mounts the consent endpoint:
// gorilla/mux runs r.Use middleware only for requests that match a route.
func TestEndpointMount(t *testing.T) {
	t.Run("mounted", func(t *testing.T) {
		sitetest.NewVisitor(t, site(t)).Run(t, []sitetest.Step{
			{Name: "POST consent", Path: "/consent", Form: sitetest.Form("save", "category", "targeting", "return", "/about"),
				Status: 303, Loc: "/about", Cookies: map[string]string{"consent": sitetest.Set}, Check: sitetest.ConsentCookie},
			{Name: "choice applied", Path: "/about", Status: 200, Cookies: map[string]string{"_ga": sitetest.Absent, "_fbp": sitetest.Set}},
			{Name: "GET consent", Path: "/consent", Status: 200, Check: sitetest.WantState(true, "essential", "targeting")},
			{Name: "preferences", Path: "/consent/preferences", Status: 200, Check: sitetest.WantBoxes("targeting")},
			// PathPrefix("/consent") also matches /consentx; the endpoint answers 404.
			{Name: "prefix lookalike", Path: "/consentx", Status: 404, Cookies: map[string]string{"_ga": sitetest.Absent}},
		})
	})

	t.Run("without the mount line", func(t *testing.T) {
		mw, err := middleware.New(sitePolicy(), middleware.Keys(testKeys...), middleware.InsecureDev())
		require.NoError(t, err)
		r := mux.NewRouter()
		r.Use(mw.Handler, siteCookies(false))
		addRoutes(r, mw.Prefix()) // no r.PathPrefix(mw.Prefix()).Handler(mw.Endpoint())
		sitetest.NewVisitor(t, r).Run(t, []sitetest.Step{
			{Name: "routed pages are still filtered", Path: "/", Status: 200,
				Cookies: map[string]string{"session": sitetest.Set, "_ga": sitetest.Absent, "_fbp": sitetest.Absent}, Body: []string{sitetest.Undecided}},
			{Name: "POST consent is not handled", Path: "/consent", Form: sitetest.Form("accept-all"), Status: 404, Unseen: true,
				Cookies: map[string]string{"consent": sitetest.Absent}},
			{Name: "GET consent is not handled", Path: "/consent", Status: 404, Unseen: true},
			{Name: "preferences page is not handled", Path: "/consent/preferences", Status: 404, Unseen: true},
			{Name: "so the visitor stays undecided", Path: "/", Status: 200,
				Cookies: map[string]string{"_ga": sitetest.Absent, "_fbp": sitetest.Absent}, Body: []string{sitetest.Undecided}},
		})
	})
}
