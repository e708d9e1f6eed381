//go:build e2e

package e2e

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/consentgate/consent/middleware"
	"github.com/consentgate/consent/store"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRejectingClearsCookiesScriptsSet: the site's own script sets an
// analytics cookie on a sub-path (/blog) and an undeclared cookie on "/",
// as tag snippets do with document.cookie. Rejecting all expires the
// undeclared one at once, and the sub-path one on the next page under
// /blog, the first request the browser sends it with.
func TestRejectingClearsCookiesScriptsSet(t *testing.T) {
	keys := []store.KeyPair{{Hash: randomBytes(32), Block: randomBytes(32)}}
	mw, err := middleware.New(testPolicy(), middleware.Keys(keys...), middleware.InsecureDev(),
		middleware.Logger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	require.NoError(t, err)
	page := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = io.WriteString(w, `<!doctype html><title>Blog</title><body><main><h1>Post</h1></main>
<script>if (location.search === "?set") {
  document.cookie = "_ta=TA.1.2; path=/blog; max-age=31536000";
  document.cookie = "shop_ab=b; path=/; max-age=31536000";
}</script></body>`)
	})
	s := &site{srv: httptest.NewServer(mw.Handler(page))}
	t.Cleanup(s.srv.Close)
	tb := newTab(t, s)
	jar := func() map[string]bool {
		res, err := chromedp.Call(tb.ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{s.URL("/blog/post")}})
		require.NoError(t, err)
		names := map[string]bool{}
		for _, c := range res.Cookies {
			names[c.Name] = true
		}
		return names
	}

	tb.navigate("/blog/post?set")
	require.True(t, jar()["_ta"], "the script set _ta on /blog")
	require.True(t, jar()["shop_ab"])

	status := eval[int](tb, `fetch("/consent", {method: "POST", headers: {Accept: "application/json"},
		body: new URLSearchParams({action: "reject-all"})}).then(r => r.status)`)
	require.Equal(t, http.StatusOK, status)
	assert.False(t, jar()["shop_ab"], "the undeclared cookie is expired by the rejection")
	assert.True(t, jar()["_ta"], "the browser did not send /blog's cookie to /consent")

	tb.navigate("/blog/post")
	assert.False(t, jar()["_ta"], "expired on the first page under /blog")
}
