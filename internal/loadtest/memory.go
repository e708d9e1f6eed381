package main

import (
	"fmt"
	"math"
	"net/http"
	"runtime"
	"runtime/metrics"
	"time"
)

// memory is the process's live heap and goroutines at a quiet moment.
type memory struct {
	heap       uint64 // bytes of live heap objects after GC
	goroutines int
}

// steadyTolerance is how far the end of a run may stray from the warm-up.
const steadyTolerance = 0.10

// quiesce brings the process to a quiet moment and measures it: the idle
// connections closed on both ends (their buffers and goroutines are the
// load, not a leak), the goroutine count settled, and the heap collected.
func quiesce(tr *http.Transport, srv *server) (memory, error) {
	tr.CloseIdleConnections()
	deadline := time.Now().Add(5 * time.Second)
	for srv.open.Load() > 0 {
		if time.Now().After(deadline) {
			return memory{}, fmt.Errorf("%d server connections still open 5s after the client closed its idle ones", srv.open.Load())
		}
		time.Sleep(10 * time.Millisecond)
	}
	// A connection is counted closed a moment before its goroutine ends.
	last, same := runtime.NumGoroutine(), 0
	for same < 5 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		if n := runtime.NumGoroutine(); n == last {
			same++
		} else {
			last, same = n, 0
		}
	}
	// Twice: the first GC only moves sync.Pool contents to their victim cache.
	runtime.GC()
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/sched/goroutines:goroutines"}}
	metrics.Read(sample)
	return memory{heap: sample[0].Value.Uint64(), goroutines: int(sample[1].Value.Uint64())}, nil
}

// change is after relative to before: +0.05 is 5% more.
func change(before, after float64) float64 {
	if before == 0 {
		if after == 0 {
			return 0
		}
		return math.Inf(1)
	}
	return (after - before) / before
}

// steady reports how the memory after a run strays from before it by more
// than steadyTolerance, either way; nil when it does not.
func steady(before, after memory) error {
	var msgs []string
	if c := change(float64(before.heap), float64(after.heap)); math.Abs(c) > steadyTolerance {
		msgs = append(msgs, fmt.Sprintf("live heap %s → %s (%+.1f%%)", mib(before.heap), mib(after.heap), 100*c))
	}
	if c := change(float64(before.goroutines), float64(after.goroutines)); math.Abs(c) > steadyTolerance {
		msgs = append(msgs, fmt.Sprintf("goroutines %d → %d (%+.1f%%)", before.goroutines, after.goroutines, 100*c))
	}
	if msgs == nil {
		return nil
	}
	return fmt.Errorf("memory not steady (more than ±%.0f%%): %v", 100*steadyTolerance, msgs)
}

func mib(b uint64) string { return fmt.Sprintf("%.2f MiB", float64(b)/(1<<20)) }
