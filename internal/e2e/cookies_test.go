//go:build e2e

package e2e

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/consentgate/consent"
	"github.com/consentgate/consent/middleware"
	"github.com/consentgate/consent/store"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// What Chromium does with a Set-Cookie line for a cookie it holds.
const (
	deleted = "deleted"
	stored  = "stored"
	either  = "either" // the specifications and browsers disagree: not asserted
)

// tricky are Set-Cookie lines for _ga on which Go's parser and the browser
// disagree about deletion, with what Chromium does (RFC 6265bis: Max-Age
// wins over Expires, leading zeros are digits, names are trimmed).
var tricky = []struct{ line, browser string }{
	{"_ga=; Path=/; Max-Age=0", deleted},
	{"_ga=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT", deleted},
	{"_ga=GA1.1.1; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=63072000", stored},
	{"_ga=GA1.1.1; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=063072000", stored},
	{"_ga=GA1.1.1; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age =63072000", stored},
	{"_ga=GA1.1.1; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; max-age\t= 600", stored},
	{"_ga=GA1.1.1; Path=/; Max-Age=0; Max-Age=600", either},
	{"_ga=GA1.1.1; Path=/; Max-Age=+0", either},
	{"_ga=GA1.1.1; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Expires=Fri, 01 Jan 2100 00:00:00 GMT", either},
}

// cookieLines serves /line?i=N, which sets tricky[N].line.
func cookieLines() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if i, err := strconv.Atoi(r.URL.Query().Get("i")); err == nil && i >= 0 && i < len(tricky) {
			w.Header().Add("Set-Cookie", tricky[i].line)
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = io.WriteString(w, "<!doctype html><title>cookie</title><body><p>page</p></body>")
	})
}

// TestSetCookieDeletionAsChromiumReadsIt replays the tricky lines in
// Chromium: on a bare server (the baseline, showing what the browser does
// with each), and behind the middleware for an undecided visitor, who must
// never end up with a _ga cookie.
func TestSetCookieDeletionAsChromiumReadsIt(t *testing.T) {
	bare := &site{srv: httptest.NewServer(cookieLines())}
	t.Cleanup(bare.srv.Close)
	keys := []store.KeyPair{{Hash: randomBytes(32), Block: randomBytes(32)}}
	mw, err := middleware.New(consent.DefaultPolicy(), middleware.Keys(keys...), middleware.InsecureDev(),
		middleware.Logger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	require.NoError(t, err)
	guarded := &site{srv: httptest.NewServer(mw.Handler(cookieLines()))}
	t.Cleanup(guarded.srv.Close)

	for i, tt := range tricky {
		t.Run(tt.line, func(t *testing.T) {
			path := "/line?i=" + strconv.Itoa(i)

			tb := newTab(t, bare)
			_, err := chromedp.Call(tb.ctx, network.SetCookie, network.SetCookieParams{Name: "_ga", Value: "old", URL: bare.URL("/")})
			require.NoError(t, err, "planting _ga")
			tb.navigate(path)
			c, held := tb.cookies()["_ga"]
			got := deleted
			if held {
				got = stored
				assert.Equal(t, "GA1.1.1", c.Value)
			}
			t.Logf("Chromium without the middleware: %s", got)
			if tt.browser != either {
				assert.Equal(t, tt.browser, got, "what Chromium does with the line")
			}

			tg := newTab(t, guarded)
			tg.navigate(path)
			_, held = tg.cookies()["_ga"]
			assert.False(t, held, "an undecided visitor's browser stores _ga")
		})
	}
}
