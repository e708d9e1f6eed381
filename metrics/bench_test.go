package metrics_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/consentgate/consent/consenttest"
)

// BenchmarkScrape is the cost of one scrape of a middleware with the
// default policy and catalog (one tag series per tracker): paid by the
// scraper, at its interval, never by a request.
func BenchmarkScrape(b *testing.B) {
	f := newFixture(b, nil)
	f.visit(consenttest.Undecided, "/")
	b.ReportAllocs()
	for b.Loop() {
		_, err := f.reg.Gather()
		require.NoError(b, err)
	}
}
