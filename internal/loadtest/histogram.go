package main

import (
	"math"
	"time"
)

// Latency buckets grow by 1% from 1µs, so that a percentile is off by 1% at
// most, and there are enough of them to reach past two minutes (well over
// the client's timeout). A fixed array rather than a slice of samples keeps
// the load test's own heap flat, which the memory check relies on.
const (
	histMin     = time.Microsecond
	histGrowth  = 1.01
	histBuckets = 2000 // 1µs × 1.01^1999 ≈ 430 s
)

var logGrowth = math.Log(histGrowth)

// histogram counts latencies. Bucket 0 holds those up to histMin, bucket
// i > 0 those in (histMin×g^(i-1), histMin×g^i]; the last also holds
// everything longer.
type histogram struct {
	counts [histBuckets]int64
	n      int64
}

func (h *histogram) add(d time.Duration) {
	i := 0
	if d > histMin {
		i = int(math.Ceil(math.Log(float64(d)/float64(histMin)) / logGrowth))
		i = min(max(i, 1), histBuckets-1)
	}
	h.counts[i]++
	h.n++
}

func (h *histogram) merge(o *histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
}

// quantile returns the q-quantile (0 < q ≤ 1) by nearest rank, as its
// bucket's upper bound: never below the true value, at most 1% above it.
// It is 0 for an empty histogram.
func (h *histogram) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := max(int64(math.Ceil(q*float64(h.n))), 1)
	var seen int64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			return bucketBound(i)
		}
	}
	return bucketBound(histBuckets - 1)
}

func bucketBound(i int) time.Duration {
	return time.Duration(float64(histMin) * math.Pow(histGrowth, float64(i)))
}
