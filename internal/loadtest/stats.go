package main

import (
	"fmt"
	"sync"
	"time"
)

// stats is what one phase of load measured.
type stats struct {
	requests   int64 // answered, whatever the status
	byKind     [3]int64
	transport  int64 // no answer: connection, timeout or body errors
	badStatus  int64
	checks     int64 // responses whose content was checked
	checkFails int64
	hist       histogram
	elapsed    time.Duration
	stall      time.Duration // the longest this process waited for a CPU (see watchStalls)
	failures   *failureLog
}

// failed is how many requests went wrong in any way.
func (s *stats) failed() int64 { return s.transport + s.badStatus + s.checkFails }

func (s *stats) rate() float64 { return float64(s.requests) / s.elapsed.Seconds() }

func (s *stats) merge(o *stats) {
	s.requests += o.requests
	for k, n := range o.byKind {
		s.byKind[k] += n
	}
	s.transport += o.transport
	s.badStatus += o.badStatus
	s.checks += o.checks
	s.checkFails += o.checkFails
	s.hist.merge(&o.hist)
}

// failureLog keeps the first few failures of a phase, to say what went
// wrong without flooding the output when everything does.
type failureLog struct {
	mu   sync.Mutex
	msgs []string
}

const keptFailures = 10

func (f *failureLog) add(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.msgs) < keptFailures {
		f.msgs = append(f.msgs, fmt.Sprintf(format, args...))
	}
}
