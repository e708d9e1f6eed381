package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/consentgate/consent"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// widgetHost is a third party the rollout site's scripts contact at run
// time: no tag names it, so only a browser's CSP report shows it.
const widgetHost = "cdn.chat-widget.example"

// The rollout the README teaches, through the proxy: -report-only -csp
// report sends the report-only header; browsers' reports (posted here as
// Chromium posts them, from another origin) reach the proxy's own endpoint,
// never upstream, and fill the admin inventory; `inventory draft` lists the
// reported host as undecided; once the owner decides, -csp enforce refuses
// it to an undecided visitor and allows it to one who granted its category.
func TestRolloutReportDraftEnforce(t *testing.T) {
	var upstreamPosts atomic.Int64
	site := rolloutSite()
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			upstreamPosts.Add(1)
		}
		site.ServeHTTP(w, r)
	}))
	t.Cleanup(upstream.Close)

	// 1. report
	p := startAdmin(t, upstream.URL, "-report-only", "-csp", "report")
	resp, _ := get(t, rawClient(t), p.URL+"/shop", map[string]string{"X-Forwarded-Proto": "https"}) // behind TLS
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Empty(t, resp.Header.Get("Content-Security-Policy"), "report mode enforces nothing")
	ro := resp.Header.Get("Content-Security-Policy-Report-Only")
	assert.Contains(t, ro, "report-uri /consent/csp-report")
	assert.Contains(t, resp.Header.Get("Reporting-Endpoints"), `consentgate="/consent/csp-report"`)

	upload := `[{"age":12,"type":"csp-violation","url":"` + p.URL + `/shop","user_agent":"Mozilla/5.0",` +
		`"body":{"blockedURL":"https://` + widgetHost + `/v2/session?site=1","disposition":"report","documentURL":"` + p.URL + `/shop?from=mail",` +
		`"effectiveDirective":"connect-src","originalPolicy":"` + strings.ReplaceAll(ro, `"`, `\"`) + `","statusCode":200}},` +
		`{"age":12,"type":"csp-violation","url":"` + p.URL + `/shop",` +
		`"body":{"blockedURL":"https://` + gtmHost + `/gtag/js?id=G-1","disposition":"report","documentURL":"` + p.URL + `/shop",` +
		`"effectiveDirective":"script-src-elem","statusCode":200}}]`
	req, err := http.NewRequest(http.MethodPost, p.URL+"/consent/csp-report", strings.NewReader(upload))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/reports+json")
	req.Header.Set("Origin", "https://frame.other.example")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	rep, err := rawClient(t).Do(req)
	require.NoError(t, err)
	require.NoError(t, rep.Body.Close())
	require.Equal(t, http.StatusNoContent, rep.StatusCode)
	assert.Zero(t, upstreamPosts.Load(), "reports are the proxy's, never upstream's")

	inv := inventoryJSON(t, p.AdminURL)
	byHost := map[string]string{}
	for _, e := range inv.CSPReports {
		byHost[e.Host] = e.Directive + " " + e.Tracker
		if e.Host == widgetHost {
			assert.Equal(t, []string{"/shop"}, e.Paths)
		}
	}
	assert.Equal(t, "connect-src ", byHost[widgetHost], "an unknown host the page contacted at run time")
	assert.Equal(t, "script-src-elem Google Analytics", byHost[gtmHost])
	_, page := get(t, rawClient(t), p.AdminURL+"/inventory", nil)
	assert.Contains(t, page, "<code>"+widgetHost+"</code>")

	// 2. draft
	code, draft, stderr := runDraft(t, nil, "-admin", p.AdminURL)
	require.Equal(t, exitOK, code, stderr)
	require.Contains(t, draft, widgetHost)
	_, err = consent.ParsePolicy([]byte(draft), consent.YAML)
	require.ErrorContains(t, err, `tracker "`+widgetHost+`" is still "undecided"`)
	resolved := strings.ReplaceAll(draft, "category: undecided", "category: functionality")
	path := filepath.Join(t.TempDir(), "policy.yaml")
	require.NoError(t, os.WriteFile(path, []byte(resolved), 0o600))
	p.stop(t)

	// 3. enforce
	e := startProxy(t, nil, "-upstream", upstream.URL, "-hash-key", testHash, "-block-key", testBlock,
		"-insecure-dev", "-policy", path, "-csp", "enforce")
	visitor := newVisitor(t)
	resp, _ = get(t, visitor, e.URL+"/shop", nil)
	enforced := resp.Header.Get("Content-Security-Policy")
	require.NotEmpty(t, enforced, "enforce mode sends the enforced header")
	assert.NotContains(t, enforced, widgetHost, "refused to an undecided visitor")
	decide(t, visitor, e.URL, "accept-all")
	resp, _ = get(t, visitor, e.URL+"/shop", nil)
	assert.Contains(t, resp.Header.Get("Content-Security-Policy"), widgetHost, "allowed once its category is granted")
}
