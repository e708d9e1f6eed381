package main

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseMix(t *testing.T) {
	m, err := parseMix("80/15/5")
	require.NoError(t, err)
	assert.Equal(t, mix{80, 15, 5}, m)
	assert.Equal(t, "80/15/5", m.String())
	m, err = parseMix(" 1 / 0 / 0 ")
	require.NoError(t, err)
	assert.Equal(t, mix{1, 0, 0}, m)
	for _, bad := range []string{"", "80/20", "80/15/5/1", "a/b/c", "80/-5/25", "0/0/0", "1.5/1/1"} {
		_, err := parseMix(bad)
		assert.Error(t, err, bad)
	}
}

func TestMixPicksByWeight(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	m := mix{80, 0, 20}
	var n [3]int
	const draws = 100000
	for range draws {
		n[m.pick(r)]++
	}
	assert.InDelta(t, 0.80, float64(n[anonView])/draws, 0.01)
	assert.Zero(t, n[consentedView], "weight 0: never")
	assert.InDelta(t, 0.20, float64(n[decision])/draws, 0.01)
}
