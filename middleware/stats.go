package middleware

import (
	"sync/atomic"
	"time"

	"github.com/consentgate/consent"
)

// stats are the middleware's running counters. The request path touches
// them only with atomic adds on memory allocated in New: no lock, no
// allocation. Stats copies them out, for a metrics exporter that reads them
// when it is scraped (package metrics does, for Prometheus).
type stats struct {
	requests       [numConsentStates]atomic.Uint64
	pagesRewritten atomic.Uint64
	// tags counts removed (or deferred) elements by tracker: index i is
	// Trackers()[i], the last one an undeclared beacon. Bounded by the
	// policy and the catalog, never by what a page holds.
	tags            []atomic.Uint64
	cookiesStripped atomic.Uint64
	cookiesExpired  atomic.Uint64
	decisions       [numDecisionActions]atomic.Uint64
	ledgerBuckets   [len(ledgerLatencyBounds) + 1]atomic.Uint64 // +Inf last
	ledgerNanos     atomic.Uint64
	ledgerErrors    atomic.Uint64
	cspAccepted     atomic.Uint64
	cspRefused      atomic.Uint64
}

// Consent states of a request, for Stats.Requests.
const (
	stateUndecided = iota
	statePartial
	stateAcceptAll
	numConsentStates
)

// Decision actions, for Stats.Decisions.
const (
	decisionAcceptAll = iota
	decisionRejectAll
	decisionCustom
	decisionWithdraw
	decisionGPC
	numDecisionActions
)

// ledgerLatencyBounds are the upper bounds of the ledger write latency
// histogram: from a local SQLite file (a millisecond) to a database across
// a network under load (seconds).
var ledgerLatencyBounds = [...]time.Duration{
	time.Millisecond, 2500 * time.Microsecond, 5 * time.Millisecond, 10 * time.Millisecond,
	25 * time.Millisecond, 50 * time.Millisecond, 100 * time.Millisecond, 250 * time.Millisecond,
	500 * time.Millisecond, time.Second, 2500 * time.Millisecond, 5 * time.Second,
}

// Stats is a snapshot of what the middleware has done since New. Every
// count only grows.
type Stats struct {
	// Requests counts the requests the middleware passed to the wrapped
	// handler (not those the consent endpoint answered), by the visitor's
	// consent state: no valid consent cookie (Undecided), a decision that
	// grants every category (AcceptAll), or any other decision, reject-all
	// included (Partial). Global Privacy Control is applied first.
	Requests struct{ Undecided, Partial, AcceptAll uint64 }
	// PagesRewritten counts HTML responses that went through the rewriter
	// (the visitor's consent changed something in them: a banner to
	// inject or tags to filter).
	PagesRewritten uint64
	// Tags counts the elements removed (or, in Defer mode, kept inert),
	// one entry per tracker the middleware enforces, in Trackers() order,
	// then one for undeclared beacons (Tracker UndeclaredBeacon, Category
	// UndeclaredBeacon).
	Tags []TagStat
	// CookiesStripped counts the Set-Cookie lines dropped from responses
	// because the visitor had not granted their category.
	CookiesStripped uint64
	// CookiesExpired counts the cookies a browser sent that the middleware
	// expired because their category is refused (one per cookie name and
	// response, whatever the number of deleting lines).
	CookiesExpired uint64
	// Decisions counts the choices the consent endpoint accepted (cookie
	// set), by action. A reject-all that takes back categories granted
	// before counts as Withdraw; an accept-all that Global Privacy
	// Control limited (its sale-or-sharing categories refused) counts as
	// GPC.
	Decisions struct{ AcceptAll, RejectAll, Custom, Withdraw, GPC uint64 }
	// Ledger is the latency of the ledger's writes, successful or not
	// (zero without a ledger).
	Ledger LatencyStats
	// LedgerErrors counts the writes the ledger failed (the visitor got
	// no cookie), a visitor leaving mid-write excepted.
	LedgerErrors uint64
	// CSPReportsAccepted and CSPReportsRefused count the deliveries to the
	// CSP report endpoint that were parsed, and those turned away (wrong
	// method or content type, too large, malformed).
	CSPReportsAccepted, CSPReportsRefused uint64
}

