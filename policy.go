package consent

import (
	"slices"
	"strings"
	"time"
)

// CategoryID names a consent category in the policy, in cookies and in forms.
// IDs are short lowercase words: letters, digits, '-' and '_'.
type CategoryID string

// The categories of the default policy.
const (
	// Essential cookies make the site work (sign-in, fraud prevention, site
	// features); they cannot be refused.
	Essential CategoryID = "essential"
	// Analytics covers analytical and performance cookies: counting visitors
	// and seeing how they move around the site.
	Analytics CategoryID = "analytics"
	// Functionality remembers choices such as language or region.
	Functionality CategoryID = "functionality"
	// Targeting records pages visited and links followed to make advertising
	// more relevant.
	Targeting CategoryID = "targeting"
	// Tracking covers third-party cookies that tie on-site behaviour to other
	// metrics.
	Tracking CategoryID = "tracking"
	// Optimization covers third-party cookies that track conversions across
	// marketing channels and run experiments.
	Optimization CategoryID = "optimization"
	// Partner covers third-party cookies that share conversion metrics with
	// partners.
	Partner CategoryID = "partner"
)

// Placeholder is the category of the cookies and trackers of a drafted policy
// (see the middleware's inventory) that nobody has classified yet. It is
// not a category: Validate, and so LoadPolicy, refuses a policy that still
// uses it, naming each entry, until the site owner chooses a real category
// for each or removes it.
const Placeholder CategoryID = "undecided"

// Unmapped is the category of the catalog's trackers and cookies whose
// standard category the policy maps to none of its own (see
// CatalogSettings): nobody was asked about them, so no visitor is ever
// granted it, not even by accept-all. It is not a valid category ID, so no
// policy can declare it.
const Unmapped CategoryID = "(unmapped)"

// MaxCategories is the largest number of categories a policy may have: 63,
// because the middleware keeps a visitor's grants in a 64-bit set and
// reserves the last bit for Unmapped, which no visitor is granted.
const MaxCategories = 63

// Policy is a site's cookie policy as data. Build one with DefaultPolicy or
// LoadPolicy, change it if needed, and call Validate before use (the
// middleware's constructor does). A Policy must not be modified once it is in
// use.
type Policy struct {
	// Version identifies the policy text in force. Required. Consent records
	// name the version they were given under.
	Version string `json:"version" yaml:"version"`
	// Revisions lists the dated changes of the policy, oldest first. When
	// present, the last one must carry Version. A consent given under a version
	// older than the last material revision is no longer valid.
	Revisions []Revision `json:"revisions,omitempty" yaml:"revisions,omitempty"`
	// Categories lists the consent categories, in the order the banner and
	// the pages show them. At least one must be Required (essential).
	Categories []Category `json:"categories" yaml:"categories"`
	// Cookies is the cookies table: every cookie the site or its partners set.
	Cookies []Cookie `json:"cookies,omitempty" yaml:"cookies,omitempty"`
	// Trackers lists third-party scripts, pixels and frames with their
	// category.
	Trackers []Tracker `json:"trackers,omitempty" yaml:"trackers,omitempty"`
	// Catalog says how the policy uses the catalog of known third parties
	// (package catalog): nil uses the built-in catalog with the default
	// mapping of its standard categories; see CatalogSettings.
	Catalog *CatalogSettings `json:"catalog,omitempty" yaml:"catalog,omitempty"`
	// Services lists the third parties the site needs to work — CDNs, web
	// fonts, payment, maps — that are not trackers: they need no consent,
	// and the middleware's Content-Security-Policy allows them for every
	// visitor. The policy page lists each with its purpose.
	Services []Service `json:"services,omitempty" yaml:"services,omitempty"`
	// Texts holds the policy's own words (banner notice, page sections),
	// keyed by text ID; see the banner package for the IDs. Empty entries
	// fall back to the built-in texts.
	Texts map[string]string `json:"texts,omitempty" yaml:"texts,omitempty"`
}

// Category is one kind of cookie a visitor can grant or refuse.
type Category struct {
	// ID is the category's stable identifier. Required, unique.
	ID CategoryID `json:"id" yaml:"id"`
	// Name is what the visitor reads. Required.
	Name string `json:"name" yaml:"name"`
	// Description says what the category's cookies do.
	Description string `json:"description,omitempty" yaml:"description,omitempty"`
	// Required marks categories that cannot be refused (essential cookies).
	// Default false.
	Required bool `json:"required,omitempty" yaml:"required,omitempty"`
	// ThirdParty marks categories whose cookies belong to other companies.
	// Default false.
	ThirdParty bool `json:"thirdParty,omitempty" yaml:"thirdParty,omitempty"`
	// SaleOrSharing marks categories that a Global Privacy Control signal
	// refuses when the middleware honours GPC. Default false.
	SaleOrSharing bool `json:"saleOrSharing,omitempty" yaml:"saleOrSharing,omitempty"`
}

