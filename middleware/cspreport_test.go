package middleware

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/consentgate/consent"
	"github.com/consentgate/consent/store"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Report bodies as browsers send them. The field sets follow CSP Level 3
// ("Reporting" and "report-uri": the csp-report object with CSP2's dashed
// names; the Reporting API's csp-violation body with camel-case names);
// the values are ours.
const (
	reportURIBodyGTM = `{"csp-report":{"document-uri":"https://shop.example/checkout?step=2&email=a%40b.example",` +
		`"referrer":"https://shop.example/","violated-directive":"script-src-elem","effective-directive":"script-src-elem",` +
		`"original-policy":"default-src 'self'; script-src 'self' https://cdn.shop.example; img-src 'self' data:; report-uri /consent/csp-report; report-to consentgate",` +
		`"disposition":"report","blocked-uri":"https://www.googletagmanager.com/gtag/js?id=G-ABC123","line-number":12,"column-number":7,` +
		`"source-file":"https://shop.example/checkout","status-code":200,"script-sample":""}}`
	reportsBodyTwo = `[{"age":53,"body":{"blockedURL":"https://Collector.Unknown-Vendor.example:8443/v1/hit?u=1","columnNumber":15,` +
		`"disposition":"report","documentURL":"https://shop.example/blog/post-1?utm_source=x","effectiveDirective":"connect-src","lineNumber":3,` +
		`"originalPolicy":"default-src 'self'; report-uri /consent/csp-report; report-to consentgate","referrer":"","sample":"",` +
		`"sourceFile":"https://shop.example/app.js","statusCode":200},"type":"csp-violation","url":"https://shop.example/blog/post-1?utm_source=x",` +
		`"user_agent":"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"},` +
		`{"age":10,"body":{"id":"PrefixedStorageInfo","message":"deprecated"},"type":"deprecation","url":"https://shop.example/"},` +
		`{"age":53,"body":{"blockedURL":"inline","disposition":"enforce","documentURL":"https://shop.example/blog/post-1",` +
		`"effectiveDirective":"script-src-attr","originalPolicy":"default-src 'self'","sample":"alert(1)","statusCode":200},` +
		`"type":"csp-violation","url":"https://shop.example/blog/post-1"}]`
)

// postReport posts body with the content type to m's report endpoint.
func postReport(m *Middleware, ctype, body string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/consent/csp-report", strings.NewReader(body))
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	m.Handler(http.NotFoundHandler()).ServeHTTP(rec, req)
	return rec
}

// countingLedger counts the records written to it.
type countingLedger struct {
	store.Ledger
	n atomic.Int64
}

func (l *countingLedger) Record(context.Context, store.Record) error { l.n.Add(1); return nil }

