package htmlrewrite

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// corpus returns the small documents of the unit tests and fuzz seeds:
// every tokenizer state and every kind of removal.
func corpus() []string {
	var docs []string
	for _, cs := range [][]rwCase{stripCases, deferCases, injectCases, fetchVectors} {
		for _, tc := range cs {
			docs = append(docs, tc.in)
		}
	}
	for _, tc := range tokenizeCases {
		docs = append(docs, expand(tc.in))
	}
	docs = append(docs, fuzzSeeds...)
	docs = append(docs, pageHead+pageTail)
	seen := make(map[string]bool)
	uniq := docs[:0]
	for _, d := range docs {
		if !seen[d] {
			seen[d] = true
			uniq = append(uniq, d)
		}
	}
	return uniq
}

// splitOptions are the option sets the split tests run with.
func splitOptions() map[string]Options {
	d := deferOpts()
	d.Inject = []byte(banner)
	g := injectOpts()
	g.Granted = allGranted
	return map[string]Options{"strip": injectOpts(), "defer": d, "granted": g, "head": headOpts()}
}

// splitter rewrites documents cut at given offsets with one pooled
// Rewriter.
type splitter struct {
	r   Rewriter
	buf bytes.Buffer
	m   *Matcher
	o   Options
}

func (s *splitter) run(tb testing.TB, in []byte, cuts []int, flush bool) string {
	s.buf.Reset()
	s.r.Reset(&s.buf, s.m, s.o)
	prev := 0
	for _, c := range append(cuts, len(in)) {
		n, err := s.r.Write(in[prev:c])
		if err != nil || n != c-prev {
			tb.Fatalf("Write: %d, %v", n, err)
		}
		if flush {
			if err := s.r.Flush(); err != nil {
				tb.Fatal(err)
			}
		}
		prev = c
	}
	if err := s.r.Close(); err != nil {
		tb.Fatal(err)
	}
	return s.buf.String()
}

// TestSplitEveryOffset: every single cut, with and without Flush, and
// every pair of cuts in documents under 300 bytes, give the output of
// one Write. Under the race detector, which makes this ten times slower,
// pairs are tried in Strip mode only, and every eighth second cut.
func TestSplitEveryOffset(t *testing.T) {
	m := testMatcher(t)
	for name, o := range splitOptions() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			pairStep := 1
			if raceEnabled {
				pairStep = 8
				if name != "strip" {
					pairStep = 0
				}
			}
			s := &splitter{m: m, o: o}
			for _, doc := range corpus() {
				in := []byte(doc)
				want := s.run(t, in, nil, false)
				for i := 0; i <= len(in); i++ {
					for _, flush := range []bool{false, true} {
						if got := s.run(t, in, []int{i}, flush); got != want {
							t.Fatalf("cut at %d (flush %v)\n in: %q\nwant: %q\n got: %q", i, flush, in, want, got)
						}
					}
				}
				if len(in) >= 300 || pairStep == 0 {
					continue
				}
				for i := 0; i <= len(in); i++ {
					for j := i; j <= len(in); j += pairStep {
						flush := (i+j)%2 == 0
						if got := s.run(t, in, []int{i, j}, flush); got != want {
							t.Fatalf("cuts at %d, %d (flush %v)\n in: %q\nwant: %q\n got: %q", i, j, flush, in, want, got)
						}
					}
				}
			}
		})
	}
}

// TestSplitLargePage: a 500 KB page in random chunks (including 1-byte
// ones and ones beyond the caps), with and without Flush.
func TestSplitLargePage(t *testing.T) {
	m := testMatcher(t)
	p := page(500_000)
	for name, o := range splitOptions() {
		s := &splitter{m: m, o: o}
		want := s.run(t, p, nil, false)
		for seed := uint64(1); seed <= 4; seed++ {
			rng := rand.New(rand.NewPCG(seed, 99))
			var cuts []int
			for c := 0; ; {
				switch rng.IntN(4) {
				case 0:
					c += 1 + rng.IntN(16)
				case 1:
					c += 1 + rng.IntN(4<<10)
				default:
					c += 1 + rng.IntN(96<<10)
				}
				if c >= len(p) {
					break
				}
				cuts = append(cuts, c)
			}
			got := s.run(t, p, cuts, seed%2 == 0)
			require.Equal(t, len(want), len(got), "%s seed %d", name, seed)
			require.True(t, want == got, "%s seed %d: output differs", name, seed)
		}
	}
}

// TestPassthroughByteForByte: with nothing to remove, the output is the
// input exactly and Changed is false.
func TestPassthroughByteForByte(t *testing.T) {
	m := testMatcher(t)
	p := page(500_000)
	body := p[len(pageHead) : len(p)-len(pageTail)]
	docs := map[string][]byte{"page body": body}
	for i, doc := range corpus() {
		docs[fmt.Sprint("corpus ", i)] = []byte(doc)
	}
	docs["page"] = p
	for name, in := range docs {
		o := Options{Granted: allGranted, SiteHost: "www.example.com", Beacons: true, BeaconAllowed: true}
		if name == "page body" {
			// Nothing in it is a tracker but the YouTube iframes.
			o.Granted = 1 << catMedia
			o.Beacons = false
		}
		var buf bytes.Buffer
		r := New(&buf, m, o)
		writeChunks(r, in)
		require.NoError(t, r.Close())
		if !bytes.Equal(in, buf.Bytes()) {
			t.Fatalf("%s: output differs from input\n in: %.200q\nout: %.200q", name, in, buf.Bytes())
		}
		assert.False(t, r.Changed(), name)
	}
}
