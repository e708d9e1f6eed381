//go:build e2e

package e2e

import (
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/consentgate/consent/middleware"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A first visit shows the banner, first in the keyboard order, and nothing
// reaches a tracker: not on the servers, not in Chrome's own network log.
func TestFirstVisitShowsBannerAndLoadsNoTracker(t *testing.T) {
	s := newSite(t)
	tb := newTab(t, s)
	tb.navigate("/shop")

	tb.do("waiting for the banner", chromedp.WaitVisible(chromedp.CSS(selBanner)))
	tb.finishAnimations()
	inView := eval[bool](tb, `(function () {
		var r = document.querySelector("#consentgate-banner").getBoundingClientRect();
		return r.width > 0 && r.height > 0 && r.top >= 0 && r.bottom <= innerHeight + 1;
	})()`)
	assert.True(t, inView, "the banner is inside the viewport")

	tb.press(kb.Tab)
	first := tb.focused()
	assert.True(t, eval[bool](tb, `document.activeElement.closest("#consentgate-banner") !== null`),
		"the first Tab stop is in the banner, got %s", first)

	settle()
	assert.Empty(t, s.a.Paths(), "tracker A received requests before consent")
	assert.Empty(t, s.b.Paths(), "tracker B received requests before consent")
	assert.Empty(t, tb.log.To(hostA), "Chrome sent requests to tracker A before consent")
	assert.Empty(t, tb.log.To(hostB), "Chrome sent requests to tracker B before consent")
	assert.NotContains(t, tb.cookies(), "consent", "no consent cookie before a choice")
	require.NotEmpty(t, tb.log.To("127.0.0.1"), "the network log works: it saw the page itself")
}

// Without JavaScript the banner is a plain form: its post answers 303 back
// to the very page (path and query), which then has no banner, and the
// consent cookie is set. The noscript pixel of a granted tracker loads
// only then.
func TestNoJavaScriptFormPostReturnsToThePage(t *testing.T) {
	for _, c := range []struct {
		name, button, method string
		trackersLoad         bool
	}{
		{"accept all", selAccept, "accept-all", true},
		{"reject all", selReject, "reject-all", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := newSite(t)
			tb := newTab(t, s)
			_, err := chromedp.Call(tb.ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
			require.NoError(t, err)
			tb.navigate("/shop?item=7&size=m")
			require.True(t, tb.present(selBanner), "banner on the first page")
			require.False(t, eval[bool](tb, `typeof window.trackerRuns !== "undefined"`), "scripts do not run")

			tb.clickAndLoad(c.button)
			// The post, then the page its redirect leads to (Chrome may
			// fetch the favicon in between).
			var posted bool
			var redirected *request
			for _, r := range tb.log.To("127.0.0.1") {
				switch {
				case r.URL == s.URL("/consent"):
					posted = true
				case posted && r.RedirectStatus != 0:
					redirected = &r
				}
			}
			require.True(t, posted, "the form posts to /consent")
			require.NotNil(t, redirected, "the post redirects")
			assert.Equal(t, s.URL("/shop?item=7&size=m"), redirected.URL, "the redirect leads back to the page")
			assert.EqualValues(t, 303, redirected.RedirectStatus, "with a 303 See Other")

			loc, err := chromedp.Run(tb.ctx, chromedp.Location())
			require.NoError(t, err)
			assert.Equal(t, s.URL("/shop?item=7&size=m"), loc, "the 303 lands on the same page")
			assert.False(t, tb.present(selBanner), "no banner after the choice")
			assert.True(t, tb.present(selSettings), "the settings control replaces it")
			cookie := tb.cookies()["consent"]
			require.NotNil(t, cookie, "consent cookie set")
			assert.True(t, cookie.HTTPOnly, "consent cookie is HttpOnly")
			// DevTools still evaluates with page scripts off.
			assert.Equal(t, c.method, tb.consentState().Consent.Method, "the choice the server recorded")

			settle()
			if c.trackersLoad {
				// Scripts are off, so only the <noscript> pixel of A and
				// the plain pixel of B load.
				assert.Equal(t, []string{"/ns.gif"}, s.a.Paths())
				assert.Equal(t, []string{"/px.gif"}, s.b.Paths())
			} else {
				assert.Empty(t, s.a.Paths())
				assert.Empty(t, s.b.Paths())
				assert.Empty(t, tb.log.To(hostA))
				assert.Empty(t, tb.log.To(hostB))
			}
		})
	}
}

// With JavaScript the banner's buttons decide without a reload: the banner
// goes, the settings control comes, the choice is announced, and the
// trackers of granted categories load on the next page — only those.
// Without an enforced CSP (CSP(CSPOff)); under enforce a grant reloads the
// page (TestCSPEnforceReloadsAfterAGrant).
func TestScriptDecidesWithoutReload(t *testing.T) {
	for _, c := range []struct {
		name   string
		decide func(tb *tab)
		method string
		// Paths each tracker must receive on the next page; nil: none.
		wantA, wantB []string
	}{
		{
			name:   "accept all",
			decide: func(tb *tab) { tb.click(selAccept) },
			method: "accept-all",
			wantA:  []string{"/t.js", "/loader.js"},
			wantB:  []string{"/px.gif"},
		},
		{
			name:   "reject all",
			decide: func(tb *tab) { tb.click(selReject) },
			method: "reject-all",
		},
		{
			name: "save analytics only in the dialog",
			decide: func(tb *tab) {
				tb.click(selManage)
				tb.do("waiting for the dialog", chromedp.WaitVisible(chromedp.CSS(selDialog+"[open]")))
				tb.click(selDialog + ` input[value="analytics"]`)
				tb.click(selDialog + ` button[value="save"]`)
				tb.do("waiting for the dialog to close", chromedp.WaitNotVisible(chromedp.CSS(selDialog)))
			},
			method: "custom",
			wantA:  []string{"/t.js", "/loader.js"},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := newSite(t, withMiddleware(middleware.CSP(middleware.CSPOff)))
			tb := newTab(t, s)
			tb.navigate("/shop")
			tb.do("waiting for the banner", chromedp.WaitVisible(chromedp.CSS(selBanner)))
			tb.markPage()

			decided := time.Now()
			c.decide(tb)
			tb.do("waiting for the banner to go", chromedp.WaitNotPresent(chromedp.CSS(selBanner)))
			tb.do("waiting for the settings control", chromedp.WaitVisible(chromedp.CSS(selSettings)))
			assert.True(t, tb.pageMarked(), "decided without a reload")
			tb.waitJS("the choice is announced", `document.querySelector("#consentgate-live") && document.querySelector("#consentgate-live").textContent !== ""`)
			assert.Equal(t, "status", eval[string](tb, `document.querySelector("#consentgate-live").getAttribute("role")`))
			assert.Equal(t, "Your cookie choice is saved.", eval[string](tb, `document.querySelector("#consentgate-live").textContent`))
			require.Contains(t, tb.cookies(), "consent", "consent cookie set")
			state := tb.consentState()
			assert.True(t, state.Decided)
			assert.Equal(t, c.method, state.Consent.Method)

			// Strip mode: the trackers were never in this page, so
			// nothing loads until the next one.
			settle()
			assert.Empty(t, s.a.Paths(), "no tracker A request before the next page")
			assert.Empty(t, s.b.Paths(), "no tracker B request before the next page")

			tb.reload()
			if c.wantA != nil {
				waitHits(t, s.a, c.wantA...)
				assert.NotEmpty(t, tb.log.To(hostA), "Chrome's log shows tracker A after consent")
			}
			if c.wantB != nil {
				waitHits(t, s.b, c.wantB...)
				assert.NotEmpty(t, tb.log.To(hostB), "Chrome's log shows tracker B after consent")
			}
			settle()
			if c.wantA == nil {
				assert.Empty(t, s.a.Paths(), "tracker A refused")
				assert.Empty(t, tb.log.To(hostA), "tracker A refused")
			}
			if c.wantB == nil {
				assert.Empty(t, s.b.Paths(), "tracker B refused")
				assert.Empty(t, tb.log.To(hostB), "tracker B refused")
			}
			for _, r := range append(tb.log.To(hostA), tb.log.To(hostB)...) {
				assert.True(t, r.At.After(decided), "tracker request %s came after consent", r.URL)
			}
			assert.False(t, tb.present(selBanner), "no banner on the next page")
			assert.True(t, tb.present(selSettings), "settings control on the next page")
		})
	}
}

