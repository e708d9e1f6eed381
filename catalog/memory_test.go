package catalog

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// maxCatalogBytes is the target for the parsed catalog in memory.
const maxCatalogBytes = 2 << 20

// heapOfCatalog parses the embedded catalog and returns how many bytes of
// live heap the result holds (everything the parse allocated and dropped
// is collected first).
func heapOfCatalog(tb testing.TB) uint64 {
	tb.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	c, err := parseFS(vendorFiles, "vendors")
	require.NoError(tb, err)
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(c)
	if after.HeapAlloc < before.HeapAlloc {
		return 0
	}
	return after.HeapAlloc - before.HeapAlloc
}

// TestCatalogMemoryIsBounded: the whole catalog takes at most 2 MiB.
func TestCatalogMemoryIsBounded(t *testing.T) {
	n := heapOfCatalog(t)
	t.Logf("catalog in memory: %.2f MiB (%d vendors)", float64(n)/(1<<20), Default().Len())
	assert.LessOrEqual(t, n, uint64(maxCatalogBytes))
}

// BenchmarkCatalogParse parses the embedded catalog and reports the heap
// the result holds (heap-MiB; target ≤ 2).
func BenchmarkCatalogParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parseFS(vendorFiles, "vendors"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(heapOfCatalog(b))/(1<<20), "heap-MiB")
}
