package main

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
)

// kind is what one request of the load does.
type kind int

const (
	anonView      kind = iota // a page view by an undecided visitor
	consentedView             // a page view by a visitor who decided
	decision                  // a consent POST by a visitor who decided
)

// mix weighs the kinds of request, indexed by kind.
type mix [3]int

// parseMix reads "80/15/5": the weights of page views without consent, page
// views with consent and consent POSTs.
func parseMix(s string) (mix, error) {
	parts := strings.Split(s, "/")
	if len(parts) != 3 {
		return mix{}, fmt.Errorf("mix %q: want three weights, as in 80/15/5", s)
	}
	var m mix
	sum := 0
	for i, p := range parts {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n < 0 {
			return mix{}, fmt.Errorf("mix %q: %q is not a weight (a whole number, 0 or more)", s, p)
		}
		m[i] = n
		sum += n
	}
	if sum == 0 {
		return mix{}, fmt.Errorf("mix %q: the weights add up to 0", s)
	}
	return m, nil
}

func (m mix) String() string { return fmt.Sprintf("%d/%d/%d", m[0], m[1], m[2]) }

// pick draws a kind of request with the mix's weights.
func (m mix) pick(r *rand.Rand) kind {
	n := r.IntN(m[0] + m[1] + m[2])
	for k, w := range m {
		if n < w {
			return kind(k)
		}
		n -= w
	}
	panic("unreachable: n < the sum of the weights")
}
