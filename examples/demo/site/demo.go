// Package site is the ConsentGate demo site — a course catalog on gorilla/mux
// with the usual third-party tags, behind the middleware — and its fake
// third-party trackers. The demo command serves it; the browser tests drive
// it too.
package site

import (
	"log/slog"
	"net/http"

	"github.com/consentgate/consent/middleware"
	"github.com/consentgate/consent/store"
)

// Demo is the running site and its fake third parties.
type Demo struct {
	handler  http.Handler
	mw       *middleware.Middleware
	hits     *hitLog
	trackers []*fakeTracker
}

// trackerLabels are the fake third parties and what they stand for.
var trackerLabels = []struct{ name, label string }{
	{"analytics", "Demo Analytics"}, {"tags", "Demo Tag Manager"}, {"ads", "Demo Ads"},
	{"replay", "Demo Session Replay"}, {"video", "Demo Video"},
}

// New starts the fake trackers (unless off) and builds the site. With a
// ledger (nil: none), every decision is recorded in it; the caller closes it.
func New(logger *slog.Logger, keys []store.KeyPair, withTrackers, debug bool, ledger store.Ledger) (*Demo, error) {
	d := &Demo{hits: &hitLog{log: logger}}
	origins := map[string]string{}
	for _, tl := range trackerLabels {
		origins[tl.name] = "http://" + tl.name + ".localhost:9" // the discard port: nothing answers
		if !withTrackers {
			continue
		}
		t, err := startTracker(tl.name, tl.label, d.hits)
		if err != nil {
			d.Close()
			return nil, err
		}
		d.trackers = append(d.trackers, t)
		origins[tl.name] = t.origin
	}
	// Plain HTTP on localhost: the consent cookie goes without Secure. The
	// browser enforces the visitor's consent too (CSPEnforce): the fake
	// trackers' hosts are allowed, on any port, once their category is
	// granted, and nothing else is.
	opts := []middleware.Option{middleware.Keys(keys...), middleware.Logger(logger),
		middleware.InsecureDev(), middleware.Debug(debug), middleware.CSP(middleware.CSPEnforce)}
	if ledger != nil {
		opts = append(opts, middleware.Ledger(ledger))
	}
	mw, err := middleware.New(demoPolicy(), opts...)
	if err != nil {
		d.Close()
		return nil, err
	}
	d.mw = mw
	s := &site{mw: mw, hits: d.hits, tags: newTagSnippets(origins), ledger: ledger, log: logger}
	d.handler = s.routes()
	return d, nil
}

// Close stops the fake trackers.
func (d *Demo) Close() {
	for _, t := range d.trackers {
		t.close()
	}
}

// Handler is the site, wrapped by the consent middleware.
func (d *Demo) Handler() http.Handler { return d.handler }

// Middleware is the consent middleware the site runs (for tests: see
// package consenttest).
func (d *Demo) Middleware() *middleware.Middleware { return d.mw }

// Tracker describes one running fake third party.
type Tracker struct {
	Name   string // host label: "analytics" for analytics.localhost
	Label  string // what it stands for: "Demo Analytics"
	Origin string // http://analytics.localhost:PORT
}

// Trackers returns the running fake third parties.
func (d *Demo) Trackers() []Tracker {
	out := make([]Tracker, 0, len(d.trackers))
	for _, t := range d.trackers {
		out = append(out, Tracker{Name: t.name, Label: t.label, Origin: t.origin})
	}
	return out
}

// Hits returns the requests the fake trackers received, newest first.
func (d *Demo) Hits() []Hit { return d.hits.All() }
