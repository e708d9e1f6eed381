//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Selectors of the markup under test.
const (
	selBanner   = "#consentgate-banner"
	selAccept   = `#consentgate-banner button[value="accept-all"]`
	selReject   = `#consentgate-banner button[value="reject-all"]`
	selManage   = `#consentgate-banner a[data-consent-open]`
	selSettings = "#consentgate-settings"
	selDialog   = "dialog.cg-dialog"
	selLive     = "#consentgate-live"
)

// request is one request Chrome reported sending (Network.requestWillBeSent).
type request struct {
	ID  network.RequestID
	URL string
	At  time.Time
	// RedirectStatus is the status of the redirect that led to this
	// request, 0 when none did.
	RedirectStatus int64
	// Socket marks a WebSocket (Network.webSocketCreated).
	Socket bool
}

// tabLog records what a tab reports from Chrome's side: the requests it
// sends, to back up what the servers saw (a request the browser blocked or
// never made shows up in neither), and its console and log messages, where
// Chrome reports CSP violations and script errors.
type tabLog struct {
	mu   sync.Mutex
	reqs []request
	msgs []string
	// blocked holds the requests that failed with a blocked reason
	// (Network.loadingFailed), by request ID.
	blocked map[network.RequestID]network.BlockedReason
	// onWorker, when set, is called (in a goroutine of its own) with each
	// worker target the tab attaches to, whose requests the tab's session
	// does not report.
	onWorker func(target.ID)
}

// listen runs in the tab's event loop (chromedp.WithListener): it only
// appends.
func (l *tabLog) listen(ev any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch e := ev.(type) {
	case *target.EventAttachedToTarget:
		if l.onWorker != nil && strings.Contains(e.TargetInfo.Type, "worker") {
			go l.onWorker(e.TargetInfo.TargetID)
		}
	case *network.EventLoadingFailed:
		if e.BlockedReason != "" {
			if l.blocked == nil {
				l.blocked = map[network.RequestID]network.BlockedReason{}
			}
			l.blocked[e.RequestID] = e.BlockedReason
		}
	case *network.EventWebSocketCreated:
		l.reqs = append(l.reqs, request{ID: e.RequestID, URL: e.URL, At: time.Now(), Socket: true})
	case *network.EventRequestWillBeSent:
		r := request{ID: e.RequestID, URL: e.Request.URL, At: time.Now()}
		if e.RedirectResponse != nil {
			r.RedirectStatus = e.RedirectResponse.Status
		}
		l.reqs = append(l.reqs, r)
	case *cdplog.EventEntryAdded:
		l.msgs = append(l.msgs, fmt.Sprintf("log %s %s: %s", e.Entry.Source, e.Entry.Level, e.Entry.Text))
	case *runtime.EventExceptionThrown:
		d := e.ExceptionDetails
		if d.Exception != nil && d.Exception.Description != "" {
			l.msgs = append(l.msgs, "exception: "+d.Exception.Description)
		} else {
			l.msgs = append(l.msgs, "exception: "+d.Text)
		}
	case *runtime.EventConsoleAPICalled:
		var args []string
		for _, a := range e.Args {
			if len(a.Value) > 0 {
				args = append(args, string(a.Value))
			} else {
				args = append(args, a.Description)
			}
		}
		l.msgs = append(l.msgs, fmt.Sprintf("console.%s: %s", e.Type, strings.Join(args, " ")))
	}
}

// To returns the requests to host, in order.
func (l *tabLog) To(host string) []request {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []request
	for _, r := range l.reqs {
		if u, err := url.Parse(r.URL); err == nil && u.Hostname() == host {
			out = append(out, r)
		}
	}
	return out
}

// Messages returns the console and log messages so far.
func (l *tabLog) Messages() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.msgs...)
}

// tab is one test's browser tab, in a browser context of its own (no
// cookies, cache or storage shared with other tests).
type tab struct {
	t    *testing.T
	ctx  context.Context
	site *site
	log  *tabLog
}

