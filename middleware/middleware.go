package middleware

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/consentgate/consent"
	"github.com/consentgate/consent/banner"
	"github.com/consentgate/consent/catalog"
	"github.com/consentgate/consent/middleware/internal/htmlrewrite"
	"github.com/consentgate/consent/store"
)

// ErrConfig is wrapped by every error New returns for a bad option.
var ErrConfig = errors.New("middleware: bad configuration")

// ErrMode is returned by ParseMode for anything but "strip" or "defer".
var ErrMode = errors.New(`middleware: tag mode must be "strip" or "defer"`)

// Middleware enforces a cookie policy on the responses of the handlers it
// wraps. Build it once with New; it is safe for concurrent use.
type Middleware struct {
	policy     *consent.Policy
	codec      *store.Codec
	prefix     string
	gpc        bool
	cookies    cookieIndex
	undeclared consent.CategoryID // "" = needs every category
	log        *slog.Logger
	seen       *onceLog
	cop        *http.CrossOriginProtection
	maxForm    int64
	// formTimeout bounds reading a consent form (formReadTimeout; tests
	// shorten it).
	formTimeout time.Duration
	now         func() time.Time
	pages       *banner.Pages
	catalog     *banner.Catalog
	required    []consent.CategoryID

	// The known third parties: what the catalog adds to the policy.
	vendors *catalog.Resolved
	// trackers is the effective tracker list: the policy's own trackers,
	// then the catalog's (which lose to them). The matcher is built from
	// it, and it is what a Content-Security-Policy has to allow.
	trackers []consent.Tracker

	// HTML rewriting.
	matcher         *htmlrewrite.Matcher
	catBit          map[consent.CategoryID]uint8 // category → bit, policy order
	allCats         uint64                       // every category's bit
	trackerCats     uint64                       // categories of declared trackers
	beacons         bool
	banner          *banner.Banner
	settingsControl bool
	assets          banner.Assets
	consentMode     *consentMode // nil: off
	ledger          store.Ledger // nil: decisions are not recorded
	pseudo          *store.Pseudonymizer
	debug           bool
	rewriteOptions  htmlrewrite.Options // per-visitor fields filled per response

	// csp builds the Content-Security-Policy header (nil: CSPOff).
	csp *cspPolicy

	// What the middleware saw, and report-only mode.
	inv          *inventory
	reportOnly   bool
	reportBanner bool

	// stats are the counters Stats reads.
	stats stats
}

