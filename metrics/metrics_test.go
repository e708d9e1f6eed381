package metrics_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/consentgate/consent"
	"github.com/consentgate/consent/consenttest"
	"github.com/consentgate/consent/metrics"
	"github.com/consentgate/consent/middleware"
	"github.com/consentgate/consent/store"
)

// page is a shop page with Google Analytics' tag, a pixel of a host no one
// declared, and the _ga cookie the handler sets.
const page = `<!doctype html><html><head><title>Shop</title>
<script async src="https://www.googletagmanager.com/gtag/js?id=G-TEST"></script>
</head><body><h1>Shop</h1>
<img src="https://pixel.unknown-tracker.example/p.gif?u=1" width="1" height="1" alt="">
</body></html>`

func site() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "_ga", Value: "GA1.1.42"})
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = fmt.Fprint(w, page)
	})
}

// ledger records in memory, or fails with err.
type ledger struct {
	store.Ledger
	err     error
	records int
}

func (l *ledger) Record(context.Context, store.Record) error {
	if l.err != nil {
		return l.err
	}
	l.records++
	return nil
}

type fixture struct {
	t   testing.TB
	mw  *middleware.Middleware
	h   http.Handler
	reg *prometheus.Registry
}

func newFixture(t testing.TB, l store.Ledger) *fixture {
	t.Helper()
	opts := []middleware.Option{
		middleware.Keys(store.KeyPair{Hash: []byte(strings.Repeat("k", 32))}),
		middleware.GPC(true), middleware.Beacons(true), middleware.CSP(middleware.CSPReport),
		middleware.Logger(slog.New(slog.DiscardHandler)),
	}
	if l != nil {
		opts = append(opts, middleware.Ledger(l))
	}
	mw, err := middleware.New(consent.DefaultPolicy(), opts...)
	require.NoError(t, err)
	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(metrics.NewCollector(mw)))
	return &fixture{t: t, mw: mw, h: mw.Handler(site()), reg: reg}
}

