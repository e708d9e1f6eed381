package middleware

import (
	"log/slog"
	"time"

	"github.com/consentgate/consent"
	"github.com/consentgate/consent/banner"
	"github.com/consentgate/consent/catalog"
	"github.com/consentgate/consent/store"
)

// Option configures a Middleware. Options are applied in order after the
// defaults; New validates the result.
type Option func(*config)

type config struct {
	keys            []store.KeyPair
	codec           *store.Codec
	cookieName      string
	lifetime        time.Duration
	insecure        bool
	hostPrefix      bool
	prefix          string
	gpc             bool
	undeclared      consent.CategoryID
	undeclaredSet   bool
	logger          *slog.Logger
	trustedOrigins  []string
	maxFormBytes    int64
	now             func() time.Time
	mode            Mode
	beacons         bool
	language        string
	languageFiles   []string
	assets          banner.Assets
	settingsControl bool
	consentMode     ConsentModeMap
	debug           bool
	bannerTemplate  string
	ledger          store.Ledger
	pseudo          *store.Pseudonymizer
	reportOnly      bool
	reportBanner    bool
	vendors         *catalog.Catalog
	csp             CSPMode
	cspSet          bool
	cspSiteHosts    []string
}

func defaults() config {
	return config{
		cookieName:      store.DefaultCookieName,
		lifetime:        store.DefaultLifetime,
		prefix:          DefaultPrefix,
		logger:          slog.Default(),
		maxFormBytes:    DefaultMaxFormBytes,
		now:             time.Now,
		beacons:         true,
		language:        banner.DefaultLanguage,
		settingsControl: true,
		vendors:         catalog.Default(),
		csp:             CSPEnforce,
	}
}

// Defaults of the options.
const (
	// DefaultPrefix is where the consent endpoint is mounted.
	DefaultPrefix = "/consent"
	// DefaultMaxFormBytes bounds a consent form body.
	DefaultMaxFormBytes = 16 << 10
)

// Keys sets the consent cookie's key pairs: the first signs (and encrypts,
// when it has a block key), all of them decode, so keys can be rotated.
// A later Keys replaces an earlier one. Required unless Codec is given. No default: keys must be the same on every
// instance and across restarts, so the middleware cannot make them up.
func Keys(pairs ...store.KeyPair) Option {
	return func(c *config) { c.keys = pairs }
}

// Codec sets a ready-made consent cookie codec instead of Keys, CookieName,
// CookieLifetime, InsecureDev and HostPrefix. Default: built from those
// options.
func Codec(codec *store.Codec) Option { return func(c *config) { c.codec = codec } }

// CookieName sets the consent cookie's name. Default "consent".
func CookieName(name string) Option { return func(c *config) { c.cookieName = name } }

// CookieLifetime sets how long a choice is kept before the visitor is asked
// again. Default 180 days.
func CookieLifetime(d time.Duration) Option { return func(c *config) { c.lifetime = d } }

// InsecureDev sends the consent cookie without the Secure attribute, so that
// it works over plain HTTP on localhost. For development only. Default off.
func InsecureDev() Option { return func(c *config) { c.insecure = true } }

// HostPrefix names the consent cookie "__Host-"+name, which no subdomain can
// overwrite. Needs HTTPS. Default off.
func HostPrefix() Option { return func(c *config) { c.hostPrefix = true } }

// Prefix sets the path under which the consent endpoint and pages are
// served. It must start with '/' and not end with one. Default "/consent".
func Prefix(p string) Option { return func(c *config) { c.prefix = p } }

// GPC makes the middleware honour Global Privacy Control: a request with
// "Sec-GPC: 1" has the policy's sale-or-sharing categories refused unless the
// visitor opted into them one by one (a custom choice), and
// /.well-known/gpc.json is served. Default off, since our policy is silent on
// GPC.
func GPC(on bool) Option { return func(c *config) { c.gpc = on } }

// UndeclaredCategory makes cookies that the policy's cookie table does not
// declare count as cookies of category id (use consent.Essential to let them
// all through). Default: an undeclared cookie is non-essential and passes
// only for a visitor who granted every category. Either way, each distinct
// undeclared name is logged once, so that the site owner can declare it.
func UndeclaredCategory(id consent.CategoryID) Option {
	return func(c *config) { c.undeclared, c.undeclaredSet = id, true }
}