// New validates policy and options and returns the middleware. Every problem
// is reported here, naming the option or policy field, rather than at the
// first request.
func New(policy *consent.Policy, opts ...Option) (*Middleware, error) {
	if policy == nil {
		return nil, fmt.Errorf("%w: policy is nil", ErrConfig)
	}
	if err := policy.Validate(); err != nil {
		return nil, fmt.Errorf("%w: policy: %w", ErrConfig, err)
	}
	cfg := defaults()
	for _, o := range opts {
		o(&cfg)
	}

	codec := cfg.codec
	if codec == nil {
		copts := []store.CodecOption{store.CookieName(cfg.cookieName), store.Lifetime(cfg.lifetime), store.Clock(cfg.now)}
		if cfg.insecure {
			copts = append(copts, store.Insecure())
		}
		if cfg.hostPrefix {
			copts = append(copts, store.HostPrefix())
		}
		var err error
		if codec, err = store.NewCodec(cfg.keys, copts...); err != nil {
			return nil, fmt.Errorf("%w: Keys: %w", ErrConfig, err)
		}
	} else if len(cfg.keys) > 0 {
		return nil, fmt.Errorf("%w: Codec and Keys are both set: give one", ErrConfig)
	}

	if !strings.HasPrefix(cfg.prefix, "/") || strings.HasSuffix(cfg.prefix, "/") || strings.ContainsAny(cfg.prefix, "?#") {
		return nil, fmt.Errorf("%w: Prefix %q must start with '/', not end with one, and hold no '?' or '#'", ErrConfig, cfg.prefix)
	}
	if cfg.undeclaredSet {
		if _, ok := policy.Category(cfg.undeclared); !ok {
			return nil, fmt.Errorf("%w: UndeclaredCategory %q is not a category of the policy", ErrConfig, cfg.undeclared)
		}
	}
	if cfg.logger == nil {
		return nil, fmt.Errorf("%w: Logger is nil", ErrConfig)
	}
	if cfg.maxFormBytes < 256 {
		return nil, fmt.Errorf("%w: MaxFormBytes %d is below 256 bytes", ErrConfig, cfg.maxFormBytes)
	}
	cop := http.NewCrossOriginProtection()
	for _, o := range cfg.trustedOrigins {
		if err := cop.AddTrustedOrigin(o); err != nil {
			return nil, fmt.Errorf("%w: TrustedOrigins: %w", ErrConfig, err)
		}
	}
	if cfg.vendors == nil {
		return nil, fmt.Errorf("%w: Catalog is nil: to use no catalog, give the policy \"catalog: none\"", ErrConfig)
	}
	vendors, err := cfg.vendors.Resolve(policy)
	if err != nil {
		return nil, fmt.Errorf("%w: policy: %w", ErrConfig, err)
	}
	pages, err := banner.NewPages(policy, banner.WithVendors(pageVendors(policy, vendors)))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	if cfg.mode != Strip && cfg.mode != Defer {
		return nil, fmt.Errorf("%w: TagMode %v: want Strip or Defer", ErrConfig, cfg.mode)
	}
	copts := []banner.CatalogOption{banner.Fallback(cfg.language)}
	for _, f := range cfg.languageFiles {
		copts = append(copts, banner.LanguageFile(f))
	}
	texts, err := banner.NewCatalog(policy, copts...)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	bnr, err := banner.NewBanner(texts, cfg.prefix, cfg.bannerTemplate)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}

	m := &Middleware{
		policy:          policy,
		codec:           codec,
		prefix:          cfg.prefix,
		gpc:             cfg.gpc,
		cookies:         newCookieIndex(policy.Cookies, vendors.Cookies),
		vendors:         vendors,
		trackers:        append(slices.Clip(policy.Trackers), vendors.Trackers...),
		undeclared:      cfg.undeclared,
		log:             cfg.logger,
		seen:            newOnceLog(cfg.logger, maxLoggedNames),
		cop:             cop,
		maxForm:         cfg.maxFormBytes,
		formTimeout:     formReadTimeout,
		now:             cfg.now,
		pages:           pages,
		catalog:         texts,
		required:        policy.RequiredCategories(),
		beacons:         cfg.beacons,
		banner:          bnr,
		debug:           cfg.debug,
		ledger:          cfg.ledger,
		pseudo:          cfg.pseudo,
		assets:          cfg.assets,
		settingsControl: cfg.settingsControl,
		inv:             newInventory(cfg.now()),
		reportOnly:      cfg.reportOnly,
		reportBanner:    cfg.reportBanner,
	}
	if cfg.reportOnly && cfg.cspSet && cfg.csp == CSPEnforce {
		return nil, fmt.Errorf("%w: CSP(CSPEnforce) with ReportOnly: report-only mode enforces nothing; use CSP(CSPReport)", ErrConfig)
	}
	if cfg.reportOnly && !cfg.cspSet {
		cfg.csp = CSPReport
	}
	if cfg.csp > CSPEnforce {
		return nil, fmt.Errorf("%w: CSP %v: want CSPOff, CSPReport or CSPEnforce", ErrConfig, cfg.csp)
	}
	for i, h := range cfg.cspSiteHosts {
		if !consent.ValidHost(h) {
			return nil, fmt.Errorf("%w: CSPSiteHosts[%d]: %q is not a host name (lowercase, with a dot, no scheme or port)", ErrConfig, i, h)
		}
	}
	if err := m.buildRewriter(&cfg); err != nil {
		return nil, fmt.Errorf("%w: policy: %w", ErrConfig, err)
	}
	m.logCatalog(cfg.vendors)
	if cfg.consentMode != nil {
		if m.consentMode, err = newConsentMode(cfg.consentMode, m.catBit); err != nil {
			return nil, fmt.Errorf("%w: GoogleConsentMode: %w", ErrConfig, err)
		}
	}
	return m, nil
}

