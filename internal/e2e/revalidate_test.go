//go:build e2e

package e2e

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/consentgate/consent"
	"github.com/consentgate/consent/middleware"
	"github.com/consentgate/consent/store"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCachedPageAfterAMaterialRevision: a visitor who accepted everything
// gets the handler's page untouched (no settings control), with its
// Last-Modified date, and Chromium caches it. After a material revision of
// the policy the same consent cookie no longer counts: when Chromium
// revalidates its copy, it must get the page with the banner, not a 304
// that would show the old copy without it.
func TestCachedPageAfterAMaterialRevision(t *testing.T) {
	modtime := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	var served atomic.Int32
	page := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r) // the favicon
			return
		}
		served.Add(1)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache") // revalidate on every use
		http.ServeContent(w, r, "page.html", modtime, strings.NewReader(
			`<!doctype html><html lang="en"><head><title>Cached</title></head><body><main><h1>Cached page</h1></main></body></html>`))
	})
	keys := []store.KeyPair{{Hash: randomBytes(32), Block: randomBytes(32)}}
	build := func(p *consent.Policy) http.Handler {
		mw, err := middleware.New(p, middleware.Keys(keys...), middleware.InsecureDev(), middleware.SettingsControl(false),
			middleware.Logger(slog.New(slog.NewTextHandler(io.Discard, nil))))
		require.NoError(t, err)
		return mw.Handler(page)
	}
	v1 := testPolicy()
	v1.Trackers = nil
	v2 := testPolicy()
	v2.Trackers = nil
	v2.Version = "2"
	v2.Revisions = []consent.Revision{
		{Version: "1", Date: consent.DateOf(2026, time.March, 1), Material: true},
		{Version: "2", Date: consent.DateOf(2026, time.November, 1), Material: true, Summary: "New partners."},
	}
	var current atomic.Pointer[http.Handler]
	h := build(v1)
	current.Store(&h)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { (*current.Load()).ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	tb := newTab(t, &site{srv: srv})

	tb.navigate("/")
	require.True(t, tb.present(selBanner), "an undecided visitor gets the banner")
	tb.click(selAccept)
	tb.do("waiting for the banner to go", chromedp.WaitNotPresent(chromedp.CSS(selBanner)))
	tb.navigate("/")
	before := served.Load()
	tb.navigate("/")
	require.Equal(t, before+1, served.Load(), "Chromium revalidates its copy (%d requests before)", before)
	require.False(t, tb.present(selBanner))

	h2 := build(v2)
	current.Store(&h2)
	tb.navigate("/")
	assert.True(t, tb.present(selBanner), "after a material revision the cached page comes back with the banner")
}