// Logger sets where the middleware logs undeclared cookies and other
// findings. Default slog.Default().
func Logger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// TrustedOrigins lets consent POSTs come from other origins
// ("https://shop.example.com"), e.g. a site split over several hosts.
// Default none: cross-origin POSTs are refused.
func TrustedOrigins(origins ...string) Option {
	return func(c *config) { c.trustedOrigins = append(c.trustedOrigins, origins...) }
}

// MaxFormBytes bounds the body of a consent POST. Default 16 KiB.
func MaxFormBytes(n int64) Option { return func(c *config) { c.maxFormBytes = n } }

// Clock sets the source of the current time (for tests). Default time.Now.
func Clock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// TagMode sets what happens to a tracker tag whose category the visitor has
// not granted: Strip removes it, Defer keeps it inert for the banner script
// to switch on after consent. Default Strip.
func TagMode(mode Mode) Option { return func(c *config) { c.mode = mode } }

// Beacons sets whether undeclared web beacons are removed: a 1×1 or 0×0
// image or frame, or one hidden by a hidden attribute or display:none, whose
// URL is on a third-party host that no tracker declares. They count as
// undeclared, like undeclared cookies (see UndeclaredCategory). Default on.
func Beacons(on bool) Option { return func(c *config) { c.beacons = on } }

// Language sets the fallback language of the banner and pages: the one a
// visitor gets when their Accept-Language names none the site offers, and
// the language of the policy's unqualified texts. The built-in languages
// are English, German and French. Default "en".
func Language(tag string) Option { return func(c *config) { c.language = tag } }

// LanguageFile adds a language (or replaces texts of a built-in one) from a
// JSON or YAML file of the form {"language": "es", "texts": {"banner.notice":
// "…"}}; see banner.TextIDs for the IDs. Default none.
func LanguageFile(path string) Option {
	return func(c *config) { c.languageFiles = append(c.languageFiles, path) }
}

// AssetFiles links the banner's stylesheet and script as files served under
// Prefix (cached for good, versioned by content) instead of putting them
// inline. Either way they carry the nonce of the response's
// Content-Security-Policy when it has one, and a policy that allows inline
// assets by neither nonce nor 'unsafe-inline' gets files. Default inline:
// no extra request on the first page.
func AssetFiles() Option { return func(c *config) { c.assets = banner.Files } }

// SettingsControl sets whether a visitor who has decided gets a small
// "Cookie settings" control on every HTML page, which reopens the
// preferences (as does any element with a data-consent-open attribute).
// Off, such visitors' pages are left as they are when they grant every
// category; link to Prefix+"/preferences" yourself. Default on.
func SettingsControl(on bool) Option { return func(c *config) { c.settingsControl = on } }

// GoogleConsentMode emits Google Consent Mode v2 calls as the first script
// in <head> of every HTML page: gtag('consent','default',…) with every type
// denied but security_storage, then, for a visitor who decided,
// gtag('consent','update',…) from their consent. The banner script sends the
// update too when the visitor decides without a reload. m maps consent types
// to categories; nil means DefaultConsentModeMap(). Default off.
func GoogleConsentMode(m ConsentModeMap) Option {
	return func(c *config) {
		if m == nil {
			m = DefaultConsentModeMap()
		}
		c.consentMode = m
	}
}

// Debug makes the middleware say what it did to each HTML page: a
// Consent-Removed header lists the removed (or deferred) tags with their
// hosts, and the same list is logged at Info level. To put the list in a
// header, each rewritten page is held back until it is complete (up to 16
// MiB), so pages no longer stream: for development, not production.
// Default off.
func Debug(on bool) Option { return func(c *config) { c.debug = on } }

// BannerTemplate replaces the banner's markup: tmpl is an html/template
// text that defines "banner" (for visitors who have not decided) and
// "settings" (the control that reopens the preferences); see
// banner.DefaultTemplate for the data they get. Keep the form posting to the
// prefix so that the banner works without JavaScript. Default
// banner.DefaultTemplate. Colours, fonts and spacing are easier to change
// with the CSS custom properties (--cg-bg, --cg-fg, --cg-accent, …).
func BannerTemplate(tmpl string) Option { return func(c *config) { c.bannerTemplate = tmpl } }

