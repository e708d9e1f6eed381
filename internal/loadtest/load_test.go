package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSmokeRun is a short run of the whole command: the demo with its
// ledger, then the bare pages. The memory check is only reported: a second
// with a token warm-up is not the steady state it needs.
func TestSmokeRun(t *testing.T) {
	if testing.Short() {
		t.Skip("a few seconds of load")
	}
	var logs bytes.Buffer
	o := options{duration: time.Second, warmup: 300 * time.Millisecond, visitors: 20, fill: 40,
		concurrency: 4, mix: mix{80, 15, 5}, maxRequests: 1_000_000}
	res, err := run(context.Background(), o, logTo(&logs))
	require.NoError(t, err)
	var out bytes.Buffer
	res.print(&out)
	t.Log("\n" + out.String())
	for name, s := range map[string]*stats{"fill": res.fill, "warm-up": res.warmup, "middleware": res.mw,
		"bare warm-up": res.bareWarmup, "bare": res.bare} {
		assert.Zero(t, s.failed(), "%s: %v", name, s.failures.msgs)
	}
	assert.EqualValues(t, 40, res.fill.requests)
	assert.Positive(t, res.mw.requests)
	assert.Equal(t, res.mw.requests, res.mw.checks, "every answer checked")
	assert.Positive(t, res.bare.requests)
	assert.Zero(t, res.bare.checks)
	assert.Positive(t, res.before.heap)
	assert.Positive(t, res.after.goroutines)
	assert.Empty(t, logs.String())
	assert.Contains(t, out.String(), "middleware ÷ bare")
}

// fakePages answers every page with body, for everyone.
func fakePages(body []byte) map[string]captured {
	shots := map[string]captured{}
	for _, pg := range pages {
		shots[pg.path] = captured{header: http.Header{"Content-Type": {"text/html; charset=utf-8"}}, body: body}
	}
	return shots
}

func TestLoadCountsWrongPagesAndStopsAtMaxRequests(t *testing.T) {
	// An accepted visitor's course page, served to the undecided.
	srv := httptest.NewServer(bareHandler(fakePages(pageWith(0, "analytics", "tags", "ads", "replay", "video"))))
	t.Cleanup(srv.Close)
	l := load{mix: mix{1, 0, 0}, concurrency: 2, maxRequests: 20}
	s := l.run(target{pool: newPool(srv.URL, http.DefaultTransport, 4), check: true}, time.Minute)
	assert.EqualValues(t, 20, s.requests)
	assert.EqualValues(t, 20, s.checks)
	assert.EqualValues(t, 20, s.checkFails)
	require.NotEmpty(t, s.failures.msgs)
	assert.Contains(t, s.failures.msgs[0], "undecided")
	assert.Contains(t, s.failures.msgs[0], "banner 0 times, want 1")
	assert.Len(t, s.failures.msgs, keptFailures)
}

func TestBareHandler(t *testing.T) {
	srv := httptest.NewServer(bareHandler(fakePages([]byte("<p>page</p>"))))
	t.Cleanup(srv.Close)
	p := newPool(srv.URL, http.DefaultTransport, 2)
	client := p.decided[0].client

	resp, err := client.Do(p.decisionRequest(choices[0], pages[1]))
	require.NoError(t, err)
	resp.Body.Close()
	assert.NoError(t, checkDecision(resp, pages[1]))

	resp, err = client.Do(p.pageRequest(pages[2]))
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "text/html; charset=utf-8", resp.Header.Get("Content-Type"))
	assert.Equal(t, "<p>page</p>", string(body))

	resp, err = client.PostForm(srv.URL+"/", url.Values{})
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "only the consent endpoint takes POSTs")
	resp, err = client.Get(srv.URL + "/nope")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}
