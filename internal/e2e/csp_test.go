//go:build e2e

package e2e

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/consentgate/consent"
	"github.com/consentgate/consent/middleware"
	"github.com/consentgate/consent/store"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// violationWatch collects the page's securitypolicyviolation events. It is
// installed before any page script runs, and scripts the DevTools protocol
// adds are exempt from the page's CSP, so the watch itself causes none.
const violationWatch = `window.e2eViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
	window.e2eViolations.push(e.effectiveDirective + " " + e.blockedURI);
});`

// In every CSP mode of the middleware, with and without the site's own
// strict Content-Security-Policy, the banner is styled, its script works,
// the consent endpoint answers, and no policy reports a violation by any
// channel: the page's event, the site policy's report-uri, or Chrome's
// console. Under enforce the grant reloads the page, which then comes with
// the visitor's new policy.
func TestStrictCSP(t *testing.T) {
	const nonce = "XYZ"
	for _, c := range []struct {
		name, csp string
		// Selectors of how the assets must come.
		style, script string
	}{
		{
			name:   "no site policy: inline assets",
			style:  `style:not([nonce])`,
			script: `script[data-prefix]:not([src]):not([nonce])`,
		},
		{
			// Inline styles are not allowed, so the middleware links
			// both assets as files: 'self' admits the stylesheet, the
			// nonce the script.
			name:   "style-src self: assets as files",
			csp:    "default-src 'self'; script-src 'nonce-" + nonce + "' 'strict-dynamic'; style-src 'self'; report-uri /csp-report",
			style:  `link[rel="stylesheet"][href^="/consent/assets/banner.css"]`,
			script: `script[nonce][src^="/consent/assets/banner.js"]`,
		},
		{
			name:   "nonce for both: inline assets",
			csp:    "default-src 'self'; script-src 'nonce-" + nonce + "' 'strict-dynamic'; style-src 'nonce-" + nonce + "'; report-uri /csp-report",
			style:  `style[nonce]`,
			script: `script[nonce][data-prefix]:not([src])`,
		},
	} {
		for _, mode := range []middleware.CSPMode{middleware.CSPOff, middleware.CSPReport, middleware.CSPEnforce} {
			t.Run(c.name+"/csp "+mode.String(), func(t *testing.T) {
				opts := []siteOption{withMiddleware(middleware.CSP(mode))}
				if c.csp != "" {
					opts = append(opts, withCSP(c.csp, nonce))
				}
				s := newSite(t, opts...)
				tb := newTab(t, s)
				_, err := chromedp.Call(tb.ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: violationWatch})
				require.NoError(t, err)
				tb.navigate("/shop")
				tb.do("waiting for the banner", chromedp.WaitVisible(chromedp.CSS(selBanner)))

				assert.True(t, tb.present(c.style), "stylesheet as %s", c.style)
				assert.True(t, tb.present(c.script), "script as %s", c.script)
				styled := eval[map[string]string](tb, `(function () {
				var b = getComputedStyle(document.querySelector("#consentgate-banner"));
				var a = getComputedStyle(document.querySelector('#consentgate-banner button[value="accept-all"]'));
				return {position: b.position, background: a.backgroundColor};
			})()`)
				assert.Equal(t, "fixed", styled["position"], "the banner's stylesheet applies")
				assert.Equal(t, "rgb(29, 78, 216)", styled["background"], "the buttons are styled")

				// The script works: the dialog opens (it fetches the
				// consent endpoint) and closes.
				tb.markPage()
				tb.click(selManage)
				tb.do("waiting for the dialog", chromedp.WaitVisible(chromedp.CSS(selDialog+"[open]")))
				tb.press(kb.Escape)
				tb.do("waiting for the dialog to close", chromedp.WaitNotVisible(chromedp.CSS(selDialog)))
				settle()
				assert.Empty(t, eval[[]string](tb, `window.e2eViolations`), "securitypolicyviolation events")
				assert.Empty(t, s.cspReports.Paths(), "reports to report-uri")
				assert.Empty(t, cspMessages(tb), "CSP messages in the console")

				// Accept all decides by the script: without a reload, or,
				// under enforce, with one that brings the new policy.
				if mode == middleware.CSPEnforce {
					tb.clickAndLoad(selAccept)
					tb.do("waiting for the settings control", chromedp.WaitVisible(chromedp.CSS(selSettings)))
					assert.False(t, tb.pageMarked(), "the grant reloaded the page")
				} else {
					tb.click(selAccept)
					tb.do("waiting for the banner to go", chromedp.WaitNotPresent(chromedp.CSS(selBanner)))
					tb.do("waiting for the settings control", chromedp.WaitVisible(chromedp.CSS(selSettings)))
					assert.True(t, tb.pageMarked(), "decided by the script, without a reload")
				}
				assert.False(t, tb.present(selBanner))
				assert.Equal(t, "accept-all", tb.consentState().Consent.Method, "the endpoint recorded the choice")
				if c.csp == "" {
					return
				}

				// The watch works: a request the site's policy forbids
				// shows up in all three channels.
				eval[bool](tb, `(function () { var i = new Image(); i.src = "`+s.b.Origin()+`/probe.gif"; document.body.appendChild(i); return true; })()`)
				tb.waitJS("the probe's violation event", `window.e2eViolations.length > 0`)
				deadline := time.Now().Add(5 * time.Second)
				for (len(s.cspReports.Paths()) == 0 || len(cspMessages(tb)) == 0) && time.Now().Before(deadline) {
					time.Sleep(20 * time.Millisecond)
				}
				assert.NotEmpty(t, s.cspReports.Paths(), "the probe's report reaches report-uri")
				assert.NotEmpty(t, cspMessages(tb), "the probe's violation is in the console")
			})
		}
	}
}

