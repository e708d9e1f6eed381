package main

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAdminServesMetrics checks that the admin listener serves the
// middleware's counters in Prometheus' text format, that they follow what
// the public listener did, and that the public listener has no /metrics.
func TestAdminServesMetrics(t *testing.T) {
	upstream := httptest.NewServer(rolloutSite())
	t.Cleanup(upstream.Close)
	p := startAdmin(t, upstream.URL)
	c := rawClient(t)

	for range 3 {
		resp, _ := get(t, c, p.URL+"/shop", map[string]string{"Accept": "text/html"})
		require.Equal(t, http.StatusOK, resp.StatusCode)
	}
	resp, body := get(t, c, p.AdminURL+"/metrics", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	assert.Contains(t, resp.Header.Get("Content-Type"), "text/plain")
	for _, want := range []string{
		`consentgate_requests_total{state="undecided"} 3`,
		`consentgate_pages_rewritten_total 3`,
		`# TYPE consentgate_ledger_write_duration_seconds histogram`,
		`consentgate_decisions_total{action="accept-all"} 0`,
		`go_goroutines `,
	} {
		assert.Contains(t, body, want)
	}
	assert.NotContains(t, body, `/shop`, "no path is a label")

	_, public := get(t, c, p.URL+"/metrics", nil)
	assert.NotContains(t, public, "consentgate_requests_total", "the public listener serves the site, not the metrics")
}
