package middleware

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"testing"

	"github.com/consentgate/consent/middleware/internal/testpage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// compressedMemoryTarget is the target for a compressed response in
// flight, as for a plain one: 64 KiB. None of the codings meets it. A
// deflate decoder (gzip, deflate) must keep the last 32 KiB of the page
// (RFC 1951's window) on top of the rewriter's 30 KiB, so these hold about
// 90 KiB, bounded by deflateMemoryBound; brotli and zstd decoders keep the
// window the sender chose (brotli's default 4 MiB, zstd's up to
// MaxDecodeWindow), bounded by the cap.
const (
	compressedMemoryTarget = 64 << 10
	deflateMemoryBound     = 96 << 10
)

// The memory one compressed HTML response holds while it is in flight:
// decoder, rewriter and re-encoder, measured over 16 responses parked
// halfway through a 5 MB page (the shared compressors, borrowed only while
// a block is compressed, are held by none of them); and, like the plain
// figure, everything one response allocates, from a cold start and once
// the pools are warm.
func TestMemoryPerCompressedHTMLResponseIsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("compresses a 5 MB page four ways")
	}
	if raceEnabled {
		t.Skip("the race detector changes allocation figures; run without -race (make bench does)")
	}
	m, _ := newTestMiddleware(t)
	page := testpage.Generate(5_000_000, 1)
	for _, c := range []string{"gzip", "deflate", "br", "zstd"} {
		z := encodeWith(t, c, page)
		t.Run(c, func(t *testing.T) {
			cold := responseAlloc(t, m, z, c, true)
			warm := responseAlloc(t, m, z, c, false)
			inFlight := inFlightHeap(t, m, z, c, 16)
			met := "met"
			if inFlight > compressedMemoryTarget {
				met = "NOT met"
			}
			t.Logf("%-8s %8d bytes held per response in flight (target ≤ 64 KiB: %s); one response allocates %d bytes from a cold start, %d once warm",
				c+":", inFlight, met, cold, warm)
			if c == "gzip" || c == "deflate" {
				assert.LessOrEqual(t, inFlight, uint64(deflateMemoryBound))
			} else {
				assert.LessOrEqual(t, inFlight, uint64(2*MaxDecodeWindow), "bounded by the window cap")
			}
		})
	}
}

// responseAlloc returns what one response allocates, with the pools
// emptied first (cold) or as the last response left them.
func responseAlloc(t *testing.T, m *Middleware, z []byte, c string, cold bool) uint64 {
	h := m.Handler(compressedPageHandler(z, c, 32<<10))
	req := httptest.NewRequest(http.MethodGet, "/kurse", nil)
	w := &countingWriter{h: make(http.Header)}
	if cold {
		runtime.GC()
		runtime.GC() // twice: sync.Pool keeps a victim cache for one cycle
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	h.ServeHTTP(w, req)
	runtime.ReadMemStats(&after)
	require.Equal(t, c, w.h.Get("Content-Encoding"))
	require.Greater(t, w.n, 100_000)
	return after.TotalAlloc - before.TotalAlloc
}

// inFlightHeap parks n responses halfway through their body and returns the
// live heap they add, per response. A first round, not measured, lets the
// shared compressors reach the number concurrency asks for.
func inFlightHeap(t *testing.T, m *Middleware, z []byte, c string, n int) uint64 {
	parkHeap(t, m, z, c, n)
	return parkHeap(t, m, z, c, n)
}

func parkHeap(t *testing.T, m *Middleware, z []byte, c string, n int) uint64 {
	var written, done sync.WaitGroup
	release := make(chan struct{})
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Encoding", c)
		half := z[:len(z)/2]
		for len(half) > 0 {
			k := min(len(half), 32<<10)
			_, _ = w.Write(half[:k])
			half = half[k:]
		}
		written.Done()
		<-release
		_, _ = w.Write(z[len(z)/2:])
	}))
	writers := make([]discardWriter, n)
	for i := range writers {
		writers[i] = discardWriter{make(http.Header)}
	}
	// Twice before each reading: sync.Pool keeps a victim cache for one
	// cycle, and idle pooled state is held by no response.
	runtime.GC()
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	written.Add(n)
	done.Add(n)
	for i := range n {
		go func() {
			defer done.Done()
			h.ServeHTTP(&writers[i], httptest.NewRequest(http.MethodGet, fmt.Sprintf("/p%d", i), nil))
		}()
	}
	written.Wait()
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&after)
	close(release)
	done.Wait()
	require.Equal(t, c, writers[0].h.Get("Content-Encoding"))
	if after.HeapAlloc < before.HeapAlloc {
		return 0
	}
	return (after.HeapAlloc - before.HeapAlloc) / uint64(n)
}
