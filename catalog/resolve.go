package catalog

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/consentgate/consent"
)

// DefaultMapping returns the category of the default policy that each
// standard category falls under, for policies that do not map it
// themselves (consent.CatalogSettings.Categories):
//
//	analytics, session-replay, error-monitoring          → analytics
//	advertising, social, content-recommendation, video   → targeting
//	tag-manager, marketing-automation, consent-sharing   → tracking
//	ab-testing                                           → optimization
//	affiliate                                            → partner
//	customer-chat, feedback, maps                        → functionality
//
// An entry applies only to a policy that has that category; Resolve treats
// a standard category whose default the policy lacks as unmapped. Each call
// returns a fresh map.
func DefaultMapping() map[Category]consent.CategoryID {
	return map[Category]consent.CategoryID{
		Analytics:             consent.Analytics,
		SessionReplay:         consent.Analytics,
		ErrorMonitoring:       consent.Analytics,
		Advertising:           consent.Targeting,
		Social:                consent.Targeting,
		ContentRecommendation: consent.Targeting,
		Video:                 consent.Targeting,
		TagManager:            consent.Tracking,
		MarketingAutomation:   consent.Tracking,
		ConsentSharing:        consent.Tracking,
		ABTesting:             consent.Optimization,
		Affiliate:             consent.Partner,
		CustomerChat:          consent.Functionality,
		Feedback:              consent.Functionality,
		Maps:                  consent.Functionality,
	}
}

// Resolved is what the catalog adds to one policy: the declarations the
// middleware enforces besides the policy's own.
type Resolved struct {
	// Off is set when the policy turned the catalog off ("catalog: none"):
	// everything else is empty.
	Off bool
	// Mapping is the category of the policy that each standard category
	// falls under; a standard category missing here is unmapped.
	Mapping map[Category]consent.CategoryID
	// Trackers holds one tracker per applied vendor, in catalog order, with
	// Vendor, Purpose and Docs set and Category the policy category it
	// falls under, or consent.Unmapped. Hosts and URL prefixes the policy's
	// own trackers claim are left out.
	Trackers []consent.Tracker
	// Cookies are the first-party cookies of the applied vendors (which the
	// middleware can filter and expire), Provider set to the vendor's name,
	// except those whose name or pattern the policy declares itself.
	Cookies []consent.Cookie
	// Used are the vendors the policy says the site uses
	// (consent.CatalogSettings.Uses, then the keys of Vendors in ID order).
	Used []Vendor
	// Unmapped lists the standard categories that map to no category of
	// the policy, in Categories order, with the vendors each blocks for
	// every visitor.
	Unmapped []UnmappedCategory

	overrides map[string]consent.CategoryID // consent.CatalogSettings.Vendors
}

// CategoryOf returns the category of the policy that vendor v falls under:
// its override (consent.CatalogSettings.Vendors), else its standard
// category's mapping, else consent.Unmapped. It says nothing about whether
// v was applied (an excluded vendor still has a category).
func (r *Resolved) CategoryOf(v Vendor) consent.CategoryID {
	if id, ok := r.overrides[v.ID]; ok {
		return id
	}
	if id, ok := r.Mapping[v.Category]; ok {
		return id
	}
	return consent.Unmapped
}

// UnmappedCategory is a standard category the policy has no category for.
type UnmappedCategory struct {
	// Category is the standard category.
	Category Category
	// Vendors are the IDs of the applied vendors filed under it, in catalog
	// order: blocked for every visitor until the policy maps them.
	Vendors []string
}