// Manage Preferences opens the dialog, which works with the keyboard
// alone: Tab walks the checkboxes and then the buttons, Space ticks,
// Escape closes and gives focus back to the link that opened it, and
// Enter on Save records the choice.
func TestPreferencesDialogByKeyboard(t *testing.T) {
	s := newSite(t)
	tb := newTab(t, s)
	tb.navigate("/shop")
	tb.do("waiting for the banner", chromedp.WaitVisible(chromedp.CSS(selBanner)))

	// Tab to the Manage Preferences link: policy link, Accept, Reject, Manage.
	var order []string
	for range 4 {
		tb.press(kb.Tab)
		order = append(order, tb.focused())
	}
	require.True(t, eval[bool](tb, `document.activeElement.matches("#consentgate-banner a[data-consent-open]")`),
		"4 Tabs reach Manage Preferences; order %q", order)

	tb.press(kb.Enter)
	tb.do("waiting for the dialog", chromedp.WaitVisible(chromedp.CSS(selDialog+"[open]")))
	assert.True(t, eval[bool](tb, `document.activeElement.closest("dialog.cg-dialog") !== null`),
		"focus moves into the dialog, got %s", tb.focused())

	// Walk the dialog: the close button, the checkboxes, then the buttons,
	// in reading order. (Past the last control Chrome lets focus go to the
	// browser's own UI, as the HTML standard allows for a modal dialog.)
	want := []string{
		`button.cg-close`, `input[value="analytics"]`, `input[value="targeting"]`,
		`button[value="save"]`, `button[value="accept-all"]`, `button[value="reject-all"]`,
	}
	for i, w := range want {
		if i > 0 {
			tb.press(kb.Tab)
		}
		assert.True(t, eval[bool](tb, `document.activeElement.matches(`+strconv.Quote("dialog.cg-dialog "+w)+`)`),
			"Tab stop %d in the dialog: want %s, got %s", i+1, w, tb.focused())
	}
	assert.True(t, eval[bool](tb, `document.querySelector("dialog.cg-dialog input[value=essential]").disabled`),
		"essential is always on")

	tb.press(kb.Escape)
	tb.do("waiting for the dialog to close", chromedp.WaitNotVisible(chromedp.CSS(selDialog)))
	assert.True(t, eval[bool](tb, `document.activeElement.matches("#consentgate-banner a[data-consent-open]")`),
		"Escape returns focus to the opener, got %s", tb.focused())
	assert.True(t, tb.present(selBanner), "closing decides nothing")
	assert.NotContains(t, tb.cookies(), "consent", "closing decides nothing")

	// Reopen, tick analytics with Space, save with Enter.
	tb.press(kb.Enter)
	tb.do("waiting for the dialog", chromedp.WaitVisible(chromedp.CSS(selDialog+"[open]")))
	tb.do("focusing analytics", chromedp.Focus(chromedp.CSS(selDialog+` input[value="analytics"]`)))
	tb.press(" ")
	assert.True(t, eval[bool](tb, `document.querySelector("dialog.cg-dialog input[value=analytics]").checked`), "Space ticks")
	for !eval[bool](tb, `document.activeElement.matches('dialog.cg-dialog button[value="save"]')`) {
		require.True(t, eval[bool](tb, `document.activeElement.closest("dialog.cg-dialog") !== null`), "Tab reaches Save")
		tb.press(kb.Tab)
	}
	tb.press(kb.Enter)
	tb.do("waiting for the banner to go", chromedp.WaitNotPresent(chromedp.CSS(selBanner)))
	state := tb.consentState()
	assert.Equal(t, "custom", state.Consent.Method)
	assert.Equal(t, []string{"essential", "analytics"}, state.Consent.Granted)
}