// TagStat is the count of removed elements of one tracker.
type TagStat struct {
	// Tracker is the tracker's name as the policy or the catalog declares
	// it, or UndeclaredBeacon.
	Tracker string
	// Category is the tracker's category (consent.Unmapped for a catalog
	// vendor the policy maps to none), or UndeclaredBeacon.
	Category string
	// Removed is the number of elements removed or deferred.
	Removed uint64
}

// LatencyStats is a cumulative histogram of durations.
type LatencyStats struct {
	// Count is the number of observations, Sum their total.
	Count uint64
	Sum   time.Duration
	// Buckets[i] counts the observations of at most Bounds[i]
	// (cumulative, as Prometheus wants them); Count is the +Inf bucket.
	Buckets [len(ledgerLatencyBounds)]uint64
	// Bounds are the buckets' upper bounds, 1ms to 5s.
	Bounds [len(ledgerLatencyBounds)]time.Duration
}

// Stats returns a snapshot of the middleware's counters. It allocates the
// Tags slice and takes no lock: counters read while requests run may be a
// request apart from each other.
func (m *Middleware) Stats() Stats {
	s := &m.stats
	var out Stats
	out.Requests.Undecided = s.requests[stateUndecided].Load()
	out.Requests.Partial = s.requests[statePartial].Load()
	out.Requests.AcceptAll = s.requests[stateAcceptAll].Load()
	out.PagesRewritten = s.pagesRewritten.Load()
	out.Tags = make([]TagStat, len(s.tags))
	for i := range s.tags {
		t := &out.Tags[i]
		if i < len(m.trackers) {
			t.Tracker, t.Category = m.trackers[i].Name, string(m.trackers[i].Category)
			if _, ok := m.catBit[m.trackers[i].Category]; !ok {
				t.Category = string(consent.Unmapped)
			}
		} else {
			t.Tracker, t.Category = UndeclaredBeacon, UndeclaredBeacon
		}
		t.Removed = s.tags[i].Load()
	}
	out.CookiesStripped = s.cookiesStripped.Load()
	out.CookiesExpired = s.cookiesExpired.Load()
	out.Decisions.AcceptAll = s.decisions[decisionAcceptAll].Load()
	out.Decisions.RejectAll = s.decisions[decisionRejectAll].Load()
	out.Decisions.Custom = s.decisions[decisionCustom].Load()
	out.Decisions.Withdraw = s.decisions[decisionWithdraw].Load()
	out.Decisions.GPC = s.decisions[decisionGPC].Load()
	var cum uint64
	for i := range ledgerLatencyBounds {
		cum += s.ledgerBuckets[i].Load()
		out.Ledger.Buckets[i] = cum
	}
	out.Ledger.Bounds = ledgerLatencyBounds
	out.Ledger.Count = cum + s.ledgerBuckets[len(ledgerLatencyBounds)].Load()
	out.Ledger.Sum = time.Duration(s.ledgerNanos.Load())
	out.LedgerErrors = s.ledgerErrors.Load()
	out.CSPReportsAccepted = s.cspAccepted.Load()
	out.CSPReportsRefused = s.cspRefused.Load()
	return out
}

// countRequest counts a request passed to the handler by v's state.
func (m *Middleware) countRequest(v *consent.Consent) {
	st := statePartial
	switch {
	case !v.Decided():
		st = stateUndecided
	case m.grantsAll(v):
		st = stateAcceptAll
	}
	m.stats.requests[st].Add(1)
}

// countDecision counts an accepted choice.
func (m *Middleware) countDecision(method consent.Method, withdrawn, gpcRefuses bool) {
	a := decisionCustom
	switch {
	case gpcRefuses && method == consent.AcceptAll:
		a = decisionGPC // a refusal changes nothing for GPC to limit
	case withdrawn:
		a = decisionWithdraw
	case method == consent.AcceptAll:
		a = decisionAcceptAll
	case method == consent.RejectAll:
		a = decisionRejectAll
	}
	m.stats.decisions[a].Add(1)
}

// observeLedger counts one ledger write of duration d.
func (m *Middleware) observeLedger(d time.Duration) {
	i := 0
	for i < len(ledgerLatencyBounds) && d > ledgerLatencyBounds[i] {
		i++
	}
	m.stats.ledgerBuckets[i].Add(1)
	m.stats.ledgerNanos.Add(uint64(max(d, 0)))
}
