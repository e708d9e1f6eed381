package middleware

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"

	"github.com/consentgate/consent/middleware/internal/testpage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// countingWriter is a ResponseWriter that keeps only a byte count and a
// short head of the body.
type countingWriter struct {
	h    http.Header
	n    int
	head bytes.Buffer
}

func (c *countingWriter) Header() http.Header { return c.h }
func (c *countingWriter) WriteHeader(int)     {}
func (c *countingWriter) Write(p []byte) (int, error) {
	c.n += len(p)
	if c.head.Len() < 8<<10 {
		c.head.Write(p[:min(len(p), 8<<10)])
	}
	return len(p), nil
}

// The memory one HTML response takes does not grow with its body: all of
// it, from a cold start with empty pools, stays under 64 KiB for 5 MB and
// 50 MB pages.
func TestMemoryPerHTMLResponseIsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a 50 MB page")
	}
	if raceEnabled {
		t.Skip("the race detector changes allocation figures; run without -race (make bench does)")
	}
	m, _ := newTestMiddleware(t)
	for _, size := range []int{5_000_000, 50_000_000} {
		page := testpage.Generate(size, 1)
		t.Run(fmt.Sprintf("%dMB", size/1_000_000), func(t *testing.T) {
			h := m.Handler(htmlPageHandler(page))
			req := httptest.NewRequest(http.MethodGet, "/kurse", nil)
			w := &countingWriter{h: make(http.Header)}
			runtime.GC()
			runtime.GC() // twice: sync.Pool keeps a victim cache for one cycle
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			h.ServeHTTP(w, req)
			runtime.ReadMemStats(&after)
			allocated := after.TotalAlloc - before.TotalAlloc
			t.Logf("%d-byte page: %d bytes allocated for the response", len(page), allocated)
			assert.Less(t, allocated, uint64(64<<10))
			require.Contains(t, w.head.String(), bannerMark)
			assert.NotContains(t, w.head.String(), "googletagmanager.com/gtag/js", "trackers were removed")
			assert.Greater(t, w.n, len(page)*9/10)
		})
	}
}
