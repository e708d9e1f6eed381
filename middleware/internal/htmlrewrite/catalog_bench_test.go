package htmlrewrite

import (
	"io"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/consentgate/consent"
	"github.com/consentgate/consent/catalog"
)

// catalogTrackers translates what the built-in catalog adds to the default
// policy as the middleware does: category bits in policy order, 63 for
// consent.Unmapped. With only set, it keeps the vendors the default policy
// uses (today's 17 built-in vendors).
func catalogTrackers(tb testing.TB, only bool) []Tracker {
	tb.Helper()
	p := consent.DefaultPolicy()
	r, err := catalog.Default().Resolve(p)
	if err != nil {
		tb.Fatal(err)
	}
	return translate(p, r, only)
}

func translate(p *consent.Policy, r *catalog.Resolved, only bool) []Tracker {
	bits := make(map[consent.CategoryID]uint8, len(p.Categories))
	for i, c := range p.Categories {
		bits[c.ID] = uint8(i)
	}
	out := make([]Tracker, 0, len(r.Trackers))
	for _, t := range r.Trackers {
		if only && !slices.Contains(p.Catalog.Uses, t.Vendor) {
			continue
		}
		bit, ok := bits[t.Category]
		if !ok {
			bit = 63
		}
		out = append(out, Tracker{Name: t.Name, Hosts: t.Hosts, URLs: t.URLs, Category: bit})
	}
	return out
}

// BenchmarkRewriteCatalog compares the rewriter's throughput on the bench
// pages with the whole catalog against today's 17 vendors, in the same
// run (target: catalog ≥ 0.95× vendors17).
func BenchmarkRewriteCatalog(b *testing.B) {
	// Both matchers are built, and the garbage of parsing the catalog
	// collected, before anything is timed.
	sets := []struct {
		name string
		m    *Matcher
	}{{"vendors17", nil}, {"catalog", nil}}
	for i := range sets {
		m, err := NewMatcher(catalogTrackers(b, sets[i].name == "vendors17"))
		if err != nil {
			b.Fatal(err)
		}
		sets[i].m = m
	}
	o := benchOptions()
	for _, s := range benchSizes {
		p := page(s.size)
		for _, set := range sets {
			b.Run(s.name+"/"+set.name, func(b *testing.B) {
				r := New(io.Discard, set.m, o)
				runtime.GC()
				b.SetBytes(int64(len(p)))
				b.ReportAllocs()
				for b.Loop() {
					r.Reset(io.Discard, set.m, o)
					writeChunks(r, p)
					if err := r.Close(); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkMatcherFromCatalog is what New spends on the catalog: resolving
// the default policy against the whole catalog and building the matcher
// (target ≤ 20 ms).
func BenchmarkMatcherFromCatalog(b *testing.B) {
	p := consent.DefaultPolicy()
	c := catalog.Default()
	b.ReportAllocs()
	for b.Loop() {
		r, err := c.Resolve(p)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := NewMatcher(translate(p, r, false)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkInlineScriptCatalog scans a 64 KiB inline script full of
// ".com" hosts that are no tracker's, with the whole catalog: each ".com"
// must cost one probe of the last-two-labels index, not a verification of
// every catalog host under ".com".
func BenchmarkInlineScriptCatalog(b *testing.B) {
	m, err := NewMatcher(catalogTrackers(b, false))
	if err != nil {
		b.Fatal(err)
	}
	var s []byte
	for len(s) < 64<<10 {
		s = append(s, `fetch("https://api.shop-example.com/cart.json").then(function(r){return r.json()});img.src="https://cdn.images-example.com/p/1.webp";window.location.href="https://www.example.com/checkout";`+"\n"...)
	}
	b.SetBytes(int64(len(s)))
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := m.MatchText(s, 0); ok {
			b.Fatal("unexpected match")
		}
	}
}

// BenchmarkRewriteCatalogPaired rewrites each bench page with today's 17
// vendors and with the whole catalog in turn, within every iteration, and
// reports the catalog's throughput relative to the 17 vendors' in the
// median pair (catalog-ratio; target ≥ 0.95): pairing the two cancels the
// drift of a shared machine's load, which separate benchmarks cannot.
func BenchmarkRewriteCatalogPaired(b *testing.B) {
	few, err := NewMatcher(catalogTrackers(b, true))
	if err != nil {
		b.Fatal(err)
	}
	all, err := NewMatcher(catalogTrackers(b, false))
	if err != nil {
		b.Fatal(err)
	}
	o := benchOptions()
	for _, s := range benchSizes {
		p := page(s.size)
		b.Run(s.name, func(b *testing.B) {
			r := New(io.Discard, few, o)
			run := func(m *Matcher) time.Duration {
				start := time.Now()
				r.Reset(io.Discard, m, o)
				writeChunks(r, p)
				if err := r.Close(); err != nil {
					b.Fatal(err)
				}
				return time.Since(start)
			}
			ratios := make([]float64, 0, 1024)
			runtime.GC()
			b.SetBytes(int64(2 * len(p)))
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				// Alternate which goes first, so that neither always
				// finds the caches warm.
				var tFew, tAll time.Duration
				if i%2 == 0 {
					tFew = run(few)
					tAll = run(all)
				} else {
					tAll = run(all)
					tFew = run(few)
				}
				if len(ratios) < cap(ratios) {
					ratios = append(ratios, float64(tFew)/float64(tAll))
				}
			}
			// The median pair: a pair that the scheduler interrupted
			// says nothing about the matcher.
			slices.Sort(ratios)
			b.ReportMetric(ratios[len(ratios)/2], "catalog-ratio")
		})
	}
}