// visit requests path as v, with extra cookies.
func (f *fixture) visit(v consenttest.Visitor, path string, cookies ...*http.Cookie) *httptest.ResponseRecorder {
	req, err := consenttest.NewRequest(f.mw, v, path)
	require.NoError(f.t, err)
	for _, c := range cookies {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	return rec
}

// decide posts a choice as v, with the headers given as name, value pairs.
func (f *fixture) decide(v consenttest.Visitor, action string, header ...string) *httptest.ResponseRecorder {
	form := url.Values{"action": {action}}
	req := httptest.NewRequest(http.MethodPost, "/consent", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	c, err := consenttest.Cookie(f.mw, v)
	require.NoError(f.t, err)
	if c != nil {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	return rec
}

func (f *fixture) cspReport(method, contentType, body string) {
	req := httptest.NewRequest(method, "/consent/csp-report", strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	f.h.ServeHTTP(httptest.NewRecorder(), req)
}

// value returns the sample of the metric name whose labels are labels
// (name, value pairs): a counter's value, a histogram's count; -1 when
// there is no such series.
func (f *fixture) value(name string, labels ...string) float64 {
	f.t.Helper()
	families, err := f.reg.Gather()
	require.NoError(f.t, err)
	for _, fam := range families {
		if fam.GetName() != name {
			continue
		}
		for _, m := range fam.GetMetric() {
			if matches(m, labels) {
				if h := m.GetHistogram(); h != nil {
					return float64(h.GetSampleCount())
				}
				return m.GetCounter().GetValue()
			}
		}
	}
	return -1
}

func matches(m *dto.Metric, labels []string) bool {
	if len(m.GetLabel())*2 != len(labels) {
		return false
	}
	for _, l := range m.GetLabel() {
		i := slices.Index(labels, l.GetName())
		if i < 0 || i%2 != 0 || labels[i+1] != l.GetValue() {
			return false
		}
	}
	return true
}

func TestCollectorCountsWhatTheMiddlewareDid(t *testing.T) {
	type sample struct {
		name   string
		labels []string
		want   float64
	}
	cases := []struct {
		name   string
		ledger *ledger
		drive  func(f *fixture)
		want   func(f *fixture) []sample
	}{{
		name:  "an undecided visitor's page loses its tags and cookie",
		drive: func(f *fixture) { f.visit(consenttest.Undecided, "/") },
		want: func(f *fixture) []sample {
			tracker, category := "Google Analytics", "analytics" // gtag.js is GA's tag
			return []sample{
				{"consentgate_requests_total", []string{"state", "undecided"}, 1},
				{"consentgate_requests_total", []string{"state", "partial"}, 0},
				{"consentgate_pages_rewritten_total", nil, 1},
				{"consentgate_tags_removed_total", []string{"tracker", tracker, "category", category}, 1},
				{"consentgate_tags_removed_total", []string{"tracker", middleware.UndeclaredBeacon, "category", middleware.UndeclaredBeacon}, 1},
				{"consentgate_cookies_stripped_total", nil, 1},
			}
		},
	}, {
		name:  "an accepting visitor's page keeps everything",
		drive: func(f *fixture) { f.visit(consenttest.AcceptAll, "/") },
		want: func(f *fixture) []sample {
			tracker, category := "Google Analytics", "analytics" // gtag.js is GA's tag
			return []sample{
				{"consentgate_requests_total", []string{"state", "accept-all"}, 1},
				{"consentgate_tags_removed_total", []string{"tracker", tracker, "category", category}, -1}, // no series before a removal
				{"consentgate_cookies_stripped_total", nil, 0},
			}
		},
	}, {
		name: "a refusing visitor's old cookie is expired",
		drive: func(f *fixture) {
			f.visit(consenttest.RejectAll, "/", &http.Cookie{Name: "_ga", Value: "old"})
			f.visit(consenttest.Granting(consent.Analytics), "/")
		},
		want: func(*fixture) []sample {
			return []sample{
				{"consentgate_requests_total", []string{"state", "partial"}, 2},
				{"consentgate_cookies_expired_total", nil, 1},
			}
		},
	}, {
		name:   "decisions by action, each written to the ledger",
		ledger: &ledger{},
		drive: func(f *fixture) {
			f.decide(consenttest.Undecided, "accept-all")
			f.decide(consenttest.Undecided, "reject-all")
			f.decide(consenttest.AcceptAll, "reject-all")
			f.decide(consenttest.Undecided, "save")
			f.decide(consenttest.Undecided, "accept-all", "Sec-GPC", "1")
			f.decide(consenttest.Undecided, "reject-all", "Sec-GPC", "1") // nothing for GPC to limit
		},
		want: func(*fixture) []sample {
			return []sample{
				{"consentgate_decisions_total", []string{"action", "accept-all"}, 1},
				{"consentgate_decisions_total", []string{"action", "reject-all"}, 2},
				{"consentgate_decisions_total", []string{"action", "withdraw"}, 1},
				{"consentgate_decisions_total", []string{"action", "custom"}, 1},
				{"consentgate_decisions_total", []string{"action", "gpc"}, 1},
				{"consentgate_ledger_write_duration_seconds", nil, 6},
				{"consentgate_ledger_write_errors_total", nil, 0},
				{"consentgate_requests_total", []string{"state", "undecided"}, 0},
			}
		},
	}, {
		name:   "a failing ledger counts errors and no decision",
		ledger: &ledger{err: store.ErrLedgerUnavailable},
		drive: func(f *fixture) {
			f.decide(consenttest.Undecided, "accept-all")
			f.decide(consenttest.Undecided, "accept-all")
		},
		want: func(*fixture) []sample {
			return []sample{
				{"consentgate_decisions_total", []string{"action", "accept-all"}, 0},
				{"consentgate_ledger_write_duration_seconds", nil, 2},
				{"consentgate_ledger_write_errors_total", nil, 2},
			}
		},
	}, {
		name: "CSP reports accepted and refused",
		drive: func(f *fixture) {
			f.cspReport(http.MethodPost, "application/csp-report",
				`{"csp-report":{"document-uri":"https://shop.example/","blocked-uri":"https://www.googletagmanager.com/gtag/js","violated-directive":"script-src-elem","effective-directive":"script-src-elem"}}`)
			f.cspReport(http.MethodPost, "text/plain", "hello")
			f.cspReport(http.MethodGet, "", "")
			f.cspReport(http.MethodPost, "application/csp-report", "{not json")
		},
		want: func(*fixture) []sample {
			return []sample{
				{"consentgate_csp_reports_total", []string{"outcome", "accepted"}, 1},
				{"consentgate_csp_reports_total", []string{"outcome", "refused"}, 3},
			}
		},
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var l store.Ledger
			if c.ledger != nil {
				l = c.ledger
			}
			f := newFixture(t, l)
			c.drive(f)
			for _, s := range c.want(f) {
				assert.Equal(t, s.want, f.value(s.name, s.labels...), "%s%v", s.name, s.labels)
			}
		})
	}
}

// TestLabelsAreBounded floods the middleware with made-up hosts in pages,
// made-up paths and cookie names: the series are those of an idle
// middleware, whatever the traffic.
func TestLabelsAreBounded(t *testing.T) {
	f := newFixture(t, nil)
	idle := testutil.CollectAndCount(metrics.NewCollector(f.mw))
	require.Positive(t, idle)

	mw := f.mw
	h := mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := r.URL.Query().Get("n")
		http.SetCookie(w, &http.Cookie{Name: "made_up_" + n, Value: "1"})
		w.Header().Set("Content-Type", "text/html")
		_, _ = fmt.Fprintf(w, `<html><head></head><body><img src="https://t%s.flood-%s.example/p.gif" width="1" height="1">`+
			`<script src="https://cdn%s.example/x.js"></script></body></html>`, n, n, n)
	}))
	for i := range 500 {
		req := httptest.NewRequest(http.MethodGet, fmt.Sprintf("https://host%d.example/p/%d/?n=%d", i, i, i), nil)
		req.Header.Set("Accept", "text/html")
		req.AddCookie(&http.Cookie{Name: fmt.Sprintf("c%d", i), Value: "x"})
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
	assert.Equal(t, idle, testutil.CollectAndCount(metrics.NewCollector(mw)), "the flood added series")
	assert.Equal(t, float64(500), f.value("consentgate_requests_total", "state", "undecided"))
	assert.Equal(t, float64(500), f.value("consentgate_tags_removed_total",
		"tracker", middleware.UndeclaredBeacon, "category", middleware.UndeclaredBeacon))
	// Every tag series names a tracker the middleware enforces.
	known := map[string]bool{middleware.UndeclaredBeacon: true}
	for _, tr := range mw.Trackers() {
		known[tr.Name] = true
	}
	families, err := f.reg.Gather()
	require.NoError(t, err)
	for _, fam := range families {
		for _, m := range fam.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "tracker" {
					assert.True(t, known[l.GetValue()], "tracker label %q", l.GetValue())
				}
				assert.NotContains(t, l.GetValue(), "flood")
				assert.NotContains(t, l.GetValue(), "host")
			}
		}
	}
}

