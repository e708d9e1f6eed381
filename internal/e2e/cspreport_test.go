//go:build e2e

package e2e

import (
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/consentgate/consent"
	"github.com/consentgate/consent/internal/vectors"
	"github.com/consentgate/consent/middleware"
	"github.com/consentgate/consent/store"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// newReportSite serves the vector pages with the built-in policy, behind
// the middleware built from opts, or bare when mw is false; it returns the
// middleware (nil when bare) so that a test can read its inventory. It
// serves HTTPS: Chromium registers a Reporting-Endpoints header only from
// an https page, and with report-to in the policy it then sends no
// report-uri reports either.
func newReportSite(t *testing.T, mw bool, opts ...middleware.Option) (*site, *middleware.Middleware) {
	t.Helper()
	if !mw {
		s := &site{srv: httptest.NewTLSServer(vectors.Handler())}
		t.Cleanup(s.srv.Close)
		return s, nil
	}
	keys := []store.KeyPair{{Hash: randomBytes(32), Block: randomBytes(32)}}
	base := []middleware.Option{middleware.Keys(keys...), middleware.InsecureDev(),
		middleware.Logger(slog.New(slog.NewTextHandler(io.Discard, nil)))}
	m, err := middleware.New(consent.DefaultPolicy(), append(base, opts...)...)
	require.NoError(t, err)
	s := &site{srv: httptest.NewTLSServer(m.Handler(vectors.Handler()))}
	t.Cleanup(s.srv.Close)
	return s, m
}

// reachedURLs is, per vector, the distinct tracker URLs whose requests
// reached the network: announced and not failed with blockedReason "csp".
// Distinct URLs, not requests: an EventSource reconnects as often as time
// allows, the set it contacts stays the same.
func (l *tabLog) reachedURLs() map[string][]string {
	l.mu.Lock()
	defer l.mu.Unlock()
	sets := map[string]map[string]bool{}
	for _, r := range l.reqs {
		u, err := url.Parse(r.URL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http" && u.Scheme != "wss" && u.Scheme != "ws") {
			continue
		}
		if h := u.Hostname(); h == "127.0.0.1" || strings.HasSuffix(h, "localhost") {
			continue
		}
		rest, ok := strings.CutPrefix(u.EscapedPath(), "/cg-")
		if !ok || l.blocked[r.ID] == network.BlockedReasonCsp {
			continue
		}
		name, _, _ := strings.Cut(rest, "/")
		if sets[name] == nil {
			sets[name] = map[string]bool{}
		}
		sets[name][u.Host+u.EscapedPath()] = true
	}
	out := make(map[string][]string, len(sets))
	for name, set := range sets {
		for u := range set {
			out[name] = append(out[name], u)
		}
		sort.Strings(out[name])
	}
	return out
}

// Under CSP report mode the vector pages behave exactly as they do without
// the header — the same tracker requests reach the network as from a bare
// server, and as from the middleware with CSP off — while the browser
// reports each of them to the report endpoint: the inventory then names
// every tracker host the pages contacted, with its directive, including
// those no tag in the page shows (fetch, workers, CSS, hosts built at run
// time). Report-only mode (ReportOnly, which turns CSP to report) is the
// rollout's first step; CSP(CSPReport) with the rewriter on is the second.
func TestCSPReportVectors(t *testing.T) {
	type run struct {
		name    string
		mw      bool
		opts    []middleware.Option
		reached map[string][]string
		m       *middleware.Middleware
	}
	runs := []*run{
		{name: "bare server", mw: false},
		{name: "report-only mode", mw: true, opts: []middleware.Option{middleware.ReportOnly(false)}},
		{name: "CSP off, undecided", mw: true, opts: []middleware.Option{middleware.CSP(middleware.CSPOff)}},
		{name: "CSP report, undecided", mw: true, opts: []middleware.Option{middleware.CSP(middleware.CSPReport)}},
	}
	for _, r := range runs {
		t.Run(r.name, func(t *testing.T) {
			s, m := newReportSite(t, r.mw, r.opts...)
			tb := newTab(t, s)
			visitVectors(tb, false)
			r.reached, r.m = tb.log.reachedURLs(), m
			if m != nil && m.ReportOnly() {
				require.Equal(t, "report", cspModeOf(t, s), "report-only mode sends the report-only header")
			}
		})
	}
	if t.Failed() {
		return
	}
	bare, reportOnly, off, report := runs[0], runs[1], runs[2], runs[3]
	vs := vectors.All()
	totals := make([]int, len(runs))
	for _, v := range vs {
		assert.Equal(t, bare.reached[v.Name], reportOnly.reached[v.Name], "%s: report-only mode changes what reaches the network", v.Name)
		assert.Equal(t, off.reached[v.Name], report.reached[v.Name], "%s: CSP report changes what reaches the network", v.Name)
		for i, r := range runs {
			totals[i] += len(r.reached[v.Name])
		}
	}
	for i, r := range runs {
		t.Logf("%-22s distinct tracker URLs that reached the network: %d", r.name, totals[i])
	}

	// Every tracker host a page contacted is in the inventory, and with
	// the directive of each vector whose document Chromium reports from.
	// Chromium sends the reports soon (short-reporting-delay); they are
	// waited for, within a bound.
	for _, r := range []*run{reportOnly, report} {
		t.Run("inventory after "+r.name, func(t *testing.T) {
			wantHosts := map[string]bool{}
			want := map[string][]string{} // "host directive" → vectors
			var unreported []string
			for _, v := range vs {
				if len(r.reached[v.Name]) == 0 || v.Beyond != "" {
					continue
				}
				wantHosts[v.Host] = true
				if why, ok := noReport[v.Name]; ok {
					unreported = append(unreported, v.Name+" ("+why+")")
					continue
				}
				k := v.Host + " " + v.Directive
				want[k] = append(want[k], v.Name)
			}
			require.NotEmpty(t, want)
			var missing, missingHosts []string
			deadline := time.Now().Add(15 * time.Second)
			for {
				got := map[string]middleware.SeenCSPReport{}
				gotHosts := map[string]bool{}
				for _, e := range r.m.Inventory().CSPReports {
					got[e.Host+" "+e.Directive] = e
					gotHosts[e.Host] = true
				}
				missing, missingHosts = missing[:0], missingHosts[:0]
				for k := range want {
					if _, ok := got[k]; !ok {
						missing = append(missing, k)
					}
				}
				for h := range wantHosts {
					if !gotHosts[h] {
						missingHosts = append(missingHosts, h)
					}
				}
				if len(missing)+len(missingHosts) == 0 || time.Now().After(deadline) {
					var table strings.Builder
					keys := make([]string, 0, len(got))
					for k := range got {
						keys = append(keys, k)
					}
					sort.Strings(keys)
					for _, k := range keys {
						e := got[k]
						fmt.Fprintf(&table, "  %-44s %-7s %-27s ×%d %v\n", k, e.Disposition, e.Tracker, e.Count, e.Paths)
					}
					sort.Strings(unreported)
					t.Logf("%d tracker hosts contacted, %d (host, directive) pairs expected; not reported by Chromium, so not required: %v; the inventory's CSP reports (%d):\n%s",
						len(wantHosts), len(want), unreported, len(got), table.String())
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
			sort.Strings(missing)
			sort.Strings(missingHosts)
			assert.Empty(t, missingHosts, "tracker hosts the pages contacted that the inventory does not name")
			for _, k := range missing {
				t.Errorf("not in the inventory: %s (vectors %v)", k, want[k])
			}
			for _, e := range r.m.Inventory().CSPReports {
				if !e.Keyword {
					assert.Equal(t, middleware.DispositionReport, e.Disposition, "%s %s: nothing is enforced", e.Host, e.Directive)
					assert.True(t, slices.Contains(vectors.Hosts, e.Host), "%s: only the vectors' tracker hosts are reported", e.Host)
					assert.NotEmpty(t, e.Tracker, "%s: the policy names the tracker", e.Host)
				}
			}
		})
	}
}

// noReport are the vectors whose violation Chromium (156) does not send
// through the Reporting API, which it uses instead of report-uri once a
// policy has report-to: a document or worker without response headers of
// its own has no Reporting-Endpoints to send to, and a prefetch is not
// reported. Their hosts still count: other vectors name each of them.
var noReport = map[string]string{
	"srcdoc-frame":          "srcdoc document",
	"data-frame":            "data: document",
	"blob-frame":            "blob: document",
	"about-blank":           "about:blank document",
	"worker-import-scripts": "worker",
	"blob-worker":           "blob: worker",
	"data-worker":           "data: worker",
	"link-prefetch":         "prefetch",
}

// cspModeOf reads which CSP header the site's vector page carries: "report"
// for the report-only one, "enforce", or "off".
func cspModeOf(t *testing.T, s *site) string {
	t.Helper()
	resp, err := s.srv.Client().Get(s.URL(vectors.PagePath("fetch")))
	require.NoError(t, err)
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	switch {
	case resp.Header.Get("Content-Security-Policy-Report-Only") != "":
		return "report"
	case resp.Header.Get("Content-Security-Policy") != "":
		return "enforce"
	}
	return "off"
}
