package middleware

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/consentgate/consent"
	"github.com/consentgate/consent/middleware/internal/testpage"
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

// htmlPageHandler writes page in 32 KiB writes, as a handler writing
// through bufio or io.Copy does.
func htmlPageHandler(page []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Content-Type"] = []string{"text/html; charset=utf-8"}
		for p := page; len(p) > 0; {
			n := min(len(p), 32<<10)
			_, _ = w.Write(p[:n])
			p = p[n:]
		}
	})
}

var htmlSizes = []struct {
	name string
	size int
}{{"50KB", 50_000}, {"500KB", 500_000}, {"5MB", 5_000_000}}

// BenchmarkHTMLResponse serves realistic pages to an undecided visitor
// (strip every tracker, inject the banner) against the bare handler.
func BenchmarkHTMLResponse(b *testing.B) {
	m, _ := newTestMiddleware(b)
	for _, s := range htmlSizes {
		page := testpage.Page(s.size)
		for _, c := range []struct {
			name string
			h    http.Handler
		}{{"bare", htmlPageHandler(page)}, {"middleware", m.Handler(htmlPageHandler(page))}} {
			b.Run(s.name+"/"+c.name, func(b *testing.B) {
				req := httptest.NewRequest(http.MethodGet, "/kurse", nil)
				w := &discardWriter{h: make(http.Header)}
				b.ReportAllocs()
				b.SetBytes(int64(len(page)))
				for b.Loop() {
					clear(w.h)
					c.h.ServeHTTP(w, req)
				}
			})
		}
	}
}

// BenchmarkHTMLLoopback fetches a 50 KB page over a loopback
// httptest.Server, with and without the middleware.
func BenchmarkHTMLLoopback(b *testing.B) {
	m, _ := newTestMiddleware(b)
	page := testpage.Page(50_000)
	for _, c := range []struct {
		name string
		h    http.Handler
	}{{"bare", htmlPageHandler(page)}, {"middleware", m.Handler(htmlPageHandler(page))}} {
		b.Run("50KB/"+c.name, func(b *testing.B) {
			srv := httptest.NewServer(c.h)
			defer srv.Close()
			client := srv.Client()
			buf := make([]byte, 64<<10)
			b.ReportAllocs()
			b.SetBytes(int64(len(page)))
			for b.Loop() {
				resp, err := client.Get(srv.URL + "/kurse")
				if err != nil {
					b.Fatal(err)
				}
				if _, err := io.CopyBuffer(io.Discard, resp.Body, buf); err != nil {
					b.Fatal(err)
				}
				_ = resp.Body.Close()
			}
		})
	}
}

// BenchmarkBodyDecision is what deciding on the body costs a non-HTML
// response: the Content-Type check at commit.
func BenchmarkBodyDecision(b *testing.B) {
	m, _ := newTestMiddleware(b)
	req := httptest.NewRequest(http.MethodGet, "/api", nil)
	rw := &responseWriter{m: m, req: req, consent: consent.Undecided(m.policy), status: http.StatusOK}
	h := http.Header{"Content-Type": {"application/json"}}
	b.ReportAllocs()
	for b.Loop() {
		rw.startRewrite(h)
	}
	if rw.html != nil {
		b.Fatal("JSON was to be rewritten")
	}
}

// BenchmarkCSPHeader is what the Content-Security-Policy costs an HTML
// response: the same small page through the middleware with CSP(CSPOff) and
// CSP(CSPEnforce), for an undecided visitor (the page rewritten, the banner
// injected) and one who accepted all (whose value holds every tracker host;
// the page passes unchanged, which is where the header's cost would show).
func BenchmarkCSPHeader(b *testing.B) {
	page := testpage.Page(2_000)
	// Interleaved: the two middlewares serve in alternating batches of the
	// same loop, so that a machine whose load drifts during the run (a
	// shared one) disturbs both alike; reported as off-ns/op, enforce-ns/op
	// and their difference.
	for _, visitor := range []string{"undecided", "accepted"} {
		var hs [2]http.Handler
		var reqs [2]*http.Request
		for i, mode := range []CSPMode{CSPOff, CSPEnforce} {
			m, _ := newTestMiddleware(b, CSP(mode), SettingsControl(false))
			reqs[i] = httptest.NewRequest(http.MethodGet, "/kurse", nil)
			if visitor == "accepted" {
				reqs[i].Header.Set("Cookie", strings.SplitN(decide(b, m, acceptAll()).String(), ";", 2)[0])
			}
			hs[i] = m.Handler(htmlPageHandler(page))
		}
		b.Run("interleaved/"+visitor, func(b *testing.B) {
			w := &discardWriter{h: make(http.Header)}
			var spent [2]time.Duration
			var served [2]int
			const batch = 32
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				k := i / batch % 2
				start := time.Now()
				for range batch {
					clear(w.h)
					hs[k].ServeHTTP(w, reqs[k])
				}
				spent[k] += time.Since(start)
				served[k] += batch
			}
			if served[0] > 0 && served[1] > 0 {
				off := float64(spent[0].Nanoseconds()) / float64(served[0])
				on := float64(spent[1].Nanoseconds()) / float64(served[1])
				b.ReportMetric(off, "off-ns/op")
				b.ReportMetric(on, "enforce-ns/op")
				b.ReportMetric(on-off, "added-ns/op")
			}
		})
	}
	for _, visitor := range []string{"undecided", "accepted"} {
		for _, mode := range []CSPMode{CSPOff, CSPEnforce} {
			// The accepted visitor's page needs no rewriting at all (no
			// settings control): the path where the header's cost shows.
			m, _ := newTestMiddleware(b, CSP(mode), SettingsControl(false))
			req := httptest.NewRequest(http.MethodGet, "/kurse", nil)
			if visitor == "accepted" {
				req.Header.Set("Cookie", strings.SplitN(decide(b, m, acceptAll()).String(), ";", 2)[0])
			}
			h := m.Handler(htmlPageHandler(page))
			b.Run("response/"+visitor+"/"+mode.String(), func(b *testing.B) {
				w := &discardWriter{h: make(http.Header)}
				b.ReportAllocs()
				b.SetBytes(int64(len(page)))
				for b.Loop() {
					clear(w.h)
					h.ServeHTTP(w, req)
				}
				if (w.h.Get("Content-Security-Policy") != "") != (mode == CSPEnforce) {
					b.Fatal("the header does not follow the mode")
				}
			})
		}
	}
}

// BenchmarkCSPAdd is what the policy adds to one HTML response in
// isolation: the type check, the cached value for the visitor's granted
// set and the two header fields (target ≤ 50 ns, 0 allocations). Each
// iteration takes a fresh header map, as a response has; the baseline is
// the same loop without the policy: subtract it.
func BenchmarkCSPAdd(b *testing.B) {
	m, _ := newTestMiddleware(b, CSP(CSPEnforce))
	ct := []string{"text/html; charset=utf-8"}
	for _, tc := range []struct {
		name    string
		granted uint64
	}{{"undecided", m.grantedBits(consent.Undecided(m.policy))}, {"accept-all", m.allCats}} {
		for _, add := range []bool{false, true} {
			name := tc.name + "/baseline"
			if add {
				name = tc.name
			}
			b.Run(name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					h := make(http.Header, 4)
					h["Content-Type"] = ct
					if add && rendersAsDocument(h["Content-Type"]) {
						m.csp.add(h, tc.granted, true)
					}
				}
			})
		}
	}
}
