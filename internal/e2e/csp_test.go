//go:build e2e

package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
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

// Under a strict Content-Security-Policy the banner is still styled and
// its script still works, with no violation reported by any channel: the
// page's event, the policy's report-uri, or Chrome's console.
func TestStrictCSP(t *testing.T) {
	const nonce = "XYZ"
	for _, c := range []struct {
		name, csp string
		// Selectors of how the assets must come.
		style, script string
	}{
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
		t.Run(c.name, func(t *testing.T) {
			s := newSite(t, withCSP(c.csp, nonce))
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

			// The script works: the dialog opens and closes, Accept all
			// decides without a reload.
			tb.markPage()
			tb.click(selManage)
			tb.do("waiting for the dialog", chromedp.WaitVisible(chromedp.CSS(selDialog+"[open]")))
			tb.press(kb.Escape)
			tb.do("waiting for the dialog to close", chromedp.WaitNotVisible(chromedp.CSS(selDialog)))
			tb.click(selAccept)
			tb.do("waiting for the banner to go", chromedp.WaitNotPresent(chromedp.CSS(selBanner)))
			tb.do("waiting for the settings control", chromedp.WaitVisible(chromedp.CSS(selSettings)))
			assert.True(t, tb.pageMarked(), "decided by the script, without a reload")

			settle()
			assert.Empty(t, eval[[]string](tb, `window.e2eViolations`), "securitypolicyviolation events")
			assert.Empty(t, s.cspReports.Paths(), "reports to report-uri")
			assert.Empty(t, cspMessages(tb), "CSP messages in the console")

			// The watch works: a request the policy forbids shows up in
			// all three channels.
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
