//go:build e2e

package e2e

import (
	"testing"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/consentgate/consent/middleware"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// jsConsent is what window.ConsentGate.get() resolves to and what the
// callbacks and the consentgate:change event receive.
type jsConsent struct {
	Decided       bool     `json:"decided"`
	Granted       []string `json:"granted"`
	Method        *string  `json:"method"`
	PolicyVersion string   `json:"policyVersion"`
}

func (c jsConsent) method() string {
	if c.Method == nil {
		return "<null>"
	}
	return *c.Method
}

// jsapiWatch registers, from the page's side, a callback that stays, one
// that the test unregisters after the first change, one function registered
// twice and unregistered once at once, and a listener of the event; each
// keeps what it received.
const jsapiWatch = `(function () {
	window.e2eCalls = []; window.e2eOnce = []; window.e2eEvents = []; window.e2eTwice = [];
	var twice = function (c) { e2eTwice.push(c); }, off;
	ConsentGate.onChange(twice); off = ConsentGate.onChange(twice); off(); off();
	ConsentGate.onChange(function (c) { e2eCalls.push(c); });
	window.e2eOff = ConsentGate.onChange(function (c) { e2eOnce.push(c); });
	document.addEventListener("consentgate:change", function (e) { e2eEvents.push(e.detail); });
	return true;
})()`

// The site's scripts learn the visitor's consent from window.ConsentGate:
// get() before and after a decision, open() opens the preferences dialog,
// and every choice made on the page reaches each onChange callback and the
// consentgate:change event once, with the granted categories; a callback
// unregistered hears nothing more. The same inline, as files, and under the
// site's strict policy with a nonce (both ways the middleware then delivers
// the script), and on the next page, which has the settings control only.
func TestJSAPI(t *testing.T) {
	const nonce = "N0nce"
	for _, c := range []struct {
		name   string
		opts   []siteOption
		script string // how the script must come
	}{
		{"inline", nil, `script[data-prefix]:not([src])`},
		{"AssetFiles", []siteOption{withMiddleware(middleware.AssetFiles())}, `script[defer][src^="/consent/assets/banner.js"]`},
		{"site policy with a nonce: files", []siteOption{withCSP(
			"default-src 'self'; script-src 'nonce-"+nonce+"' 'strict-dynamic'; style-src 'self'", nonce)},
			`script[nonce][src^="/consent/assets/banner.js"]`},
		{"site policy with a nonce: inline", []siteOption{withCSP(
			"default-src 'self'; script-src 'nonce-"+nonce+"' 'strict-dynamic'; style-src 'nonce-"+nonce+"'", nonce)},
			`script[nonce]:not([src])`},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := newSite(t, append([]siteOption{withMiddleware(middleware.CSP(middleware.CSPOff))}, c.opts...)...)
			tb := newTab(t, s)
			_, err := chromedp.Call(tb.ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: violationWatch})
			require.NoError(t, err)
			tb.navigate("/shop")
			tb.do("waiting for the banner", chromedp.WaitVisible(chromedp.CSS(selBanner)))
			require.True(t, tb.present(c.script), "script as %s", c.script)
			tb.waitJS("the API", `window.ConsentGate && typeof ConsentGate.get === "function" && typeof ConsentGate.open === "function" && typeof ConsentGate.onChange === "function"`)
			tb.markPage()

			before := eval[jsConsent](tb, `ConsentGate.get()`)
			assert.Equal(t, jsConsent{Decided: false, Granted: []string{"essential"}, PolicyVersion: "1"}, before, "undecided: only the required category")
			eval[bool](tb, jsapiWatch)

			tb.click(selAccept)
			tb.do("waiting for the settings control", chromedp.WaitVisible(chromedp.CSS(selSettings)))
			tb.waitJS("the callback", `e2eCalls.length > 0`)
			all := []string{"essential", "analytics", "targeting"}
			after := eval[jsConsent](tb, `ConsentGate.get()`)
			assert.Equal(t, jsConsent{Decided: true, Granted: all, PolicyVersion: "1"}, jsConsent{after.Decided, after.Granted, nil, after.PolicyVersion})
			assert.Equal(t, "accept-all", after.method())
			assert.Equal(t, 1, eval[int](tb, `e2eOnce.length`), "the second callback heard the change")
			eval[bool](tb, `e2eOff(), e2eOff(), true`) // a second call is harmless

			// open() opens the dialog, as the settings control does.
			assert.True(t, eval[bool](tb, `ConsentGate.open().then(function (v) { return v === undefined; })`), "open() resolves once the dialog is open")
			tb.do("waiting for the dialog", chromedp.WaitVisible(chromedp.CSS(selDialog+"[open]")))
			assert.Equal(t, 1, eval[int](tb, `document.querySelectorAll("dialog").length`))
			tb.click(selDialog + ` input[value="targeting"]`)
			tb.click(selDialog + ` button[value="save"]`)
			tb.do("waiting for the dialog to close", chromedp.WaitNotVisible(chromedp.CSS(selDialog)))
			tb.waitJS("the second change", `e2eCalls.length > 1`)
			settle()

			calls := eval[[]jsConsent](tb, `e2eCalls`)
			events := eval[[]jsConsent](tb, `e2eEvents`)
			require.Len(t, calls, 2, "one call per change")
			require.Len(t, events, 2, "one event per change")
			for i, want := range []struct {
				granted []string
				method  string
			}{{all, "accept-all"}, {[]string{"essential", "analytics"}, "custom"}} {
				for what, got := range map[string]jsConsent{"callback": calls[i], "event": events[i]} {
					assert.True(t, got.Decided, "%s %d", what, i)
					assert.Equal(t, want.granted, got.Granted, "%s %d: the granted categories", what, i)
					assert.Equal(t, want.method, got.method(), "%s %d", what, i)
					assert.Equal(t, "1", got.PolicyVersion, "%s %d", what, i)
				}
			}
			assert.Equal(t, 1, eval[int](tb, `e2eOnce.length`), "an unregistered callback hears nothing more")
			assert.Equal(t, 2, eval[int](tb, `e2eTwice.length`), "of a function registered twice, unregistering one leaves the other")
			assert.True(t, eval[bool](tb, `e2eCalls[1] === e2eEvents[1] && Object.isFrozen(e2eCalls[1])`), "one frozen object for all")
			got := eval[jsConsent](tb, `ConsentGate.get()`)
			assert.Equal(t, []string{"essential", "analytics"}, got.Granted, "get() after the second change")
			assert.Equal(t, "custom", got.method())
			assert.True(t, tb.pageMarked(), "no reload")
			assert.Equal(t, "custom", tb.consentState().Consent.Method, "the endpoint agrees")

			// The next page has the settings control only, and the API.
			tb.reload()
			tb.do("waiting for the settings control", chromedp.WaitVisible(chromedp.CSS(selSettings)))
			require.False(t, tb.present(selBanner))
			tb.waitJS("the API", `window.ConsentGate && typeof ConsentGate.get === "function"`)
			got = eval[jsConsent](tb, `ConsentGate.get()`)
			assert.Equal(t, jsConsent{Decided: true, Granted: []string{"essential", "analytics"}, PolicyVersion: "1"}, jsConsent{got.Decided, got.Granted, nil, got.PolicyVersion})
			assert.Equal(t, "custom", got.method())
			assert.Empty(t, eval[[]string](tb, `window.e2eViolations`), "securitypolicyviolation events")
			assert.Empty(t, cspMessages(tb), "CSP messages in the console")
		})
	}
}