// Withdrawing is as easy as giving: after Accept all, the settings control
// and one Reject all take everything back; the analytics cookie is expired
// and no tracker loads on the next page.
func TestWithdrawConsent(t *testing.T) {
	s := newSite(t)
	tb := newTab(t, s)
	tb.navigate("/shop")
	tb.click(selAccept) // giving: one click
	tb.do("waiting for the banner to go", chromedp.WaitNotPresent(chromedp.CSS(selBanner)))
	tb.navigate("/other")
	waitHits(t, s.a, "/t.js", "/loader.js")
	require.Contains(t, tb.cookies(), "_ta", "the analytics cookie is set once analytics is granted")

	// Withdrawing: the settings control on every page, then Reject all.
	tb.click(selSettings)
	tb.do("waiting for the dialog", chromedp.WaitVisible(chromedp.CSS(selDialog+"[open]")))
	assert.True(t, eval[bool](tb, `document.querySelector("dialog.cg-dialog input[value=analytics]").checked`),
		"the dialog shows the current grants")
	// In the dialog too, refusing looks exactly like accepting.
	dialogButtons := eval[[]map[string]string](tb, jsList([]string{selDialog + ` button[value="accept-all"]`, selDialog + ` button[value="reject-all"]`})+`.map(function (sel) {
		var c = getComputedStyle(document.querySelector(sel));
		return {font: c.fontSize + " " + c.fontWeight, padding: c.padding, background: c.backgroundColor, color: c.color, border: c.border};
	})`)
	assert.Equal(t, dialogButtons[0], dialogButtons[1], "Reject all has the weight of Accept all in the dialog")
	tb.click(selDialog + ` button[value="reject-all"]`) // withdrawing: two clicks
	tb.do("waiting for the dialog to close", chromedp.WaitNotVisible(chromedp.CSS(selDialog)))
	tb.waitJS("the withdrawal is announced", `document.querySelector("#consentgate-live") && document.querySelector("#consentgate-live").textContent !== ""`)
	assert.True(t, eval[bool](tb, `document.activeElement.matches("#consentgate-settings")`),
		"focus returns to the settings control, got %s", tb.focused())

	cookies := tb.cookies()
	assert.NotContains(t, cookies, "_ta", "the analytics cookie is expired on withdrawal")
	require.Contains(t, cookies, "consent")
	assert.Equal(t, "reject-all", tb.consentState().Consent.Method)

	withdrawn := time.Now()
	beforeA, beforeB := len(s.a.Paths()), len(s.b.Paths())
	tb.navigate("/shop")
	settle()
	assert.Len(t, s.a.Paths(), beforeA, "tracker A gets nothing after the withdrawal")
	assert.Len(t, s.b.Paths(), beforeB, "tracker B gets nothing after the withdrawal")
	for _, r := range append(tb.log.To(hostA), tb.log.To(hostB)...) {
		assert.True(t, r.At.Before(withdrawn), "no tracker request after the withdrawal: %s", r.URL)
	}
	assert.NotContains(t, tb.cookies(), "_ta", "the analytics cookie is not set again")
}