// Ledger records every decision the consent endpoint accepts in l, the
// proof of consent (see store.Ledger): the consent cookie is set only
// once the record is durable, and when the ledger cannot write the endpoint
// answers 503 and sets no cookie. The middleware does not close l. Default
// none: nothing is recorded, and the site holds no proof of consent beyond
// the visitor's cookie.
func Ledger(l store.Ledger) Option { return func(c *config) { c.ledger = l } }

// LedgerPseudonyms sets how client data is pseudonymised in ledger records
// (see store.NewPseudonymizer). Default: the IP address truncated to its /24
// or /48 and the User-Agent hashed with SHA-256.
func LedgerPseudonyms(p *store.Pseudonymizer) Option { return func(c *config) { c.pseudo = p } }

// ReportOnly turns on report-only mode, as Content-Security-Policy-Report-Only
// does for CSP: the middleware changes nothing in responses — no Set-Cookie
// dropped or expired, no tag removed or deferred, no Consent Mode script, no
// Vary header, and no banner unless showBanner is set — but records in the
// Inventory everything it would have done, per page path. With showBanner
// the banner and the settings control are injected and decisions are
// stored (and recorded in the Ledger) as usual, so a site can see how
// visitors answer before it enforces their answers; the pages then lose
// Content-Length and ETag, as any page with the banner does. Default off.
func ReportOnly(showBanner bool) Option {
	return func(c *config) { c.reportOnly, c.reportBanner = true, showBanner }
}

// Catalog sets the catalog of known third parties that the middleware
// enforces alongside the policy's own declarations, as the policy's
// catalog settings (consent.CatalogSettings) say: their hosts are stripped
// and their first-party cookies filtered and expired until the visitor
// grants the category each falls under. A policy with "catalog: none" uses
// no catalog. Default catalog.Default(), the built-in catalog.
func Catalog(c *catalog.Catalog) Option { return func(cfg *config) { cfg.vendors = c } }

// CSP sets whether the middleware adds its own Content-Security-Policy to
// every response a browser could render as a document (HTML, XHTML, SVG,
// XML, and any response of a missing, unknown or ambiguous type), built from
// the visitor's consent: it allows 'self', the CSPSiteHosts, the policy's
// Services, and the hosts of the trackers whose category the visitor
// granted; the browser refuses every other host, however the request is
// made (scripts injected at run time, fetch, beacons, CSS, workers, frames).
// The header is a field of its own, next to any the site sends, which it
// never reads or changes: browsers enforce every policy they get, so it can
// only restrict further, and inline scripts, styles and eval stay as the
// site's own policy says. Both modes send report-uri and report-to
// (Reporting-Endpoints) pointing at Prefix+"/csp-report".
//
// Default CSPEnforce — ReportOnly makes it CSPReport — because the promise
// of the middleware is that a visitor who has not consented contacts no
// tracker, and only the browser can keep it for what the server never sees
// in the page. What enforcing can break is exactly what the policy does not
// declare: a third party that loads for a visitor who refused everything is
// either a tracker to declare as one, or a service the site needs, to list
// in the policy's Services (the browser's console and the reports name each
// refused host). A site that cannot declare its third parties yet starts
// with CSPReport (or ReportOnly) and drafts them from the inventory.
// CSP(CSPEnforce) together with ReportOnly is an error.
func CSP(mode CSPMode) Option { return func(c *config) { c.csp, c.cspSet = mode, true } }

// CSPSiteHosts adds hosts the site serves its own content from besides its
// own origin ('self'), such as a static CDN ("static.example.net") or its
// other subdomains ("api.example.com"), to the middleware's
// Content-Security-Policy, for every visitor. Each host also covers its
// subdomains and any port, so "example.com" allows every subdomain —
// including one that is a tracker's alias (CNAME): name the hosts. Third
// parties the site needs (fonts, payment, maps) belong in the policy's
// Services instead, where the policy page lists them. Default none: only
// the page's own origin.
func CSPSiteHosts(hosts ...string) Option {
	return func(c *config) { c.cspSiteHosts = append(c.cspSiteHosts, hosts...) }
}
