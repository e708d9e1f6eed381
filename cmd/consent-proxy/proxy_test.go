package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// startSite runs the test site and the proxy in front of it, with the
// site's policy; the consent cookie goes without Secure (-insecure-dev) so
// that the cookie jar sends it back over plain HTTP.
func startSite(t *testing.T, extra ...string) *proxyRun {
	t.Helper()
	upstream := httptest.NewServer(siteHandler())
	t.Cleanup(upstream.Close)
	args := append([]string{"-upstream", upstream.URL, "-hash-key", testHash, "-block-key", testBlock,
		"-insecure-dev", "-policy", sitePolicyFile(t)}, extra...)
	return startProxy(t, nil, args...)
}

func TestConsentFlowsThroughTheProxy(t *testing.T) {
	p := startSite(t)
	tests := []struct {
		name     string
		decision string // "" = none
		tamper   bool   // the consent cookie is altered before the page is asked for
		banner   bool
		trackers bool
		cookies  []string // the cookies the page stores, in order
	}{
		{name: "no decision", banner: true, cookies: []string{"session"}},
		{name: "accept all", decision: "accept-all", trackers: true, cookies: []string{"session", "_ga", "_fbp"}},
		{name: "reject all", decision: "reject-all", cookies: []string{"session"}},
		{name: "tampered cookie", decision: "accept-all", tamper: true, banner: true, cookies: []string{"session"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newVisitor(t)
			header := map[string]string{}
			switch {
			case tt.tamper:
				header["Cookie"] = "consent=" + tamperedConsent(t, p.URL, tt.decision)
			case tt.decision != "":
				decide(t, c, p.URL, tt.decision)
			}
			resp, body := get(t, c, p.URL+"/", header)
			require.Equal(t, http.StatusOK, resp.StatusCode)
			assert.Equal(t, "site", resp.Header.Get("X-Upstream"), "response headers pass")

			if tt.banner {
				assert.Equal(t, 1, strings.Count(body, bannerMark), "banner once")
			} else {
				assert.NotContains(t, body, bannerMark)
			}
			if tt.trackers {
				// As upstream sent them, byte for byte.
				assert.Contains(t, body, gtagTag)
				assert.Contains(t, body, pixelTag)
			} else {
				assert.NotContains(t, body, "googletagmanager.com")
				assert.NotContains(t, body, "facebook.com/tr")
			}
			assert.Equal(t, tt.cookies, setCookies(resp))
		})
	}
}

// tamperedConsent returns the consent cookie of a fresh visitor who chose
// action, with one character of its signed value changed.
func tamperedConsent(t *testing.T, proxyURL, action string) string {
	t.Helper()
	c := newVisitor(t)
	decide(t, c, proxyURL, action)
	resp, _ := get(t, c, proxyURL+"/", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var value string
	for _, ck := range c.Jar.Cookies(resp.Request.URL) {
		if ck.Name == "consent" {
			value = ck.Value
		}
	}
	require.NotEmpty(t, value)
	b := []byte(value)
	i := len(b) / 2
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}

func TestDNTChangesNothing(t *testing.T) {
	p := startSite(t)
	for _, decision := range []string{"", "accept-all", "reject-all"} {
		t.Run("decision "+decision, func(t *testing.T) {
			c := newVisitor(t)
			if decision != "" {
				decide(t, c, p.URL, decision)
			}
			plain, plainBody := get(t, c, p.URL+"/", nil)
			dnt, dntBody := get(t, c, p.URL+"/", map[string]string{"DNT": "1"})
			assert.Equal(t, plainBody, dntBody)
			assert.Equal(t, plain.StatusCode, dnt.StatusCode)
			assert.Equal(t, plain.Header.Values("Set-Cookie"), dnt.Header.Values("Set-Cookie"))
			assert.Equal(t, plain.Header.Values("Vary"), dnt.Header.Values("Vary"))
		})
	}
}

func TestConsentEndpointIsServedByTheProxy(t *testing.T) {
	var hits atomic.Int32
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	t.Cleanup(upstream.Close)
	p := startProxy(t, nil, "-upstream", upstream.URL, "-hash-key", testHash, "-prefix", "/privacy")
	tests := []struct {
		path, want string
	}{
		{"/privacy/policy", "text/html"},
		{"/privacy/preferences", "text/html"},
		{"/privacy", "application/json"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, _ := get(t, newVisitor(t), p.URL+tt.path, nil)
			assert.Equal(t, http.StatusOK, resp.StatusCode)
			assert.Contains(t, resp.Header.Get("Content-Type"), tt.want)
		})
	}
	assert.Zero(t, hits.Load(), "upstream never asked")
}