// In Defer mode the refused trackers stay in the page, inert, and the
// banner script switches on those of the granted categories after the
// choice, without a reload; the others stay inert. Without an enforced CSP:
// under enforce the page reloads instead (TestCSPEnforceReloadsAfterAGrant).
func TestDeferModeActivatesTrackersWithoutReload(t *testing.T) {
	for _, c := range []struct {
		name   string
		decide func(tb *tab)
		wantA  []string
		wantB  []string
		runs   int // tracker scripts that ran
	}{
		{
			name:   "accept all",
			decide: func(tb *tab) { tb.click(selAccept) },
			wantA:  []string{"/t.js", "/loader.js"},
			wantB:  []string{"/px.gif"},
			runs:   2,
		},
		{
			name: "save analytics only",
			decide: func(tb *tab) {
				tb.click(selManage)
				tb.do("waiting for the dialog", chromedp.WaitVisible(chromedp.CSS(selDialog+"[open]")))
				tb.click(selDialog + ` input[value="analytics"]`)
				tb.click(selDialog + ` button[value="save"]`)
			},
			wantA: []string{"/t.js", "/loader.js"},
			runs:  2,
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := newSite(t, withMiddleware(middleware.TagMode(middleware.Defer), middleware.CSP(middleware.CSPOff)))
			tb := newTab(t, s)
			tb.navigate("/shop")
			tb.do("waiting for the banner", chromedp.WaitVisible(chromedp.CSS(selBanner)))
			assert.Equal(t, 2, eval[int](tb, `document.querySelectorAll('script[type="text/plain"][data-consent-category="analytics"]').length`),
				"the tracker script and the inline loader are kept inert")
			assert.Equal(t, 1, eval[int](tb, `document.querySelectorAll('img[data-consent-category="targeting"]:not([src])').length`),
				"the pixel is kept inert")
			settle()
			require.Empty(t, s.a.Paths(), "inert tags load nothing")
			require.Empty(t, s.b.Paths(), "inert tags load nothing")
			require.Empty(t, tb.log.To(hostA))
			require.Empty(t, tb.log.To(hostB))

			tb.markPage()
			c.decide(tb)
			tb.do("waiting for the banner to go", chromedp.WaitNotPresent(chromedp.CSS(selBanner)))
			waitHits(t, s.a, c.wantA...)
			waitHits(t, s.b, c.wantB...)
			tb.waitJS("the tracker scripts ran", `window.trackerRuns && window.trackerRuns.length === `+strconv.Itoa(c.runs))
			assert.True(t, tb.pageMarked(), "the trackers ran without a reload")
			if c.wantB == nil {
				settle()
				assert.Empty(t, s.b.Paths(), "the refused tracker stays inert")
				assert.Empty(t, tb.log.To(hostB), "the refused tracker stays inert")
			}
		})
	}
}