// logCatalog warns at startup about what the catalog cannot do for the
// policy: nothing, when it is off; and vendors that no visitor can grant,
// when the policy has no category for their standard category.
func (m *Middleware) logCatalog(c *catalog.Catalog) {
	if m.vendors.Off {
		m.log.Warn("consent: the policy turns the catalog off (catalog: none): only its own tracker and cookie declarations are enforced, not the catalog's known vendors",
			"vendors", c.Len())
		return
	}
	if n, summary := m.vendors.UnmappedSummary(); n > 0 {
		m.log.Warn("consent: the policy has no category for some standard categories of the catalog: their vendors are blocked for every visitor, even after accept-all, until catalog.categories maps them",
			"categories", summary, "vendors", n)
	}
}

// Trackers returns the trackers the middleware enforces: the policy's own,
// then those the catalog adds (Vendor set; Category consent.Unmapped for
// the ones no visitor can grant). The slice is shared: do not modify it.
func (m *Middleware) Trackers() []consent.Tracker { return m.trackers }

// Policy returns the policy the middleware enforces.
func (m *Middleware) Policy() *consent.Policy { return m.policy }

// ReportOnly reports whether the middleware runs in report-only mode.
func (m *Middleware) ReportOnly() bool { return m.reportOnly }

// Inventory returns a copy of what the middleware has seen so far.
func (m *Middleware) Inventory() *Inventory { return m.inventory() }

// Prefix returns the path the consent endpoint is mounted under.
func (m *Middleware) Prefix() string { return m.prefix }

// Handler returns next wrapped by the middleware. Requests under Prefix (and
// /.well-known/gpc.json when GPC is on) are answered by the consent endpoint
// without reaching next.
func (m *Middleware) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if m.ownsPath(r.URL.Path) {
			m.serveEndpoint(w, r)
			return
		}
		st := new(requestState)
		v, renew := m.visitorConsent(r, st)
		m.countRequest(v)
		r = r.WithContext(consent.NewContext(r.Context(), v))
		st.rw = responseWriter{w: w, m: m, req: r, consent: v, renew: renew}
		if _, ok := r.Header["If-Modified-Since"]; ok && documentRequest(r) && m.rewrites(st.rw.plan()) {
			// A copy with a Last-Modified date is one the middleware did
			// not rewrite (it gives rewritten pages a state-tied ETag
			// instead): it is stale for a visitor whose pages are rewritten
			// now, after a choice or a material policy revision.
			delete(r.Header, "If-Modified-Since")
		}
		if _, ok := r.Header["If-None-Match"]; ok {
			st.rw.revalidates = translateIfNoneMatch(r.Header, consentState(st.rw.plan(), v.Decided()))
		}
		if _, ok := r.Header["Range"]; ok && !mediaRequest(r) && m.rewrites(st.rw.plan()) {
			// A range of a page that is rewritten would be bytes of the
			// page as the handler wrote it, trackers included: the whole
			// rewritten page (a 200, which HTTP allows) is sent instead.
			delete(r.Header, "Range")
			delete(r.Header, "If-Range")
		}
		defer st.rw.release()
		next.ServeHTTP(st.rw.wrapped(), r)
		st.rw.finish()
	})
}

// Endpoint returns the consent endpoint alone, for routers that run
// middleware only for matched routes (gorilla/mux's Use): mount it under
// Prefix, e.g. r.PathPrefix(mw.Prefix()).Handler(mw.Endpoint()), and, with
// the GPC option, at GPCPath too.
func (m *Middleware) Endpoint() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !m.ownsPath(r.URL.Path) {
			http.NotFound(w, r)
			return
		}
		m.serveEndpoint(w, r)
	})
}

func (m *Middleware) ownsPath(p string) bool {
	if m.gpc && p == GPCPath {
		return true
	}
	rest, ok := strings.CutPrefix(p, m.prefix)
	return ok && (rest == "" || rest[0] == '/')
}

// requestState is what the middleware keeps per request, in one allocation.
type requestState struct {
	undecided consent.Consent
	granted   [8]consent.CategoryID
	rw        responseWriter
}

