package main

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHistogramQuantilesAreWithinOnePercentAbove(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var h, other histogram
	var samples []time.Duration
	for i := range 20000 {
		// Log-normal around a millisecond, as latencies go: from tens of
		// microseconds to tens of milliseconds.
		d := time.Duration(float64(time.Millisecond) * math.Exp(r.NormFloat64()))
		samples = append(samples, d)
		if i%2 == 0 {
			h.add(d)
		} else {
			other.add(d)
		}
	}
	h.merge(&other)
	require.EqualValues(t, len(samples), h.n)
	slices.Sort(samples)
	for _, q := range []float64{0.01, 0.5, 0.9, 0.99, 0.999, 1} {
		exact := samples[int(math.Ceil(q*float64(len(samples))))-1] // nearest rank
		got := h.quantile(q)
		assert.GreaterOrEqual(t, float64(got), float64(exact)*0.9999, "q=%v", q)
		assert.LessOrEqual(t, float64(got), float64(exact)*histGrowth, "q=%v", q)
	}
}

func TestHistogramEdges(t *testing.T) {
	var h histogram
	assert.Zero(t, h.quantile(0.5), "empty")
	h.add(0)
	h.add(time.Nanosecond)
	assert.Equal(t, histMin, h.quantile(1), "everything up to the first bound")
	h.add(time.Hour)
	assert.Equal(t, bucketBound(histBuckets-1), h.quantile(1), "longer than the last bound: the last bucket")
	assert.Greater(t, bucketBound(histBuckets-1), 2*time.Minute)
}
