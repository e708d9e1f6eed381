package middleware

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// discardWriter is a ResponseWriter that costs nothing, so that the
// benchmarks measure the middleware and not the recorder.
type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d *discardWriter) WriteHeader(int)             {}

var jsonBody = []byte(`{"id":42,"name":"Introduction to Go","lessons":12,"tags":["go","web","http"],"price":{"amount":4900,"currency":"EUR"},"published":true,"updated":"2026-11-28T09:00:00Z","ok":true}`)

func jsonHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Content-Type"] = []string{"application/json"}
		_, _ = w.Write(jsonBody)
	})
}

// BenchmarkJSONResponse compares a small JSON response through the
// middleware with the bare handler, for an undecided visitor and for one
// with a consent cookie (whose decoding dominates).
func BenchmarkJSONResponse(b *testing.B) {
	m, _ := newTestMiddleware(b)
	cookie := decide(b, m, acceptAll())
	cases := []struct {
		name    string
		handler http.Handler
		cookie  string
	}{
		{"bare", jsonHandler(), ""},
		{"middleware/undecided", m.Handler(jsonHandler()), ""},
		{"middleware/decided", m.Handler(jsonHandler()), cookie.String()},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, "/api/course", nil)
			if tc.cookie != "" {
				req.Header.Set("Cookie", strings.SplitN(tc.cookie, ";", 2)[0])
			}
			w := &discardWriter{h: make(http.Header)}
			b.ReportAllocs()
			b.SetBytes(int64(len(jsonBody)))
			for b.Loop() {
				clear(w.h)
				tc.handler.ServeHTTP(w, req)
			}
		})
	}
}