// Cookie declares one cookie (or a family of cookies) of the cookies table.
type Cookie struct {
	// Name is the cookie's exact name, or a pattern where '*' stands for any
	// run of characters ("_ga_*", "_hj*"). Required.
	Name string `json:"name" yaml:"name"`
	// Provider is who uses the cookie: empty for the site itself (first
	// party), else the third party's domain or company name.
	Provider string `json:"provider,omitempty" yaml:"provider,omitempty"`
	// Category is the ID of the cookie's category. Required.
	Category CategoryID `json:"category" yaml:"category"`
	// Purpose says what the cookie is for, in the visitor's words.
	Purpose string `json:"purpose,omitempty" yaml:"purpose,omitempty"`
	// Lifetime is how long the cookie lives; the zero value is a session
	// cookie.
	Lifetime Lifetime `json:"lifetime" yaml:"lifetime"`
	// Domain is the Domain attribute the cookie is set with, when the site
	// sets it on a parent domain. Empty means: the request's host and its
	// registrable domain are both tried when the cookie must be expired.
	Domain string `json:"domain,omitempty" yaml:"domain,omitempty"`
	// Path is the cookie's Path attribute. Default "/".
	Path string `json:"path,omitempty" yaml:"path,omitempty"`
}

// Tracker declares a third-party script, pixel or frame host.
type Tracker struct {
	// Name is the vendor or product ("Google Analytics"). Required.
	Name string `json:"name" yaml:"name"`
	// Vendor is the catalog ID of the vendor ("google-analytics"): set on
	// the trackers that come from the catalog. A policy tracker that names
	// a vendor replaces that catalog entry entirely. Optional.
	Vendor string `json:"vendor,omitempty" yaml:"vendor,omitempty"`
	// Category is the ID of the tracker's category. Required.
	Category CategoryID `json:"category" yaml:"category"`
	// Purpose says, in a visitor's words, what the tracker does. Optional.
	Purpose string `json:"purpose,omitempty" yaml:"purpose,omitempty"`
	// Docs links to the third party's own privacy or cookie documentation.
	// Optional.
	Docs string `json:"docs,omitempty" yaml:"docs,omitempty"`
	// Hosts are host names; each also covers its subdomains.
	Hosts []string `json:"hosts,omitempty" yaml:"hosts,omitempty"`
	// URLs are host+path prefixes ("www.facebook.com/tr") for trackers that
	// share a host with harmless content. A tracker needs Hosts or URLs.
	URLs []string `json:"urls,omitempty" yaml:"urls,omitempty"`
}

// CatalogSettings relate a policy to the catalog of known third parties
// (package catalog), which the middleware enforces alongside the policy's
// own declarations. A nil *CatalogSettings uses the built-in catalog with
// the default mapping. In a policy file, "catalog: none" (a scalar) is Off;
// otherwise it is a mapping with the fields below.
//
// The catalog files each vendor under a standard category ("analytics",
// "advertising", "customer-chat", ...); Categories says which category of
// the policy each falls under. A vendor whose standard category maps to no
// category of the policy is blocked for every visitor, even after
// accept-all, until the policy maps it: nobody was asked about it.
type CatalogSettings struct {
	// Off turns the catalog off ("catalog: none"): only the policy's own
	// declarations are enforced. The middleware warns about it at startup.
	Off bool `json:"-" yaml:"-"`
	// Categories maps a standard category to a category of this policy,
	// merged over the default mapping (see catalog.DefaultMapping).
	Categories map[string]CategoryID `json:"categories,omitempty" yaml:"categories,omitempty"`
	// Vendors files one vendor, by catalog ID, under a category of this
	// policy (an override of its mapping); it also marks the vendor as
	// used, like Uses.
	Vendors map[string]CategoryID `json:"vendors,omitempty" yaml:"vendors,omitempty"`
	// Exclude lists vendor IDs the catalog must not apply: their hosts and
	// cookies are left to the policy's own declarations.
	Exclude []string `json:"exclude,omitempty" yaml:"exclude,omitempty"`
	// Uses lists the vendor IDs the site uses: the policy page describes
	// them, and the Content-Security-Policy allows them once their category
	// is granted.
	Uses []string `json:"uses,omitempty" yaml:"uses,omitempty"`
}