// A page that loads the banner script twice keeps one API and one set of
// listeners: a choice is posted once and reported once, the dialog opens
// once.
func TestJSAPILoadedTwice(t *testing.T) {
	for _, c := range []struct {
		name string
		opts []siteOption
	}{
		{"inline", nil},
		{"AssetFiles", []siteOption{withMiddleware(middleware.AssetFiles())}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := newSite(t, append([]siteOption{withMiddleware(middleware.CSP(middleware.CSPOff))}, c.opts...)...)
			tb := newTab(t, s)
			tb.navigate("/shop")
			tb.do("waiting for the banner", chromedp.WaitVisible(chromedp.CSS(selBanner)))
			tb.waitJS("the API", `window.ConsentGate && typeof ConsentGate.onChange === "function"`)
			eval[bool](tb, `window.e2eFirst = ConsentGate; window.e2eCalls = []; ConsentGate.onChange(function (c) { e2eCalls.push(c); }); true`)
			// A second copy, as a page that includes it itself would.
			eval[bool](tb, `new Promise(function (done) {
				var o = document.querySelector("script[data-prefix]"), s = document.createElement("script");
				s.setAttribute("data-prefix", "/consent");
				if (o.src) { s.src = o.src; s.onload = function () { done(true); }; document.body.appendChild(s); }
				else { s.textContent = o.textContent; document.body.appendChild(s); done(true); }
			})`)
			assert.Equal(t, 2, eval[int](tb, `document.querySelectorAll("script[data-prefix]").length`))
			assert.True(t, eval[bool](tb, `window.ConsentGate === e2eFirst`), "the first API stays")

			tb.click(selManage)
			tb.do("waiting for the dialog", chromedp.WaitVisible(chromedp.CSS(selDialog+"[open]")))
			settle()
			assert.Equal(t, 1, eval[int](tb, `document.querySelectorAll("dialog").length`), "one dialog")
			tb.click(selDialog + ` button[value="accept-all"]`)
			tb.do("waiting for the settings control", chromedp.WaitVisible(chromedp.CSS(selSettings)))
			tb.waitJS("the callback", `e2eCalls.length > 0`)
			settle()
			assert.Equal(t, 1, eval[int](tb, `e2eCalls.length`), "one change, one call")
			posts := 0
			for _, r := range tb.log.To("127.0.0.1") {
				if r.URL == s.URL("/consent") {
					posts++
				}
			}
			// GET /consent for the dialog, then the POST.
			assert.Equal(t, 2, posts, "one GET and one POST to /consent, not two of each")
		})
	}
}

