// Package metrics exports a middleware's counters to Prometheus.
//
// The middleware keeps its counters itself (atomic adds on the request
// path, read with Middleware.Stats) and imports no metrics library; this
// package is the one that links github.com/prometheus/client_golang, so an
// app that does not want metrics does not carry it.
//
//	reg := prometheus.NewRegistry()
//	reg.MustRegister(metrics.NewCollector(mw))
//	http.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
//
// Every label takes its values from a fixed set: consent states, actions,
// outcomes, and the names and categories of the trackers the policy and
// the catalog declare. No path, host or other request input ever becomes a
// label, so a flood of made-up URLs cannot grow the series.
package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/consentgate/consent/middleware"
)

// Namespace prefixes every metric name.
const Namespace = "consentgate"

// Collector reads a middleware's Stats when it is scraped. Build it with
// NewCollector.
type Collector struct {
	mw *middleware.Middleware

	requests, pages, tags, stripped, expired, decisions *prometheus.Desc
	ledger, ledgerErrors, csp                           *prometheus.Desc
}

// NewCollector returns a collector of mw's counters, to register with a
// prometheus.Registerer. It describes these metrics (all counters but the
// histogram):
//
//	consentgate_requests_total{state}                   undecided, partial, accept-all
//	consentgate_pages_rewritten_total
//	consentgate_tags_removed_total{tracker,category}    policy and catalog trackers (from the first removal on), "undeclared beacon"
//	consentgate_cookies_stripped_total
//	consentgate_cookies_expired_total
//	consentgate_decisions_total{action}                 accept-all, reject-all, custom, withdraw, gpc
//	consentgate_ledger_write_duration_seconds           histogram
//	consentgate_ledger_write_errors_total
//	consentgate_csp_reports_total{outcome}              accepted, refused
//
// The meaning of each is that of the matching field of middleware.Stats.
// Register one collector per middleware and registry: two would collide.
func NewCollector(mw *middleware.Middleware) *Collector {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(prometheus.BuildFQName(Namespace, "", name), help, labels, nil)
	}
	return &Collector{
		mw:           mw,
		requests:     d("requests_total", "Requests passed to the site's handler, by the visitor's consent state.", "state"),
		pages:        d("pages_rewritten_total", "HTML pages rewritten for the visitor's consent (a banner to inject or tags to filter)."),
		tags:         d("tags_removed_total", "Tracker elements removed or deferred, by tracker and category.", "tracker", "category"),
		stripped:     d("cookies_stripped_total", "Set-Cookie lines dropped because their category was not granted."),
		expired:      d("cookies_expired_total", "Cookies of refused categories the browser sent that were expired."),
		decisions:    d("decisions_total", "Consent choices recorded, by action.", "action"),
		ledger:       d("ledger_write_duration_seconds", "Time to write a decision to the consent ledger."),
		ledgerErrors: d("ledger_write_errors_total", "Ledger writes that failed (the visitor got no cookie)."),
		csp:          d("csp_reports_total", "Deliveries to the CSP report endpoint, by outcome.", "outcome"),
	}
}

// Describe sends the descriptions of the collector's metrics.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.requests, c.pages, c.tags, c.stripped, c.expired,
		c.decisions, c.ledger, c.ledgerErrors, c.csp} {
		ch <- d
	}
}

// Collect reads the middleware's counters and sends them as metrics.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	s := c.mw.Stats()
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	counter(c.requests, s.Requests.Undecided, "undecided")
	counter(c.requests, s.Requests.Partial, "partial")
	counter(c.requests, s.Requests.AcceptAll, "accept-all")
	counter(c.pages, s.PagesRewritten)
	// A name may be declared twice (the policy's own tracker and a
	// catalog vendor of the same name): one series per name and
	// category, the counts summed.
	type key struct{ tracker, category string }
	tags := make(map[key]uint64)
	var order []key
	for _, t := range s.Tags {
		// A tracker's series appears at its first removal, as a
		// CounterVec's would: the catalog declares hundreds of vendors,
		// and a scrape of their zeros would cost more than the rest.
		if t.Removed == 0 && t.Tracker != middleware.UndeclaredBeacon {
			continue
		}
		k := key{t.Tracker, t.Category}
		if _, ok := tags[k]; !ok {
			order = append(order, k)
		}
		tags[k] += t.Removed
	}
	for _, k := range order {
		counter(c.tags, tags[k], k.tracker, k.category)
	}
	counter(c.stripped, s.CookiesStripped)
	counter(c.expired, s.CookiesExpired)
	counter(c.decisions, s.Decisions.AcceptAll, "accept-all")
	counter(c.decisions, s.Decisions.RejectAll, "reject-all")
	counter(c.decisions, s.Decisions.Custom, "custom")
	counter(c.decisions, s.Decisions.Withdraw, "withdraw")
	counter(c.decisions, s.Decisions.GPC, "gpc")
	buckets := make(map[float64]uint64, len(s.Ledger.Bounds))
	for i, b := range s.Ledger.Bounds {
		buckets[b.Seconds()] = s.Ledger.Buckets[i]
	}
	ch <- prometheus.MustNewConstHistogram(c.ledger, s.Ledger.Count, s.Ledger.Sum.Seconds(), buckets)
	counter(c.ledgerErrors, s.LedgerErrors)
	counter(c.csp, s.CSPReportsAccepted, "accepted")
	counter(c.csp, s.CSPReportsRefused, "refused")
}

var _ prometheus.Collector = (*Collector)(nil)