// visitorConsent decodes the visitor's consent and applies GPC. renew is a
// cookie to send back when the consent cookie was signed with a retired key.
// st, when not nil, provides the memory for an undecided consent.
func (m *Middleware) visitorConsent(r *http.Request, st *requestState) (v *consent.Consent, renew *http.Cookie) {
	v, rotated, err := m.codec.Decode(r, m.policy)
	if err != nil {
		if st == nil {
			st = new(requestState)
		}
		st.undecided.Granted = append(st.granted[:0], m.required...)
		v = &st.undecided
	} else if rotated {
		if c, err := m.codec.Encode(m.policy, v); err == nil {
			renew = c
		}
	}
	if m.gpc && gpcSignal(r) && v.Method != consent.Custom {
		m.applyGPC(v)
	}
	return v, renew
}

// unmappedBit is the category bit of consent.Unmapped: no visitor's
// consent sets it (grantedBits maps only the policy's categories, of which
// there are at most consent.MaxCategories = 63).
const unmappedBit = 63

// buildRewriter translates the effective trackers (the policy's own, then
// the catalog's) for the HTML rewriter and the Content-Security-Policy.
func (m *Middleware) buildRewriter(cfg *config) error {
	mode := cfg.mode
	m.catBit = make(map[consent.CategoryID]uint8, len(m.policy.Categories))
	names := make([]string, unmappedBit+1)
	for i, c := range m.policy.Categories {
		m.catBit[c.ID] = uint8(i)
		m.allCats |= 1 << i
		names[i] = string(c.ID)
	}
	names = names[:len(m.policy.Categories)]
	// The matcher and the CSP's allow-lists are built from the one
	// effective list, so that what the rewriter removes and what the
	// browser refuses never disagree. Of the catalog's vendors only those
	// the policy uses belong in cspTrackers: the header stays small, and a
	// vendor the site never loads is refused even once its category is
	// granted (its reports name it, and the drafted policy adds it).
	used := make(map[string]bool, len(m.vendors.Used))
	for _, v := range m.vendors.Used {
		used[v.ID] = true
	}
	trackers := make([]htmlrewrite.Tracker, 0, len(m.trackers))
	m.stats.tags = make([]atomic.Uint64, len(m.trackers)+1) // by tracker ID, then undeclared beacons
	cspTrackers := make([]cspTracker, 0, len(m.policy.Trackers)+len(used))
	for _, t := range m.trackers {
		bit, ok := m.catBit[t.Category]
		if !ok {
			bit = unmappedBit // consent.Unmapped, or a category that is none of the policy's
			names = names[:unmappedBit+1]
			names[unmappedBit] = string(consent.Unmapped)
		}
		m.trackerCats |= 1 << bit
		trackers = append(trackers, htmlrewrite.Tracker{Name: t.Name, Hosts: t.Hosts, URLs: t.URLs, Category: bit, ID: len(trackers)})
		if t.Vendor == "" || used[t.Vendor] {
			cspTrackers = append(cspTrackers, cspTracker{hosts: t.Hosts, urls: t.URLs, bit: bit})
		}
	}
	if cfg.csp != CSPOff {
		m.csp = newCSPPolicy(cfg.csp, m.prefix, cfg.cspSiteHosts, m.policy.Services, cspTrackers)
	}
	matcher, err := htmlrewrite.NewMatcher(trackers)
	if err != nil {
		return err
	}
	m.matcher = matcher
	var beaconBit uint8
	if m.undeclared != "" {
		beaconBit = m.catBit[m.undeclared]
	} else if refusable := m.policy.RefusableCategories(); len(refusable) > 0 {
		beaconBit = m.catBit[refusable[len(refusable)-1]]
	}
	mo := htmlrewrite.Strip
	if mode == Defer {
		mo = htmlrewrite.Defer
	}
	m.rewriteOptions = htmlrewrite.Options{
		Mode:           mo,
		Beacons:        m.beacons,
		BeaconCategory: beaconBit,
		CategoryNames:  names,
	}
	return nil
}
