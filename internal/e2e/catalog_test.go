//go:build e2e

package e2e

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/consentgate/consent"
	"github.com/consentgate/consent/catalog"
	"github.com/consentgate/consent/middleware"
	"github.com/consentgate/consent/store"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// snippetsPage is a page holding the vendors' published snippets (of the
// given files, or all when none is named), each without its source line.
func snippetsPage(t *testing.T, files ...string) string {
	t.Helper()
	dir := filepath.Join("..", "..", "catalog", "testdata", "snippets")
	if len(files) == 0 {
		paths, err := filepath.Glob(filepath.Join(dir, "*.html"))
		require.NoError(t, err)
		for _, p := range paths {
			files = append(files, filepath.Base(p))
		}
	}
	var b strings.Builder
	b.WriteString("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Snippets</title></head><body>\n<h1>Snippets</h1>\n")
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(dir, f))
		require.NoError(t, err)
		_, rest, _ := strings.Cut(string(data), "\n")
		b.WriteString(rest + "\n")
	}
	b.WriteString("</body></html>\n")
	return b.String()
}

// catalogVendor returns the vendor of the catalog that a URL contacts.
func catalogVendor(raw string) (string, bool) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return "", false
	}
	host := strings.ToLower(u.Hostname())
	for _, v := range catalog.Default().Vendors() {
		for _, h := range v.Hosts {
			if host == h || strings.HasSuffix(host, "."+h) {
				return v.ID, true
			}
		}
		for _, p := range v.URLs {
			h, path, _ := strings.Cut(p, "/")
			if (host == h || strings.HasSuffix(host, "."+h)) && strings.HasPrefix(u.EscapedPath(), "/"+path) {
				return v.ID, true
			}
		}
	}
	return "", false
}

// snippetTab opens a tab of its own (not newTab: a kept inline part of a
// snippet may throw once its loader is gone, which is not what this test
// is about) and returns it with its request log.
func snippetTab(t *testing.T) (context.Context, *tabLog) {
	t.Helper()
	if browser.ctx == nil {
		t.Skip("e2e: " + browser.skipReason)
	}
	deadline, cancelDeadline := context.WithTimeout(browser.ctx, tabTimeout)
	tl := &tabLog{}
	ctx, cancel := chromedp.NewContext(deadline, chromedp.WithNewBrowserContext(), chromedp.WithListener(tl.listen))
	t.Cleanup(func() {
		cancel()
		cancelDeadline()
	})
	require.NoError(t, chromedp.Do(ctx), "opening a tab")
	return ctx, tl
}

// contacted lists the catalog vendors Chrome sent requests to.
func contacted(tl *tabLog) []string {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	var out []string
	for _, r := range tl.reqs {
		if id, ok := catalogVendor(r.URL); ok {
			out = append(out, id+" "+r.URL)
		}
	}
	return out
}

// TestBrowserContactsNoCatalogVendor: Chrome, loading a page with every
// vendor's published snippet, sends no request to any vendor of the catalog
// before consent, with the default policy; and with a site's own policy that
// has only an essential category, not even after accept-all.
func TestBrowserContactsNoCatalogVendor(t *testing.T) {
	sessionOnly, err := consent.ParsePolicy([]byte("version: \"1\"\ncategories: [{id: essential, name: Essential, required: true}]\n"+
		"cookies: [{name: session, category: essential, purpose: Keeps you signed in.}]\n"), consent.YAML)
	require.NoError(t, err)
	tests := []struct {
		name      string
		policy    *consent.Policy
		page      string
		acceptAll bool
	}{
		{"default policy, every snippet, undecided", consent.DefaultPolicy(), snippetsPage(t), false},
		{"own policy, Google and Meta snippets, accept-all", sessionOnly,
			snippetsPage(t, "google-analytics.html", "google-tag-manager.html", "meta-pixel.html"), true},
	}
	t.Run("control: without the middleware Chrome does contact them", func(t *testing.T) {
		page := snippetsPage(t, "google-analytics.html", "google-tag-manager.html", "meta-pixel.html")
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = io.WriteString(w, page)
		}))
		t.Cleanup(srv.Close)
		ctx, tl := snippetTab(t)
		require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/")))
		settle()
		assert.NotEmpty(t, contacted(tl), "the request log sees requests to vendors")
	})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mw, err := middleware.New(tt.policy, middleware.Keys(store.KeyPair{Hash: randomBytes(32), Block: randomBytes(32)}),
				middleware.InsecureDev(), middleware.Logger(slog.New(slog.NewTextHandler(io.Discard, nil))))
			require.NoError(t, err)
			srv := httptest.NewServer(mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				w.Header().Set("Cache-Control", "no-store")
				_, _ = io.WriteString(w, tt.page)
			})))
			t.Cleanup(srv.Close)

			ctx, tl := snippetTab(t)
			require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/")))
			if tt.acceptAll {
				clicked, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(function () {
					var b = document.querySelector('#consentgate-banner button[value="accept-all"]');
					if (!b) return false;
					b.click();
					return true;
				})()`))
				require.NoError(t, err)
				require.True(t, clicked, "the banner offers accept-all")
				decided := false
				for deadline := time.Now().Add(10 * time.Second); !decided && time.Now().Before(deadline); {
					decided, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("consentgate-settings") !== null`))
					require.NoError(t, err)
					time.Sleep(50 * time.Millisecond)
				}
				require.True(t, decided, "the choice was saved (the settings control replaced the banner)")
				require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/again")))
			}
			settle()
			assert.Empty(t, contacted(tl), "Chrome contacted catalog vendors")
			require.NotEmpty(t, tl.To("127.0.0.1"), "the network log works: it saw the page itself")
		})
	}
}