// TestCollectorLint runs Prometheus' own checks of names and help texts.
func TestCollectorLint(t *testing.T) {
	f := newFixture(t, nil)
	problems, err := testutil.CollectAndLint(metrics.NewCollector(f.mw))
	require.NoError(t, err)
	assert.Empty(t, problems)
}

// TestCollectAndCompare pins the exposition of the request and CSP
// counters after a few requests.
func TestCollectAndCompare(t *testing.T) {
	f := newFixture(t, nil)
	f.visit(consenttest.Undecided, "/")
	f.visit(consenttest.AcceptAll, "/")
	f.visit(consenttest.AcceptAll, "/")
	f.cspReport(http.MethodGet, "", "")
	want := `
# HELP consentgate_requests_total Requests passed to the site's handler, by the visitor's consent state.
# TYPE consentgate_requests_total counter
consentgate_requests_total{state="accept-all"} 2
consentgate_requests_total{state="partial"} 0
consentgate_requests_total{state="undecided"} 1
# HELP consentgate_csp_reports_total Deliveries to the CSP report endpoint, by outcome.
# TYPE consentgate_csp_reports_total counter
consentgate_csp_reports_total{outcome="accepted"} 0
consentgate_csp_reports_total{outcome="refused"} 1
`
	require.NoError(t, testutil.CollectAndCompare(metrics.NewCollector(f.mw), strings.NewReader(want),
		"consentgate_requests_total", "consentgate_csp_reports_total"))
}

// TestScrapeWhileServing scrapes while visitors load pages: run with
// -race, it shows the counters need no lock; the final scrape counts them
// all.
func TestScrapeWhileServing(t *testing.T) {
	f := newFixture(t, nil)
	const visitors, pages = 4, 25
	done := make(chan struct{})
	for range visitors {
		go func() {
			defer func() { done <- struct{}{} }()
			for range pages {
				req := httptest.NewRequest(http.MethodGet, "/", nil)
				req.Header.Set("Accept", "text/html")
				f.h.ServeHTTP(httptest.NewRecorder(), req)
			}
		}()
	}
	for running := visitors; running > 0; {
		select {
		case <-done:
			running--
		default:
			_, err := f.reg.Gather()
			require.NoError(t, err)
		}
	}
	assert.Equal(t, float64(visitors*pages), f.value("consentgate_requests_total", "state", "undecided"))
	assert.Equal(t, float64(visitors*pages), f.value("consentgate_pages_rewritten_total"))
}
