package store_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/consentgate/consent/store"
)

// BenchmarkLedgerRecord measures Record on each backend with 1 and 64
// concurrent callers, reporting throughput and per-call latency: batching
// is what lets 64 callers share one sync.
func BenchmarkLedgerRecord(b *testing.B) {
	for _, be := range ledgerBackends {
		b.Run(be.name, func(b *testing.B) {
			l := be.openLedger(b)
			for _, c := range []int{1, 64} {
				b.Run(fmt.Sprintf("c%d", c), func(b *testing.B) { benchmarkRecord(b, l, c) })
			}
		})
	}
}

func benchmarkRecord(b *testing.B, l store.Ledger, callers int) {
	prefix := store.NewID()[:8]
	latencies := make([][]time.Duration, callers)
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for g := range callers {
		wg.Go(func() {
			for {
				i := next.Add(1)
				if i > int64(b.N) {
					return
				}
				rec := ledgerRecord(fmt.Sprintf("%s-%d", prefix, g), int(i))
				t := time.Now()
				err := l.Record(context.Background(), rec)
				latencies[g] = append(latencies[g], time.Since(t))
				if err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()

	all := slices.Concat(latencies...)
	slices.Sort(all)
	if len(all) == 0 {
		return
	}
	quantile := func(q float64) float64 {
		return float64(all[int(q*float64(len(all)-1))]) / float64(time.Millisecond)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "records/s")
	b.ReportMetric(quantile(0.50), "p50-ms")
	b.ReportMetric(quantile(0.99), "p99-ms")
}
