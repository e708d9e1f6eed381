package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSteady(t *testing.T) {
	base := memory{heap: 4 << 20, goroutines: 14}
	assert.NoError(t, steady(base, base))
	assert.NoError(t, steady(base, memory{heap: 4<<20 + 400<<10, goroutines: 14}), "+9.8%")
	assert.NoError(t, steady(base, memory{heap: 4<<20 - 400<<10, goroutines: 14}), "-9.8%")
	assert.ErrorContains(t, steady(base, memory{heap: 5 << 20, goroutines: 14}), "live heap 4.00 MiB → 5.00 MiB (+25.0%)")
	assert.ErrorContains(t, steady(base, memory{heap: 3 << 20, goroutines: 14}), "(-25.0%)")
	assert.ErrorContains(t, steady(base, memory{heap: 4 << 20, goroutines: 16}), "goroutines 14 → 16 (+14.3%)")
}
