package middleware

import (
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzHTMLResponse serves random bodies, typed and sniffed, in random
// writes with random flushes: the client gets the same bytes as when the
// handler writes the body at once, and nothing panics.
func FuzzHTMLResponse(f *testing.F) {
	f.Add([]byte(trackerPage), uint64(1), true)
	f.Add([]byte(`<body><script>fbq('init')</script><img src="https://www.facebook.com/tr?x" width=1 height=1>`), uint64(7), false)
	f.Add([]byte("\xef\xbb\xbf<!doctype html><title>x</title><body>"), uint64(3), false)
	f.Add([]byte(`<!--<body>--><body x="<body>">`), uint64(9), true)
	m, _ := newTestMiddleware(f)
	f.Fuzz(func(t *testing.T, body []byte, seed uint64, typed bool) {
		serve := func(split bool) (string, http.Header) {
			rng := rand.New(rand.NewPCG(seed, 0))
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if typed {
					w.Header().Set("Content-Type", "text/html")
				}
				rest := body
				for split && len(rest) > 0 {
					n := rng.IntN(len(rest) + 1)
					_, _ = w.Write(rest[:n])
					rest = rest[n:]
					if rng.IntN(3) == 0 {
						http.NewResponseController(w).Flush()
					}
				}
				_, _ = w.Write(rest)
			})
			rec := httptest.NewRecorder()
			m.Handler(h).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/p", nil))
			return rec.Body.String(), rec.Header()
		}
		whole, wholeHdr := serve(false)
		split, splitHdr := serve(true)
		if typed {
			require.Equal(t, whole, split)
			return
		}
		// A flush before 512 bytes ends sniffing on fewer bytes, as in
		// net/http, which can change the detected type and so the body.
		if wholeHdr.Get("Content-Type") == splitHdr.Get("Content-Type") {
			require.Equal(t, whole, split)
		}
	})
}