// Service declares a third party the site needs to work and that tracks
// nobody, such as a CDN, a font host, a payment form or a map: it is allowed
// whatever the visitor chose. Declare a third party that tracks as a Tracker
// instead, even when the site needs it. A service's host is allowed with all
// its subdomains and paths, a tracker's on it included: declare the
// narrowest host, or a URL pattern, when the two share a domain.
type Service struct {
	// Name is the provider or product ("jsDelivr", "Stripe"). Required.
	Name string `json:"name" yaml:"name"`
	// Purpose says what the site uses it for, in the visitor's words.
	// Required: the policy page shows it.
	Purpose string `json:"purpose" yaml:"purpose"`
	// Hosts are host names; each also covers its subdomains.
	Hosts []string `json:"hosts,omitempty" yaml:"hosts,omitempty"`
	// URLs are host+path prefixes ("www.google.com/recaptcha/") for a
	// service that shares its host with trackers. A service needs Hosts or
	// URLs.
	URLs []string `json:"urls,omitempty" yaml:"urls,omitempty"`
}

// Revision is a dated change of the policy.
type Revision struct {
	// Version is the policy version this revision introduced. Required.
	Version string `json:"version" yaml:"version"`
	// Date is the day the revision took effect. Required.
	Date Date `json:"date" yaml:"date"`
	// Summary says what changed.
	Summary string `json:"summary,omitempty" yaml:"summary,omitempty"`
	// Material marks a change that invalidates consent given before it:
	// visitors are asked again. Default false.
	Material bool `json:"material,omitempty" yaml:"material,omitempty"`
	// Text is the full policy text of this revision, shown when a visitor
	// compares revisions. Optional.
	Text string `json:"text,omitempty" yaml:"text,omitempty"`
}

// Category returns the category with the given ID.
func (p *Policy) Category(id CategoryID) (Category, bool) {
	for _, c := range p.Categories {
		if c.ID == id {
			return c, true
		}
	}
	return Category{}, false
}

// RequiredCategories returns the IDs of the categories that cannot be refused.
func (p *Policy) RequiredCategories() []CategoryID {
	var ids []CategoryID
	for _, c := range p.Categories {
		if c.Required {
			ids = append(ids, c.ID)
		}
	}
	return ids
}

// RefusableCategories returns the IDs of the categories a visitor may refuse,
// in policy order.
func (p *Policy) RefusableCategories() []CategoryID {
	var ids []CategoryID
	for _, c := range p.Categories {
		if !c.Required {
			ids = append(ids, c.ID)
		}
	}
	return ids
}

// CookieDeclaration returns the first declaration of the cookies table that
// matches name: exact names first, then patterns in table order.
func (p *Policy) CookieDeclaration(name string) (Cookie, bool) {
	for _, c := range p.Cookies {
		if c.Name == name {
			return c, true
		}
	}
	for _, c := range p.Cookies {
		if strings.Contains(c.Name, "*") && matchGlob(c.Name, name) {
			return c, true
		}
	}
	return Cookie{}, false
}

// CurrentFor reports whether consent given under version is still valid: the
// version is the current one, or a revision no older than the last material
// revision. Unknown versions are not valid.
func (p *Policy) CurrentFor(version string) bool {
	if version == "" {
		return false
	}
	if version == p.Version {
		return true
	}
	at := slices.IndexFunc(p.Revisions, func(r Revision) bool { return r.Version == version })
	if at < 0 {
		return false
	}
	for _, r := range p.Revisions[at+1:] {
		if r.Material {
			return false
		}
	}
	return true
}

// LastUpdated returns the date of the newest revision, or the zero time when
// the policy lists none.
func (p *Policy) LastUpdated() time.Time {
	if len(p.Revisions) == 0 {
		return time.Time{}
	}
	return p.Revisions[len(p.Revisions)-1].Date.Time
}

// MatchCookieName reports whether a cookie name matches a declaration's
// name: equal, or matching its pattern, where '*' stands for any run of
// characters. It runs in O(len(pattern)*len(name)) time.
func MatchCookieName(pattern, name string) bool {
	if !strings.Contains(pattern, "*") {
		return pattern == name
	}
	return matchGlob(pattern, name)
}

// matchGlob reports whether name matches pattern, where '*' matches any run
// of bytes (including none) and every other byte matches itself. It runs in
// O(len(pattern)*len(name)) time: on a mismatch only the most recent star is
// retried, which suffices when '*' is the only wildcard. (Cookie names come
// from visitors' requests, so exponential or cubic backtracking is not an
// option.)
func matchGlob(pattern, name string) bool {
	p, n := 0, 0
	star, mark := -1, 0
	for n < len(name) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, n
			p++
		case p < len(pattern) && pattern[p] == name[n]:
			p++
			n++
		case star >= 0:
			p = star + 1
			mark++
			n = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}