// Under CSP enforce a grant reloads the page: the callbacks and the event
// come first, once, with the new consent; the reloaded page has it too.
func TestJSAPIBeforeTheReload(t *testing.T) {
	s := newSite(t, withMiddleware(middleware.CSP(middleware.CSPEnforce)))
	tb := newTab(t, s)
	tb.navigate("/shop")
	tb.do("waiting for the banner", chromedp.WaitVisible(chromedp.CSS(selBanner)))
	// sessionStorage outlives the reload; the page's own state does not.
	eval[bool](tb, `(function () {
		function keep(k, c) { var a = JSON.parse(sessionStorage.getItem(k) || "[]"); a.push(c); sessionStorage.setItem(k, JSON.stringify(a)); }
		ConsentGate.onChange(function (c) { keep("calls", c); });
		document.addEventListener("consentgate:change", function (e) { keep("events", e.detail); });
		return true;
	})()`)
	tb.markPage()
	tb.clickAndLoad(selAccept)
	tb.do("waiting for the settings control", chromedp.WaitVisible(chromedp.CSS(selSettings)))
	assert.False(t, tb.pageMarked(), "the grant reloaded the page")
	for _, k := range []string{"calls", "events"} {
		got := eval[[]jsConsent](tb, `JSON.parse(sessionStorage.getItem("`+k+`") || "[]")`)
		require.Len(t, got, 1, "%s: once, before the reload", k)
		assert.Equal(t, []string{"essential", "analytics", "targeting"}, got[0].Granted, k)
		assert.Equal(t, "accept-all", got[0].method(), k)
	}
	got := eval[jsConsent](tb, `ConsentGate.get()`)
	assert.True(t, got.Decided)
	assert.Equal(t, "accept-all", got.method(), "get() on the reloaded page")
}

// A callback that throws stops neither the callbacks after it, nor the
// event, nor the banner; its error reaches the page's error handlers.
func TestJSAPICallbackThrows(t *testing.T) {
	s := newSite(t, withMiddleware(middleware.CSP(middleware.CSPOff)))
	tb := newTab(t, s)
	tb.navigate("/shop")
	tb.do("waiting for the banner", chromedp.WaitVisible(chromedp.CSS(selBanner)))
	eval[bool](tb, `(function () {
		window.e2eErrors = []; window.e2eCalls = []; window.e2eEvents = [];
		// Handled here, so that the page reports no uncaught exception.
		window.addEventListener("error", function (e) { e2eErrors.push(String(e.error && e.error.message)); e.preventDefault(); });
		ConsentGate.onChange(function () { throw new Error("site bug"); });
		ConsentGate.onChange(function (c) { e2eCalls.push(c); });
		document.addEventListener("consentgate:change", function (e) { e2eEvents.push(e.detail); });
		return true;
	})()`)
	tb.markPage()
	tb.click(selReject)
	tb.do("waiting for the settings control", chromedp.WaitVisible(chromedp.CSS(selSettings)))
	tb.waitJS("the error is reported", `e2eErrors.length > 0`)
	assert.Equal(t, []string{"site bug"}, eval[[]string](tb, `e2eErrors`))
	calls := eval[[]jsConsent](tb, `e2eCalls`)
	require.Len(t, calls, 1, "the next callback ran")
	assert.Equal(t, []string{"essential"}, calls[0].Granted)
	assert.Equal(t, "reject-all", calls[0].method())
	assert.Equal(t, 1, eval[int](tb, `e2eEvents.length`), "the event went out")
	assert.False(t, tb.present(selBanner), "the banner finished its work")
	assert.True(t, tb.pageMarked(), "by the script, not by the form post")
}