// Resolve applies the catalog to p, which should be valid
// (consent.Policy.Validate), and returns the trackers and cookies it adds.
//
// Each vendor's standard category falls under the policy category that
// p.Catalog.Categories names, else under the DefaultMapping entry when p
// has that category; p.Catalog.Vendors overrides this for single vendors.
// A vendor whose standard category maps to no category of the policy gets
// consent.Unmapped: it is blocked for every visitor, even after accept-all,
// because nobody was asked about it, until the policy maps it. A vendor
// never becomes allowed because its category is missing.
//
// The site's own declarations win: a host or URL prefix that a tracker of p
// declares is left out of the vendor that also claims it; a policy tracker
// whose Vendor names a catalog vendor replaces that vendor (hosts and
// cookies); a cookie name or pattern p declares is left out of the
// catalog's cookies. Excluded vendors are not applied at all.
//
// The errors wrap consent.ErrInvalidPolicy and name the field: a mapping
// key that is not a standard category, a mapping to a category p lacks, or
// a vendor ID the catalog lacks in vendors, exclude, uses or a tracker's
// vendor ("catalog.vendors.foo: no vendor \"foo\" in the catalog").
func (c *Catalog) Resolve(p *consent.Policy) (*Resolved, error) {
	s := p.Catalog
	if s != nil && s.Off {
		return &Resolved{Off: true}, nil
	}
	if s == nil {
		s = &consent.CatalogSettings{}
	}
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, &consent.FieldError{Field: field, Problem: fmt.Sprintf(format, args...)})
	}
	has := func(id consent.CategoryID) bool { _, ok := p.Category(id); return ok }
	vendorExists := func(field, id string) {
		if _, ok := c.Vendor(id); !ok {
			bad(field, "no vendor %q in the catalog", id)
		}
	}

	mapping := make(map[Category]consent.CategoryID, len(Categories()))
	for std, id := range DefaultMapping() {
		if has(id) {
			mapping[std] = id
		}
	}
	for _, k := range sortedKeys(s.Categories) {
		field := "catalog.categories." + k
		id := s.Categories[k]
		switch {
		case !Category(k).Valid():
			bad(field, "%q is not a standard category: want one of %s", k, categoryList())
		case !has(id):
			bad(field, "unknown category %q", id)
		default:
			mapping[Category(k)] = id
		}
	}
	for _, k := range sortedKeys(s.Vendors) {
		field := "catalog.vendors." + k
		vendorExists(field, k)
		if id := s.Vendors[k]; !has(id) {
			bad(field, "unknown category %q", id)
		}
	}
	for i, id := range s.Exclude {
		vendorExists(fmt.Sprintf("catalog.exclude[%d]", i), id)
	}
	for i, id := range s.Uses {
		vendorExists(fmt.Sprintf("catalog.uses[%d]", i), id)
	}
	replaced := make(map[string]bool)
	claimed := make(map[string]bool)
	for i, t := range p.Trackers {
		if t.Vendor != "" {
			vendorExists(fmt.Sprintf("trackers[%d].vendor", i), t.Vendor)
			replaced[t.Vendor] = true
		}
		for _, h := range t.Hosts {
			claimed[h] = true
		}
		for _, u := range t.URLs {
			claimed[u] = true
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	declared := make(map[string]bool, len(p.Cookies))
	for _, ck := range p.Cookies {
		declared[ck.Name] = true
	}

	r := &Resolved{Mapping: mapping, overrides: maps.Clone(s.Vendors)}
	unmapped := make(map[Category][]string)
	for i := range c.vendors {
		v := &c.vendors[i]
		if slices.Contains(s.Exclude, v.ID) || replaced[v.ID] {
			continue
		}
		cat := r.CategoryOf(*v)
		if cat == consent.Unmapped {
			unmapped[v.Category] = append(unmapped[v.Category], v.ID)
		}
		t := consent.Tracker{Name: v.Name, Vendor: v.ID, Category: cat, Purpose: v.Purpose, Docs: v.Docs,
			Hosts: unclaimed(v.Hosts, claimed), URLs: unclaimed(v.URLs, claimed)}
		if len(t.Hosts) > 0 || len(t.URLs) > 0 {
			r.Trackers = append(r.Trackers, t)
		}
		for _, ck := range v.Cookies {
			if ck.Party != FirstParty || declared[ck.Name] {
				continue
			}
			r.Cookies = append(r.Cookies, consent.Cookie{Name: ck.Name, Provider: v.Name, Category: cat,
				Purpose: ck.Purpose, Lifetime: ck.Lifetime})
		}
	}
	for _, std := range Categories() {
		if ids := unmapped[std]; len(ids) > 0 {
			r.Unmapped = append(r.Unmapped, UnmappedCategory{Category: std, Vendors: ids})
		}
	}
	for _, id := range s.Uses {
		v, _ := c.Vendor(id)
		r.Used = append(r.Used, v)
	}
	for _, id := range sortedKeys(s.Vendors) {
		if !slices.Contains(s.Uses, id) {
			v, _ := c.Vendor(id)
			r.Used = append(r.Used, v)
		}
	}
	return r, nil
}

// unclaimed returns a copy of the patterns the policy does not claim
// itself (a copy: the catalog is shared and immutable).
func unclaimed(patterns []string, claimed map[string]bool) []string {
	var out []string
	for _, p := range patterns {
		if !claimed[p] {
			out = append(out, p)
		}
	}
	return out
}

func sortedKeys(m map[string]consent.CategoryID) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// UnmappedSummary returns the number of vendors r blocks for every visitor (the
// vendors of r.Unmapped), and a one-line summary such as
// "advertising (12 vendors), social (4 vendors)" for a log.
func (r *Resolved) UnmappedSummary() (n int, summary string) {
	parts := make([]string, 0, len(r.Unmapped))
	for _, u := range r.Unmapped {
		n += len(u.Vendors)
		parts = append(parts, fmt.Sprintf("%s (%d %s)", u.Category, len(u.Vendors), plural(len(u.Vendors), "vendor")))
	}
	return n, strings.Join(parts, ", ")
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