// reportsArray is a Reporting API body of n csp-violation reports of
// distinct hosts.
func reportsArray(n int, host func(i int) string) string {
	var b strings.Builder
	b.WriteByte('[')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"type":"csp-violation","url":"https://shop.example/p","body":{"documentURL":"https://shop.example/p","blockedURL":"https://%s/x.js","effectiveDirective":"script-src-elem","disposition":"report"}}`, host(i))
	}
	b.WriteByte(']')
	return b.String()
}

func TestCSPReportEndpoint(t *testing.T) {
	bigReport := `{"csp-report":{"blocked-uri":"https://t.example/` + strings.Repeat("a", MaxCSPReportBytes) + `","effective-directive":"img-src"}}`
	bigInArray := `[{"type":"csp-violation","body":{"blockedURL":"https://t.example/` + strings.Repeat("a", MaxCSPReportBytes) + `","effectiveDirective":"img-src"}}]`
	hostN := func(i int) string { return fmt.Sprintf("h%d.example", i) }
	for _, c := range []struct {
		name, method, ctype, body string
		status                    int
		reports                   int // inventory entries afterwards
	}{
		{"report-uri format", http.MethodPost, "application/csp-report", reportURIBodyGTM, http.StatusNoContent, 1},
		{"report-uri format with a charset", http.MethodPost, "application/csp-report; charset=utf-8", reportURIBodyGTM, http.StatusNoContent, 1},
		{"Reporting API, other types skipped", http.MethodPost, "application/reports+json", reportsBodyTwo, http.StatusNoContent, 2},
		{"Reporting API, empty array", http.MethodPost, "application/reports+json", `[]`, http.StatusNoContent, 0},
		{"Reporting API, as many reports as allowed", http.MethodPost, "application/reports+json", reportsArray(MaxCSPReportsPerRequest, hostN), http.StatusNoContent, MaxCSPReportsPerRequest},

		{"GET", http.MethodGet, "", "", http.StatusMethodNotAllowed, 0},
		{"PUT", http.MethodPut, "application/csp-report", reportURIBodyGTM, http.StatusMethodNotAllowed, 0},
		{"OPTIONS", http.MethodOptions, "", "", http.StatusMethodNotAllowed, 0},

		{"no content type", http.MethodPost, "", reportURIBodyGTM, http.StatusUnsupportedMediaType, 0},
		{"application/json", http.MethodPost, "application/json", reportURIBodyGTM, http.StatusUnsupportedMediaType, 0},
		{"a form", http.MethodPost, "application/x-www-form-urlencoded", "action=accept-all", http.StatusUnsupportedMediaType, 0},
		{"text/plain", http.MethodPost, "text/plain", reportsBodyTwo, http.StatusUnsupportedMediaType, 0},

		{"report-uri report over the size limit", http.MethodPost, "application/csp-report", bigReport, http.StatusBadRequest, 0},
		{"a report of the array over the size limit", http.MethodPost, "application/reports+json", bigInArray, http.StatusBadRequest, 0},
		{"more reports than allowed", http.MethodPost, "application/reports+json", reportsArray(MaxCSPReportsPerRequest+1, hostN), http.StatusBadRequest, 0},
		{"body over the limit", http.MethodPost, "application/reports+json", "[" + strings.Repeat(" ", MaxCSPReportBody) + "]", http.StatusBadRequest, 0},

		{"not JSON", http.MethodPost, "application/csp-report", "blocked-uri=x", http.StatusBadRequest, 0},
		{"no csp-report object", http.MethodPost, "application/csp-report", `{"blocked-uri":"https://t.example/"}`, http.StatusBadRequest, 0},
		{"csp-report not an object", http.MethodPost, "application/csp-report", `{"csp-report":"x"}`, http.StatusBadRequest, 0},
		{"a field of the wrong type", http.MethodPost, "application/csp-report", `{"csp-report":{"blocked-uri":7,"effective-directive":"img-src"}}`, http.StatusBadRequest, 0},
		{"no directive", http.MethodPost, "application/csp-report", `{"csp-report":{"blocked-uri":"https://t.example/"}}`, http.StatusBadRequest, 0},
		{"a directive that is none", http.MethodPost, "application/csp-report", `{"csp-report":{"blocked-uri":"https://t.example/","effective-directive":"<script>"}}`, http.StatusBadRequest, 0},
		{"an object for the Reporting API", http.MethodPost, "application/reports+json", `{"type":"csp-violation"}`, http.StatusBadRequest, 0},
		{"an array of strings", http.MethodPost, "application/reports+json", `["csp-violation"]`, http.StatusBadRequest, 0},
		{"null in the array", http.MethodPost, "application/reports+json", `[null]`, http.StatusBadRequest, 0},
		{"csp-violation without a body", http.MethodPost, "application/reports+json", `[{"type":"csp-violation"}]`, http.StatusBadRequest, 0},
		{"an unclosed array", http.MethodPost, "application/reports+json", reportsArray(2, hostN)[1:] + "[", http.StatusBadRequest, 0},
		{"data after the array", http.MethodPost, "application/reports+json", reportsArray(2, hostN) + "[]", http.StatusBadRequest, 0},
		{"a good report before a bad one", http.MethodPost, "application/reports+json", strings.TrimSuffix(reportsArray(2, hostN), "]") + `,{"type":"csp-violation","body":{"effectiveDirective":"a b"}}]`, http.StatusBadRequest, 0},
		{"empty body", http.MethodPost, "application/csp-report", "", http.StatusBadRequest, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			ledger := &countingLedger{}
			m, _ := newTestMiddleware(t, Ledger(ledger))
			req := httptest.NewRequest(c.method, "/consent/csp-report", strings.NewReader(c.body))
			if c.ctype != "" {
				req.Header.Set("Content-Type", c.ctype)
			}
			rec := httptest.NewRecorder()
			m.Handler(http.NotFoundHandler()).ServeHTTP(rec, req)
			assert.Equal(t, c.status, rec.Code, rec.Body.String())
			assert.Len(t, m.Inventory().CSPReports, c.reports)
			assert.Empty(t, rec.Header().Values("Set-Cookie"), "a report never sets or expires a cookie")
			assert.Zero(t, ledger.n.Load(), "a report never writes the ledger")
			switch c.status {
			case http.StatusMethodNotAllowed:
				assert.Equal(t, "POST", rec.Header().Get("Allow"))
			case http.StatusUnsupportedMediaType:
				assert.Equal(t, "application/csp-report, application/reports+json", rec.Header().Get("Accept-Post"))
			case http.StatusNoContent:
				assert.Empty(t, rec.Body.String())
			case http.StatusBadRequest:
				assert.Contains(t, rec.Body.String(), "bad CSP report")
			}
		})
	}
}

// With CSP off nothing sends reports, and nobody can fill the inventory
// with them.
func TestCSPReportEndpointOnlyWithCSP(t *testing.T) {
	for _, c := range []struct {
		mode   CSPMode
		status int
	}{{CSPOff, http.StatusNotFound}, {CSPReport, http.StatusNoContent}, {CSPEnforce, http.StatusNoContent}} {
		t.Run(c.mode.String(), func(t *testing.T) {
			m, _ := newTestMiddleware(t, CSP(c.mode))
			assert.Equal(t, c.status, postReport(m, "application/csp-report", reportURIBodyGTM).Code)
			rec := httptest.NewRecorder()
			m.Endpoint().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/consent/csp-report", nil))
			if c.mode == CSPOff {
				assert.Equal(t, http.StatusNotFound, rec.Code)
				assert.Empty(t, m.Inventory().CSPReports)
			} else {
				assert.Equal(t, http.StatusMethodNotAllowed, rec.Code, "Endpoint serves it too")
				assert.Len(t, m.Inventory().CSPReports, 1)
			}
		})
	}
}

// Browsers send reports from other origins' frames and workers, without an
// Origin they promise, and without the consent cookie: the endpoint takes
// them all, and no report can change a visitor's consent.
func TestCSPReportNeedsNoCookieAndCannotChangeConsent(t *testing.T) {
	m, _ := newTestMiddleware(t)
	accepted := decide(t, m, acceptAll())
	for _, hdr := range [][]string{
		{"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example"},
		{"Origin", "null"},
		{},
	} {
		rec := postReport(m, "application/csp-report", reportURIBodyGTM, hdr...)
		assert.Equal(t, http.StatusNoContent, rec.Code, "headers %v", hdr)
		assert.Empty(t, rec.Header().Values("Set-Cookie"))
	}
	// A report body that is also a consent form changes nothing.
	rec := postReport(m, "application/csp-report", `{"csp-report":{"blocked-uri":"inline","effective-directive":"script-src"}, "action":"reject-all"}`)
	assert.Equal(t, http.StatusNoContent, rec.Code)
	assert.Empty(t, rec.Header().Values("Set-Cookie"))
	state := get(m, http.NotFoundHandler(), "/consent", accepted)
	assert.Contains(t, state.Body.String(), `"method":"accept-all"`)
	assert.EqualValues(t, 3, reportsByKey(m.Inventory())["www.googletagmanager.com script-src-elem"].Count)
}

func reportsByKey(inv *Inventory) map[string]SeenCSPReport {
	out := map[string]SeenCSPReport{}
	for _, r := range inv.CSPReports {
		out[r.Host+" "+r.Directive] = r
	}
	return out
}

func TestCSPReportsInTheInventory(t *testing.T) {
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	var clock atomic.Int64
	clock.Store(now.Unix())
	m, _ := newTestMiddleware(t, Clock(func() time.Time { return time.Unix(clock.Load(), 0).UTC() }))
	post := func(ctype, body string) {
		t.Helper()
		require.Equal(t, http.StatusNoContent, postReport(m, ctype, body).Code)
	}
	post("application/csp-report", reportURIBodyGTM)
	clock.Add(60)
	post("application/reports+json", reportsBodyTwo)
	post("application/reports+json", `[
		{"type":"csp-violation","url":"https://shop.example/a","body":{"documentURL":"https://shop.example/a","blockedURL":"eval","effectiveDirective":"script-src","disposition":"enforce"}},
		{"type":"csp-violation","url":"https://shop.example/a","body":{"documentURL":"https://shop.example/a","blockedURL":"data:image/png;base64,iVBORw0KGgo=","effectiveDirective":"img-src","disposition":"enforce"}},
		{"type":"csp-violation","url":"https://shop.example/b","body":{"documentURL":"about:srcdoc","blockedURL":"blob:https://shop.example/1f0e","effectiveDirective":"worker-src","disposition":"enforce"}},
		{"type":"csp-violation","url":"https://shop.example/b","body":{"documentURL":"https://shop.example/b","blockedURL":"wss://Live.Chat-Vendor.example/socket","effectiveDirective":"connect-src","disposition":"enforce"}},
		{"type":"csp-violation","url":"https://shop.example/b","body":{"documentURL":"https://shop.example/b","blockedURL":"https://www.facebook.com/tr?id=1&ev=PageView","effectiveDirective":"img-src"}},
		{"type":"csp-violation","url":"https://shop.example/b","body":{"documentURL":"https://shop.example/b","blockedURL":"","effectiveDirective":"img-src"}},
		{"type":"csp-violation","url":"https://shop.example/b","body":{"documentURL":"https://shop.example/b","blockedURL":"%%% not a url","effectiveDirective":"img-src"}}
	]`)
	// The same host and directive again, from another page.
	post("application/csp-report", strings.Replace(reportURIBodyGTM, "/checkout?step=2&email=a%40b.example", "/cart?x=1", 1))

	inv := m.Inventory()
	got := reportsByKey(inv)
	require.Len(t, inv.CSPReports, 8, "empty and unreadable blocked URLs are not recorded: %v", got)

	gtm := got["www.googletagmanager.com script-src-elem"]
	assert.False(t, gtm.Keyword)
	assert.Equal(t, "Google Analytics", gtm.Tracker, "the matcher names the declared tracker")
	assert.Equal(t, "analytics", gtm.Category)
	assert.Equal(t, DispositionReport, gtm.Disposition)
	assert.EqualValues(t, 2, gtm.Count)
	assert.Equal(t, []string{"/checkout", "/cart"}, gtm.Paths, "paths without their query")
	assert.Equal(t, now, gtm.FirstSeen)
	assert.Equal(t, now.Add(time.Minute), gtm.LastSeen)

	unknown := got["collector.unknown-vendor.example connect-src"]
	assert.Empty(t, unknown.Tracker, "lowercased, without the port; the policy does not know it")
	assert.Equal(t, []string{"/blog/post-1"}, unknown.Paths)

	for key, want := range map[string]string{
		"inline script-src-attr": "/blog/post-1", "eval script-src": "/a", "data img-src": "/a", "blob worker-src": "about:srcdoc",
	} {
		assert.True(t, got[key].Keyword, "%s is a keyword, not a host", key)
		assert.Equal(t, []string{want}, got[key].Paths, key)
		assert.Equal(t, DispositionEnforce, got[key].Disposition)
	}
	assert.Equal(t, "live.chat-vendor.example", got["live.chat-vendor.example connect-src"].Host, "WebSocket hosts count as hosts")
	assert.Equal(t, "Meta Pixel", got["www.facebook.com img-src"].Tracker, "URL patterns match on the blocked URL's path")
	assert.Empty(t, got["www.facebook.com img-src"].Disposition, "the browser did not say")

	t.Run("the inventory page and JSON show them", func(t *testing.T) {
		rec := httptest.NewRecorder()
		m.InventoryHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/?csp=-count", nil))
		body := rec.Body.String()
		assert.Contains(t, body, "Reported by browsers")
		assert.Contains(t, body, "<code>collector.unknown-vendor.example</code></td><td>connect-src</td><td></td><td><span class=\"flag\">undeclared</span>")
		assert.Contains(t, body, "<em>inline</em>")
		assert.Less(t, strings.Index(body, "www.googletagmanager.com</code>"), strings.Index(body, "collector.unknown-vendor.example</code>"), "sorted by count, descending")

		rec = httptest.NewRecorder()
		m.InventoryHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/?format=json", nil))
		var doc struct {
			CSPReports []SeenCSPReport `json:"cspReports"`
		}
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &doc))
		assert.Len(t, doc.CSPReports, 8)
	})
}

// A reported host that the policy does not know is drafted as undecided;
// one it declares, a built-in one and the keywords are not.
func TestDraftHoldsReportedHosts(t *testing.T) {
	p := &consent.Policy{
		Version: "1",
		Categories: []consent.Category{
			{ID: consent.Essential, Name: "Essential", Required: true, Description: "Needed."},
			{ID: consent.Analytics, Name: "Analytics", Description: "Counting."},
		},
		Trackers: []consent.Tracker{{Name: "Own counter", Category: consent.Analytics, Hosts: []string{"count.shop.example"}}},
		Services: []consent.Service{{Name: "Font host", Purpose: "Serves the site's fonts.", Hosts: []string{"fonts.vendor.example"}}},
	}
	m, err := New(p, Keys(testKey))
	require.NoError(t, err)
	require.Equal(t, http.StatusNoContent, postReport(m, "application/reports+json", reportsBodyTwo).Code)
	require.Equal(t, http.StatusNoContent, postReport(m, "application/reports+json", `[
		{"type":"csp-violation","body":{"documentURL":"https://shop.example/","blockedURL":"https://count.shop.example/c.js","effectiveDirective":"script-src-elem"}},
		{"type":"csp-violation","body":{"documentURL":"https://shop.example/","blockedURL":"https://www.google-analytics.com/g/collect","effectiveDirective":"connect-src"}},
		{"type":"csp-violation","body":{"documentURL":"https://shop.example/","blockedURL":"https://collector.unknown-vendor.example/again","effectiveDirective":"img-src"}},
		{"type":"csp-violation","body":{"documentURL":"https://shop.example/","blockedURL":"https://eu.fonts.vendor.example/a.woff2","effectiveDirective":"font-src"}}
	]`).Code)

	d := m.Inventory().Draft(p)
	byHost := map[string]consent.Tracker{}
	for _, tr := range d.Trackers {
		for _, h := range tr.Hosts {
			byHost[h] = tr
		}
	}
	assert.Equal(t, consent.Placeholder, byHost["collector.unknown-vendor.example"].Category, "an unknown reported host is undecided")
	assert.Equal(t, "Own counter", byHost["count.shop.example"].Name, "a declared host is not added again")
	require.NotNil(t, d.Catalog)
	assert.Contains(t, d.Catalog.Uses, "google-analytics", "a catalog vendor is drafted as used, with its category from the catalog")
	assert.NotContains(t, byHost, "inline", "keywords are no hosts")
	assert.NotContains(t, byHost, "eu.fonts.vendor.example", "a declared service is no tracker")
	assert.Len(t, d.Trackers, 2, "each host once: %v", d.Trackers)

	yaml, err := m.Inventory().DraftYAML(p)
	require.NoError(t, err)
	assert.Contains(t, string(yaml), "collector.unknown-vendor.example")
	_, err = consent.ParsePolicy(yaml, consent.YAML)
	assert.ErrorContains(t, err, `"collector.unknown-vendor.example" is still "undecided"`, "the loader refuses it until the owner decides")
}

// A flood of reports naming distinct hosts, from many clients at once,
// stays within the inventory's cap and is counted.
func TestCSPReportFloodStaysWithinCaps(t *testing.T) {
	m, _ := newTestMiddleware(t)
	const perRequest, requests = 50, 4 * MaxInventoryCSPReports / 50
	var wg sync.WaitGroup
	var next atomic.Int64
	for range 8 {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= requests {
					return
				}
				body := reportsArray(perRequest, func(j int) string { return fmt.Sprintf("t%d-%d.flood.example", i, j) })
				if rec := postReport(m, "application/reports+json", body); rec.Code != http.StatusNoContent {
					t.Errorf("request %d: %d %s", i, rec.Code, rec.Body)
				}
			}
		})
	}
	wg.Wait()
	inv := m.Inventory()
	assert.Len(t, inv.CSPReports, MaxInventoryCSPReports)
	assert.EqualValues(t, perRequest*requests-MaxInventoryCSPReports, inv.Dropped.CSPReports)

	rec := httptest.NewRecorder()
	m.InventoryHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	assert.Contains(t, rec.Body.String(), fmt.Sprintf("%d CSP reports (caps:", perRequest*requests-MaxInventoryCSPReports))
	yaml, err := inv.DraftYAML(m.Policy())
	require.NoError(t, err)
	assert.Contains(t, string(yaml), "The inventory was full")
}

// Reports as Chromium 156 sent them to this endpoint (captured from the
// browser test's vector pages: report-uri from a site policy without
// report-to, and a Reporting API upload).
func TestCSPReportsFromChromium(t *testing.T) {
	for _, c := range []struct {
		file, ctype           string
		host, directive, path string
		keyword               bool
		tracker, disposition  string
	}{
		{"chromium156-report-uri.json", ctCSPReport, "data", "img-src", "/vectors/onload", true, "", DispositionReport},
		{"chromium156-reports.json", ctReports, "connect.facebook.net", "script-src-elem", "/vectors/script-tag", false, "Meta Pixel", DispositionReport},
	} {
		t.Run(c.file, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join("testdata", "cspreports", c.file))
			require.NoError(t, err)
			m, _ := newTestMiddleware(t)
			require.Equal(t, http.StatusNoContent, postReport(m, c.ctype, string(body)).Code)
			got := reportsByKey(m.Inventory())
			require.Len(t, got, 1)
			e, ok := got[c.host+" "+c.directive]
			require.True(t, ok, "%v", got)
			assert.Equal(t, c.keyword, e.Keyword)
			assert.Equal(t, c.tracker, e.Tracker)
			assert.Equal(t, c.disposition, e.Disposition)
			assert.Equal(t, []string{c.path}, e.Paths)
		})
	}
}

// What a report's blocked URL and document URL are kept as: a host (never
// userinfo, path or query) or a keyword, and a path without its query.
func TestCSPReportNames(t *testing.T) {
	for _, c := range []struct {
		blocked, name string
		keyword, ok   bool
	}{
		{"https://www.googletagmanager.com/gtag/js?id=G-1", "www.googletagmanager.com", false, true},
		{"HTTPS://User:Secret@Host.Example.:8443/p?q=1#f", "host.example", false, true},
		{"http://[2001:db8::1]:8080/x", "2001:db8::1", false, true},
		{"wss://live.example/socket", "live.example", false, true},
		{"inline", "inline", true, true},
		{"eval", "eval", true, true},
		{"wasm-eval", "wasm-eval", true, true},
		{"trusted-types-sink", "trusted-types-sink", true, true},
		{"data", "data", true, true},
		{"data:image/png;base64,iVBORw0KGgo=", "data", true, true},
		{"blob:https://shop.example/5f0c", "blob", true, true},
		{"chrome-extension://abcdef/inject.js", "chrome-extension", true, true},
		{"", "", false, false},
		{"//cdn.example/x.js", "", false, false},
		{"https:cdn.example", "", false, false},
		{"https://", "", false, false},
		{"<script>", "", false, false},
		{"in line", "", false, false},
		{strings.Repeat("a", 40), "", false, false},
	} {
		name, _, keyword, ok := blockedName(c.blocked)
		assert.Equal(t, c.ok, ok, "%q", c.blocked)
		assert.Equal(t, c.name, name, "%q", c.blocked)
		assert.Equal(t, c.keyword, keyword, "%q", c.blocked)
	}
	for doc, want := range map[string]string{
		"https://shop.example/cart?id=7&email=a%40b.example": "/cart",
		"https://shop.example":                               "/",
		"https://shop.example/caf%C3%A9":                     "/café",
		"about:srcdoc":                                       "about:srcdoc",
		"about:blank":                                        "about:blank",
		"data:text/html,<img src=x>":                         "data:",
		"":                                                   "/",
		"%%%":                                                "/",
		"https://shop.example/" + strings.Repeat("p", 300): "/" + strings.Repeat("p", maxPathBytes-1),
	} {
		assert.Equal(t, want, documentPath(doc), "%q", doc)
	}
}
