package htmlrewrite

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

// Categories of the test policy.
const (
	catNecessary = 0
	catAnalytics = 1
	catMarketing = 2
	catMedia     = 3
)

func testTrackers() []Tracker {
	return []Tracker{
		{Name: "Google Tag Manager", Hosts: []string{"googletagmanager.com"}, Category: catAnalytics},
		{Name: "Google Analytics", Hosts: []string{"google-analytics.com", "analytics.google.com"}, Category: catAnalytics},
		{Name: "Meta Pixel", Hosts: []string{"connect.facebook.net"}, URLs: []string{"www.facebook.com/tr"}, Category: catMarketing},
		{Name: "LinkedIn Insight", Hosts: []string{"snap.licdn.com", "px.ads.linkedin.com"}, Category: catMarketing},
		{Name: "Hotjar", Hosts: []string{"static.hotjar.com", "script.hotjar.com"}, Category: catAnalytics},
		{Name: "TikTok Pixel", Hosts: []string{"analytics.tiktok.com"}, Category: catMarketing},
		{Name: "Microsoft Clarity", Hosts: []string{"www.clarity.ms"}, Category: catAnalytics},
		{Name: "Google Ads", Hosts: []string{"doubleclick.net", "googleadservices.com"}, URLs: []string{"www.google.com/pagead/"}, Category: catMarketing},
		{Name: "reCAPTCHA", URLs: []string{"www.google.com/recaptcha/"}, Category: catNecessary},
		{Name: "YouTube", Hosts: []string{"youtube.com", "youtube-nocookie.com"}, Category: catMedia},
	}
}

func testMatcher(tb testing.TB) *Matcher {
	tb.Helper()
	m, err := NewMatcher(testTrackers())
	require.NoError(tb, err)
	return m
}

// rewrite runs in through a Rewriter in one Write and returns the output.
func rewrite(tb testing.TB, m *Matcher, o Options, in string) string {
	tb.Helper()
	return rewriteSplit(tb, m, o, []byte(in), nil, false)
}

// rewriteSplit writes in cut at the given ascending offsets, with a Flush
// after each Write when flush is set.
func rewriteSplit(tb testing.TB, m *Matcher, o Options, in []byte, cuts []int, flush bool) string {
	tb.Helper()
	var buf bytes.Buffer
	r := New(&buf, m, o)
	prev := 0
	for _, c := range append(cuts, len(in)) {
		if c < prev {
			c = prev
		}
		if c > len(in) {
			c = len(in)
		}
		n, err := r.Write(in[prev:c])
		require.NoError(tb, err)
		require.Equal(tb, c-prev, n)
		if flush {
			require.NoError(tb, r.Flush())
		}
		prev = c
	}
	require.NoError(tb, r.Close())
	return buf.String()
}

// allGranted grants every category.
const allGranted = ^uint64(0)
