package middleware

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/consentgate/consent/internal/pgtest"
)

// BenchmarkConsentPOST measures consent POSTs through the endpoint with a
// ledger, at concurrency 1 and 64, reporting consents/s and p50/p99 latency.
func BenchmarkConsentPOST(b *testing.B) {
	backends := []struct {
		name string
		url  func(testing.TB) string
	}{
		{"sqlite", func(tb testing.TB) string { return "sqlite://" + filepath.Join(b.TempDir(), "ledger.db") }},
		{"postgres", func(tb testing.TB) string {
			if os.Getenv(pgtest.Env) == "" {
				tb.Skip(pgtest.SkipMessage)
			}
			return pgtest.URL(tb)
		}},
	}
	for _, be := range backends {
		for _, conc := range []int{1, 64} {
			b.Run(fmt.Sprintf("%s/c%d", be.name, conc), func(b *testing.B) {
				m, _ := newTestMiddleware(b, Ledger(openTestLedger(b, be.url(b))))
				h := m.Handler(http.NotFoundHandler())
				var mu sync.Mutex
				var lat []time.Duration
				b.ReportAllocs()
				b.SetParallelism(max(1, conc/runtime.GOMAXPROCS(0)))
				if conc == 1 {
					b.SetParallelism(1)
				}
				start := time.Now()
				run := func(pb interface{ Next() bool }) {
					var mine []time.Duration
					for pb.Next() {
						req := httptestPOST()
						rec := httptest.NewRecorder()
						t0 := time.Now()
						h.ServeHTTP(rec, req)
						mine = append(mine, time.Since(t0))
						if rec.Code != http.StatusSeeOther {
							b.Errorf("status %d", rec.Code)
							return
						}
					}
					mu.Lock()
					lat = append(lat, mine...)
					mu.Unlock()
				}
				if conc == 1 {
					run(loop{b})
				} else {
					b.RunParallel(func(pb *testing.PB) { run(pb) })
				}
				elapsed := time.Since(start)
				slices.Sort(lat)
				if len(lat) > 0 {
					b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "consents/s")
					b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
					b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
				}
			})
		}
	}
}

// loop is b.Loop as a Next for the serial case.
type loop struct{ b *testing.B }

func (l loop) Next() bool { return l.b.Loop() }

func httptestPOST() *http.Request {
	req := httptest.NewRequest(http.MethodPost, "/consent", strings.NewReader("action=accept-all"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return req
}