// Under CSP enforce, a grant reloads the page so that it comes with the
// policy that allows the granted trackers, in Strip and in Defer mode: the
// granted trackers end up running, the refused ones are never contacted.
func TestCSPEnforceReloadsAfterAGrant(t *testing.T) {
	for _, mode := range []middleware.Mode{middleware.Strip, middleware.Defer} {
		for _, c := range []struct {
			name   string
			decide func(tb *tab)
			runs   int  // tracker scripts that run after the reload
			wantB  bool // tracker B (advertising) is contacted
		}{
			{"accept all", func(tb *tab) { tb.clickAndLoad(selAccept) }, 2, true},
			{"save analytics only", func(tb *tab) {
				tb.click(selManage)
				tb.do("waiting for the dialog", chromedp.WaitVisible(chromedp.CSS(selDialog+"[open]")))
				tb.click(selDialog + ` input[value="analytics"]`)
				tb.clickAndLoad(selDialog + ` button[value="save"]`)
			}, 2, false},
		} {
			t.Run(mode.String()+"/"+c.name, func(t *testing.T) {
				s := newSite(t, withMiddleware(middleware.TagMode(mode), middleware.CSP(middleware.CSPEnforce)))
				tb := newTab(t, s)
				tb.navigate("/shop")
				tb.do("waiting for the banner", chromedp.WaitVisible(chromedp.CSS(selBanner)))
				settle()
				require.Empty(t, tb.log.To(hostA), "nothing before consent")
				require.Empty(t, tb.log.To(hostB), "nothing before consent")
				tb.markPage()

				c.decide(tb)
				tb.waitJS("the tracker scripts ran", `window.trackerRuns && window.trackerRuns.length === `+strconv.Itoa(c.runs))
				assert.False(t, tb.pageMarked(), "the page was reloaded")
				assert.False(t, tb.present(selBanner))
				waitHits(t, s.a, "/t.js", "/loader.js")
				if c.wantB {
					waitHits(t, s.b, "/px.gif")
				} else {
					settle()
					assert.Empty(t, s.b.Paths(), "the refused tracker is never contacted")
				}
			})
		}
	}
}

// cspMessages returns the console messages about the Content Security
// Policy.
func cspMessages(tb *tab) []string {
	var out []string
	for _, m := range tb.log.Messages() {
		if strings.Contains(m, "Content Security Policy") {
			out = append(out, m)
		}
	}
	return out
}

// Under enforce, for a visitor who decided nothing, a third party the policy
// declares as a service loads (host and port as the page names them), and
// one it does not declare at all is refused, though the rewriter keeps its
// tag: the browser enforces what no declaration covers.
func TestCSPAllowsServicesAndRefusesUndeclaredHosts(t *testing.T) {
	cdn, other := newTracker(t, "cdn.localhost"), newTracker(t, "other.localhost")
	policy := testPolicy()
	policy.Services = []consent.Service{{Name: "Test CDN", Purpose: "Serves the shop's images.", Hosts: []string{"cdn.localhost"}}}
	mw, err := middleware.New(policy, middleware.Keys(store.KeyPair{Hash: randomBytes(32), Block: randomBytes(32)}),
		middleware.InsecureDev(), middleware.Logger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	require.NoError(t, err)
	srv := httptest.NewServer(mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, `<!doctype html><html lang="en"><head><title>Shop</title></head><body><main><h1>Shop</h1>`+
			`<img src="`+cdn.Origin()+`/logo.gif" width="20" height="20" alt="">`+
			`<img src="`+other.Origin()+`/banner.gif" width="20" height="20" alt=""></main></body></html>`)
	})))
	t.Cleanup(srv.Close)
	tb := newTab(t, &site{srv: srv})
	tb.navigate("/")
	waitHits(t, cdn, "/logo.gif")
	settle()
	assert.Empty(t, other.Paths(), "the undeclared host is refused")
	assert.True(t, tb.present(`img[src$="/banner.gif"]`), "the rewriter kept its tag: the browser refused it")
	assert.NotEmpty(t, cspMessages(tb), "Chromium says why")
}