// newTab opens a tab for the test, or skips the test when there is no
// browser. Everything the tab does must finish within tabTimeout.
func newTab(t *testing.T, s *site) *tab {
	t.Helper()
	if browser.ctx == nil {
		t.Skip("e2e: " + browser.skipReason)
	}
	deadline, cancelDeadline := context.WithTimeout(browser.ctx, tabTimeout)
	tl := &tabLog{}
	ctx, cancel := chromedp.NewContext(deadline, chromedp.WithNewBrowserContext(), chromedp.WithListener(tl.listen))
	t.Cleanup(func() {
		cancel()
		cancelDeadline()
	})
	require.NoError(t, chromedp.Do(ctx), "opening a tab")
	t.Cleanup(func() {
		// Whatever a test checks, the banner's script must not throw.
		var thrown []string
		for _, m := range tl.Messages() {
			if strings.HasPrefix(m, "exception: ") {
				thrown = append(thrown, m)
			}
		}
		assert.Empty(t, thrown, "uncaught exceptions in the page")
	})
	tb := &tab{t: t, ctx: ctx, site: s, log: tl}
	tb.viewport(1280, 800, false)
	return tb
}

// in returns the tab for a subtest, whose failures are its own. Subtests
// that decide nothing share their parent's tab: a tab takes a while to
// open.
func (tb *tab) in(t *testing.T) *tab {
	c := *tb
	c.t = t
	return &c
}

// do runs actions, failing the test on an error.
func (tb *tab) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	require.NoError(tb.t, chromedp.Do(tb.ctx, actions...), what)
}

// navigate loads a path of the site and waits for the load event.
func (tb *tab) navigate(path string) {
	tb.t.Helper()
	tb.do("navigating to "+path, chromedp.Navigate(tb.site.URL(path)))
}

// reload reloads the page and waits for the load event.
func (tb *tab) reload() {
	tb.t.Helper()
	tb.do("reloading", chromedp.Reload())
}

