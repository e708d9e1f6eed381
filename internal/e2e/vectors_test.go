//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
	"github.com/consentgate/consent"
	"github.com/consentgate/consent/internal/vectors"
	"github.com/consentgate/consent/middleware"
	"github.com/consentgate/consent/store"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// newVectorSite serves the vector pages behind the middleware with the
// built-in policy, whose trackers declare the vectors' hosts.
func newVectorSite(t *testing.T, opts ...middleware.Option) *site {
	t.Helper()
	keys := []store.KeyPair{{Hash: randomBytes(32), Block: randomBytes(32)}}
	base := []middleware.Option{middleware.Keys(keys...), middleware.InsecureDev(),
		middleware.Logger(slog.New(slog.NewTextHandler(io.Discard, nil)))}
	mw, err := middleware.New(consent.DefaultPolicy(), append(base, opts...)...)
	require.NoError(t, err)
	s := &site{srv: httptest.NewServer(mw.Handler(vectors.Handler()))}
	t.Cleanup(s.srv.Close)
	return s
}

// vectorCount is what one vector's tracker requests came to.
type vectorCount struct {
	attempted, reached int
}

// vectorCounts sorts the tab's requests to tracker hosts by vector (the
// marker in their path): a request reached the network unless it failed
// with blockedReason "csp" (the browser announces a load, then its CSP
// blocks it); a WebSocket when the browser created it (Chromium checks the
// CSP before, and announces none it refuses).
func (l *tabLog) vectorCounts() map[string]vectorCount {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[string]vectorCount{}
	for _, r := range l.reqs {
		u, err := url.Parse(r.URL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http" && u.Scheme != "wss" && u.Scheme != "ws") {
			continue
		}
		if h := u.Hostname(); h == "127.0.0.1" || strings.HasSuffix(h, "localhost") {
			continue
		}
		rest, ok := strings.CutPrefix(u.EscapedPath(), "/cg-")
		if !ok {
			continue
		}
		name, _, _ := strings.Cut(rest, "/")
		c := out[name]
		c.attempted++
		if l.blocked[r.ID] != network.BlockedReasonCsp {
			c.reached++
		}
		out[name] = c
	}
	return out
}

// visitVectors loads every vector — those that work in a frame together in
// the index page, the others one by one — as the visitor the tab is, and
// returns the counts.
func visitVectors(tb *tab, accept bool) map[string]vectorCount {
	tb.t.Helper()
	tb.log.mu.Lock()
	tb.log.onWorker = func(id target.ID) {
		// The worker's own session reports its requests: attach to it with
		// the tab's listener (the workers wait a little before they fetch).
		ctx, _ := chromedp.NewContext(tb.ctx, chromedp.WithTargetID(id), chromedp.WithListener(tb.log.listen))
		_ = chromedp.Do(ctx)
	}
	tb.log.mu.Unlock()
	if accept {
		tb.navigate("/vectors/none")
		status := eval[int](tb, `fetch("/consent", {method: "POST", body: new URLSearchParams("action=accept-all"),
			headers: {Accept: "application/json"}}).then(function (r) { return r.status; })`)
		require.Equal(tb.t, 200, status, "accepting all")
	}
	tb.navigate(vectors.IndexPath)
	time.Sleep(1500 * time.Millisecond) // workers, fonts, media and frames start late
	for _, v := range vectors.All() {
		if v.Top {
			tb.navigate(vectors.PagePath(v.Name))
			if v.Name == "link-manifest" {
				// Chromium fetches a manifest when something asks for it
				// (installability, DevTools), not on page load; it fails
				// without the network, which is expected.
				mctx, cancel := context.WithTimeout(tb.ctx, 3*time.Second)
				_, _ = chromedp.Call(mctx, page.GetAppManifest, page.GetAppManifestParams{})
				cancel()
			}
			time.Sleep(400 * time.Millisecond)
		}
	}
	return tb.log.vectorCounts()
}

// Under CSP enforce, an undecided visitor's browser sends nothing to any
// tracker host, whichever of the vectors a page uses — including the many
// the server-side rewriter cannot see — and after Accept all the same pages
// reach them. The baseline, CSP off, shows what the rewriter alone lets
// through, and report mode lets through the same. The per-vector table goes
// to the test log.
func TestCSPVectors(t *testing.T) {
	type state struct {
		name   string
		mode   middleware.CSPMode
		accept bool
	}
	const off, enforce, accepted, report = 0, 1, 2, 3
	states := []state{
		off:      {"off, undecided", middleware.CSPOff, false},
		enforce:  {"enforce, undecided", middleware.CSPEnforce, false},
		accepted: {"enforce, accept-all", middleware.CSPEnforce, true},
		report:   {"report, undecided", middleware.CSPReport, false},
	}
	counts := make([]map[string]vectorCount, len(states))
	for i, st := range states {
		t.Run(st.name, func(t *testing.T) {
			tb := newTab(t, newVectorSite(t, middleware.CSP(st.mode)))
			counts[i] = visitVectors(tb, st.accept)
		})
	}
	if t.Failed() {
		return
	}
	vs := vectors.All()
	require.GreaterOrEqual(t, len(vs), 30)
	var table strings.Builder
	widths := []int{16, 20, 21, 19}
	fmt.Fprintf(&table, "requests that reached the network (attempted), per vector:\n%-27s %-16s %16s %20s %21s %19s\n",
		"vector", "directive", "off, undecided", "enforce, undecided", "enforce, accept-all", "report, undecided")
	total := make([]int, len(states))
	reachedAfterAccept := 0
	var silent, beyond []string
	blockedTotal := 0
	for _, v := range vs {
		fmt.Fprintf(&table, "%-27s %-16s", v.Name, v.Directive)
		for i := range states {
			c := counts[i][v.Name]
			total[i] += c.reached
			fmt.Fprintf(&table, " %*s", widths[i], fmt.Sprintf("%d (%d)", c.reached, c.attempted))
		}
		table.WriteString("\n")
		if v.Beyond == "" {
			assert.Zero(t, counts[enforce][v.Name].reached, "%s: reached a tracker under enforce, undecided", v.Name)
		} else {
			beyond = append(beyond, v.Name+": "+v.Beyond)
			blockedTotal -= counts[enforce][v.Name].reached
		}
		// A report-only policy blocks nothing: the same requests as
		// without one.
		assert.Equal(t, counts[off][v.Name].reached > 0, counts[report][v.Name].reached > 0, "%s: report mode changes what reaches the network", v.Name)
		if counts[accepted][v.Name].reached > 0 {
			reachedAfterAccept++
		} else {
			silent = append(silent, v.Name)
		}
	}
	fmt.Fprintf(&table, "%-44s %16d %20d %21d %19d\n", "total", total[off], total[enforce], total[accepted], total[report])
	blockedTotal += total[enforce]
	t.Log(table.String())
	sort.Strings(silent)
	t.Logf("%d of %d vectors reached a tracker after accept-all; none in this Chromium: %v", reachedAfterAccept, len(vs), silent)
	t.Logf("beyond CSP (a navigation, not a fetch): %v", beyond)
	assert.Zero(t, blockedTotal, "tracker requests under enforce, undecided, of vectors CSP governs")
	assert.GreaterOrEqual(t, reachedAfterAccept, 30, "vectors that reach their tracker once granted")
	assert.Greater(t, total[off], total[enforce], "the baseline without CSP lets requests through")
}