func TestForwardedHeadersReachUpstream(t *testing.T) {
	seen := make(chan http.Header, 1)
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Clone()
		h.Set("Host", r.Host)
		seen <- h
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Upstream", "yes")
		_, _ = w.Write([]byte(`{}`))
	}))
	t.Cleanup(upstream.Close)
	p := startProxy(t, nil, "-upstream", upstream.URL, "-hash-key", testHash)

	req, err := http.NewRequest(http.MethodGet, p.URL+"/api?q=1", nil)
	require.NoError(t, err)
	req.Host = "shop.example"
	req.Header.Set("X-Forwarded-For", "203.0.113.9") // a visitor cannot plant an address
	req.Header.Set("X-Custom", "kept")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	assert.Equal(t, "yes", resp.Header.Get("X-Upstream"))

	h := <-seen
	tests := []struct{ header, want string }{
		{"X-Forwarded-For", "127.0.0.1"},
		{"X-Forwarded-Host", "shop.example"},
		{"X-Forwarded-Proto", "http"},
		{"X-Custom", "kept"},
		{"Host", strings.TrimPrefix(upstream.URL, "http://")},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			assert.Equal(t, tt.want, h.Get(tt.header))
		})
	}
}

// The proxy sends its own Content-Security-Policy as -csp says, next to the
// site's, built from the visitor's consent.
func TestCSPThroughTheProxy(t *testing.T) {
	for _, tc := range []struct {
		args         []string
		header, none string
	}{
		{nil, "Content-Security-Policy", "Content-Security-Policy-Report-Only"},
		{[]string{"-csp", "report"}, "Content-Security-Policy-Report-Only", "Content-Security-Policy"},
		{[]string{"-csp", "off"}, "", "Content-Security-Policy"},
		{[]string{"-csp-site-hosts", "static.example.net"}, "Content-Security-Policy", "Content-Security-Policy-Report-Only"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			p := startSite(t, tc.args...)
			c := newVisitor(t)
			// Behind the site's TLS terminator: the HTTPS form, with report-to.
			resp, _ := get(t, c, p.URL+"/", map[string]string{"X-Forwarded-Proto": "https"})
			require.Equal(t, http.StatusOK, resp.StatusCode)
			assert.Empty(t, resp.Header.Values(tc.none))
			if tc.header == "" {
				assert.Empty(t, resp.Header.Values("Reporting-Endpoints"))
				return
			}
			undecided := resp.Header.Get(tc.header)
			assert.True(t, strings.HasPrefix(undecided, "default-src 'self'"), undecided)
			assert.NotContains(t, undecided, "google-analytics.com", "no tracker before consent")
			assert.Equal(t, strings.Contains(strings.Join(tc.args, " "), "static.example.net"), strings.Contains(undecided, " static.example.net:* "))
			assert.Equal(t, `consentgate="/consent/csp-report"`, resp.Header.Get("Reporting-Endpoints"))

			decide(t, c, p.URL, "accept-all")
			resp, _ = get(t, c, p.URL+"/", nil)
			assert.Contains(t, resp.Header.Get(tc.header), " google-analytics.com:* *.google-analytics.com:* ", "granted trackers")
		})
	}
}