// eval evaluates a JavaScript expression (awaiting a promise) into T.
func eval[T any](tb *tab, expr string) T {
	tb.t.Helper()
	v, err := chromedp.Run(tb.ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	require.NoError(tb.t, err, "evaluating %s", expr)
	return v
}

// waitJS waits until a JavaScript expression is truthy.
func (tb *tab) waitJS(what, expr string) {
	tb.t.Helper()
	_, err := chromedp.Run(tb.ctx, chromedp.Poll[chromedp.Void](expr,
		chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(10*time.Second)))
	require.NoError(tb.t, err, "waiting until %s (%s)", what, expr)
}

// finishAnimations waits until the page's running animations (the banner
// slides in) are over, so that positions are the final ones.
func (tb *tab) finishAnimations() {
	tb.t.Helper()
	eval[bool](tb, `Promise.all(document.getAnimations().map(function (a) { return a.finished; })).then(function () { return true; })`)
}

// present reports whether an element matches the CSS selector now.
func (tb *tab) present(sel string) bool {
	tb.t.Helper()
	return eval[bool](tb, "document.querySelector("+strconv.Quote(sel)+") !== null")
}

// click clicks the element with the mouse, as a visitor does. The mouse
// goes to where the element is, so a banner still sliding in is waited for.
func (tb *tab) click(sel string) {
	tb.t.Helper()
	tb.finishAnimations()
	tb.do("clicking "+sel, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
}

// clickAndLoad clicks an element that navigates and waits for the new page.
func (tb *tab) clickAndLoad(sel string) {
	tb.t.Helper()
	tb.finishAnimations()
	_, err := chromedp.RunResponse(tb.ctx, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
	require.NoError(tb.t, err, "clicking %s and waiting for the page", sel)
}

// press sends key presses (kb constants or text) to the focused element.
func (tb *tab) press(keys string) {
	tb.t.Helper()
	tb.do(fmt.Sprintf("pressing %q", keys), chromedp.KeyEvent(keys))
}

// focused describes document.activeElement for messages and comparisons:
// tag, id, class, value or href, and text.
func (tb *tab) focused() string {
	tb.t.Helper()
	return eval[string](tb, `(function () {
		var e = document.activeElement;
		if (!e || e === document.body) return "body";
		var s = e.tagName.toLowerCase();
		if (e.id) s += "#" + e.id;
		if (e.className) s += "." + String(e.className).split(" ").join(".");
		if (e.type === "checkbox") s += "[" + e.value + "]";
		else if (e.value) s += "[" + e.value + "]";
		var text = (e.textContent || "").trim();
		if (text) s += " " + JSON.stringify(text);
		return s;
	})()`)
}

// cookies returns the browser's cookies for the site, by name.
func (tb *tab) cookies() map[string]*network.Cookie {
	tb.t.Helper()
	res, err := chromedp.Call(tb.ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{tb.site.URL("/")}})
	require.NoError(tb.t, err, "reading cookies")
	out := make(map[string]*network.Cookie, len(res.Cookies))
	for _, c := range res.Cookies {
		out[c.Name] = c
	}
	return out
}

// consentState fetches GET /consent in the page, as the banner script does.
type consentState struct {
	Decided bool `json:"decided"`
	Consent struct {
		Granted []string `json:"granted"`
		Method  string   `json:"method"`
	} `json:"consent"`
}

func (tb *tab) consentState() consentState {
	tb.t.Helper()
	return eval[consentState](tb, `fetch("/consent", {headers: {Accept: "application/json"}}).then(function (r) { return r.json(); })`)
}

// viewport sets the size of the page's viewport (CSS pixels, scale 1).
func (tb *tab) viewport(width, height int64, mobile bool) {
	tb.t.Helper()
	_, err := chromedp.Call(tb.ctx, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{
		Width: width, Height: height, DeviceScaleFactor: 1, Mobile: mobile,
	})
	require.NoError(tb.t, err, "setting the viewport to %dx%d", width, height)
}

// markPage leaves a mark in the page's JavaScript state; pageMarked is
// false after any reload or navigation, so it proves that something
// happened without one.
func (tb *tab) markPage() {
	tb.t.Helper()
	eval[bool](tb, "window.e2eMark = true")
}

func (tb *tab) pageMarked() bool {
	tb.t.Helper()
	return eval[bool](tb, "window.e2eMark === true")
}

// screenshot saves a PNG of the viewport into testdata/artifacts/ and logs
// its path.
func (tb *tab) screenshot(name string) {
	tb.t.Helper()
	png, err := chromedp.Run(tb.ctx, chromedp.CaptureScreenshot())
	require.NoError(tb.t, err, "taking screenshot %s", name)
	dir := filepath.Join("testdata", "artifacts")
	require.NoError(tb.t, os.MkdirAll(dir, 0o755))
	path := filepath.Join(dir, name+".png")
	require.NoError(tb.t, os.WriteFile(path, png, 0o644))
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	tb.t.Logf("screenshot: %s", abs)
}

// waitHits waits until the tracker received a request for every path.
func waitHits(t *testing.T, tr *tracker, paths ...string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		missing := missingPaths(tr.Paths(), paths)
		if len(missing) == 0 {
			return
		}
		if time.Now().After(deadline) {
			require.Failf(t, "tracker requests missing", "%s never received %v (got %v)", tr.host, missing, tr.Paths())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func missingPaths(got, want []string) []string {
	var missing []string
	for _, w := range want {
		found := false
		for _, g := range got {
			if g == w {
				found = true
				break
			}
		}
		if !found {
			missing = append(missing, w)
		}
	}
	return missing
}

// settle waits a little for requests a page could still start (images,
// script-inserted scripts) before a test asserts that none came.
func settle() { time.Sleep(300 * time.Millisecond) }

// contrast returns the WCAG 2 contrast ratio of two CSS colours of the form
// getComputedStyle gives ("rgb(r, g, b)" or "rgba(r, g, b, a)"), the first
// composited over the second when it is translucent.
func contrast(t *testing.T, fg, bg string) float64 {
	t.Helper()
	f, b := parseRGBA(t, fg), parseRGBA(t, bg)
	for i := range 3 {
		f[i] = f[i]*f[3] + b[i]*(1-f[3])
	}
	lf, lb := luminance(f), luminance(b)
	if lf < lb {
		lf, lb = lb, lf
	}
	return (lf + 0.05) / (lb + 0.05)
}

func parseRGBA(t *testing.T, s string) [4]float64 {
	t.Helper()
	inner, ok := strings.CutPrefix(s, "rgba(")
	if !ok {
		inner, ok = strings.CutPrefix(s, "rgb(")
	}
	inner, ok2 := strings.CutSuffix(inner, ")")
	require.True(t, ok && ok2, "not an rgb() colour: %q", s)
	parts := strings.Split(inner, ",")
	require.True(t, len(parts) == 3 || len(parts) == 4, "not an rgb() colour: %q", s)
	c := [4]float64{0, 0, 0, 1}
	for i, p := range parts {
		v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		require.NoError(t, err, "colour %q", s)
		c[i] = v
	}
	for i := range 3 {
		c[i] /= 255
	}
	return c
}

// luminance is the WCAG 2 relative luminance of an sRGB colour (0..1).
func luminance(c [4]float64) float64 {
	lin := func(v float64) float64 {
		if v <= 0.04045 {
			return v / 12.92
		}
		return math.Pow((v+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(c[0]) + 0.7152*lin(c[1]) + 0.0722*lin(c[2])
}
