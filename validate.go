package consent

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// ErrInvalidPolicy is wrapped by every error Validate and LoadPolicy return
// for a policy whose content is wrong.
var ErrInvalidPolicy = errors.New("invalid policy")

// FieldError is one problem of a policy, located by a field path such as
// "categories[2].id" or "cookies[5].category".
type FieldError struct {
	Field   string
	Problem string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Problem }

// Unwrap lets errors.Is(err, ErrInvalidPolicy) hold for every field error.
func (e *FieldError) Unwrap() error { return ErrInvalidPolicy }

// maxGlobStars bounds the stars in a cookie name pattern, which bounds the
// matcher's backtracking on hostile cookie names.
const maxGlobStars = 3

// Validate checks the policy and returns every problem found, each naming the
// offending field (joined with errors.Join), or nil.
func (p *Policy) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, &FieldError{Field: field, Problem: fmt.Sprintf(format, args...)})
	}

	if strings.TrimSpace(p.Version) == "" {
		bad("version", "must not be empty")
	}

	known := make(map[CategoryID]bool, len(p.Categories))
	required := 0
	if len(p.Categories) == 0 {
		bad("categories", "must list at least one category")
	}
	if len(p.Categories) > MaxCategories {
		bad("categories", "has %d categories, at most %d are supported", len(p.Categories), MaxCategories)
	}
	for i, c := range p.Categories {
		field := fmt.Sprintf("categories[%d]", i)
		switch {
		case c.ID == "":
			bad(field+".id", "must not be empty")
		case !validCategoryID(c.ID):
			bad(field+".id", "%q may hold only lowercase letters, digits, '-' and '_' (at most 32)", c.ID)
		case known[c.ID]:
			bad(field+".id", "duplicate category ID %q", c.ID)
		}
		if c.ID == Placeholder {
			bad(field+".id", "%q is reserved for the placeholder of drafted policies", c.ID)
		}
		known[c.ID] = true
		if strings.TrimSpace(c.Name) == "" {
			bad(field+".name", "must not be empty")
		}
		if c.Required {
			required++
			if c.SaleOrSharing {
				bad(field+".saleOrSharing", "a required category cannot be refused by a privacy signal")
			}
		}
		if c.ID == Essential && !c.Required {
			bad(field+".required", "the essential category cannot be refused: set required: true")
		}
	}
	if len(p.Categories) > 0 && required == 0 {
		bad("categories", "no category is required: essential cookies must have one")
	}
	choices := categoryChoices(p.Categories)

	for i, c := range p.Cookies {
		field := fmt.Sprintf("cookies[%d]", i)
		if c.Name == "" {
			bad(field+".name", "must not be empty")
		} else if strings.Count(c.Name, "*") > maxGlobStars {
			bad(field+".name", "pattern %q has more than %d '*'", c.Name, maxGlobStars)
		} else if strings.ContainsAny(c.Name, " \t\r\n;,=\"") {
			bad(field+".name", "%q is not a cookie name", c.Name)
		}
		if c.Category == Placeholder {
			bad(field+".category", "cookie %q is still %q: choose one of %s, or remove the entry", c.Name, Placeholder, choices)
		} else if !known[c.Category] {
			bad(field+".category", "unknown category %q", c.Category)
		}
		if c.Lifetime < 0 {
			bad(field+".lifetime", "must not be negative")
		}
		if c.Path != "" && !strings.HasPrefix(c.Path, "/") {
			bad(field+".path", "%q must start with '/'", c.Path)
		}
	}

	for i, t := range p.Trackers {
		field := fmt.Sprintf("trackers[%d]", i)
		if strings.TrimSpace(t.Name) == "" {
			bad(field+".name", "must not be empty")
		}
		if t.Category == Placeholder {
			bad(field+".category", "tracker %q is still %q: choose one of %s, or remove the entry", t.Name, Placeholder, choices)
		} else if !known[t.Category] {
			bad(field+".category", "unknown category %q", t.Category)
		}
		if len(t.Hosts) == 0 && len(t.URLs) == 0 {
			bad(field, "needs hosts or urls")
		}
		for j, h := range t.Hosts {
			if !ValidHost(h) {
				bad(fmt.Sprintf("%s.hosts[%d]", field, j), "%q is not a host name", h)
			}
		}
		for j, u := range t.URLs {
			if !validURLPattern(u) {
				bad(fmt.Sprintf("%s.urls[%d]", field, j), "%q must be a host followed by a path, e.g. \"www.example.com/pixel\"", u)
			}
		}
	}

	for i, t := range p.Trackers {
		if t.Vendor != "" && !ValidVendorID(t.Vendor) {
			bad(fmt.Sprintf("trackers[%d].vendor", i), "%q is not a vendor ID (lowercase letters, digits and '-')", t.Vendor)
		}
	}
	p.validateCatalog(bad, known, choices)
	for i, sv := range p.Services {
		field := fmt.Sprintf("services[%d]", i)
		if strings.TrimSpace(sv.Name) == "" {
			bad(field+".name", "must not be empty")
		}
		if strings.TrimSpace(sv.Purpose) == "" {
			bad(field+".purpose", "service %q needs a purpose: the policy page tells visitors what it is for", sv.Name)
		}
		if len(sv.Hosts) == 0 && len(sv.URLs) == 0 {
			bad(field, "needs hosts or urls")
		}
		for j, h := range sv.Hosts {
			if !ValidHost(h) {
				bad(fmt.Sprintf("%s.hosts[%d]", field, j), "%q is not a host name", h)
			}
		}
		for j, u := range sv.URLs {
			if !validURLPattern(u) {
				bad(fmt.Sprintf("%s.urls[%d]", field, j), "%q must be a host followed by a path, e.g. \"www.example.com/maps/\"", u)
			}
		}
	}

	var last time.Time
	seen := make(map[string]bool, len(p.Revisions))
	for i, r := range p.Revisions {
		field := fmt.Sprintf("revisions[%d]", i)
		if strings.TrimSpace(r.Version) == "" {
			bad(field+".version", "must not be empty")
		} else if seen[r.Version] {
			bad(field+".version", "duplicate revision version %q", r.Version)
		}
		seen[r.Version] = true
		if r.Date.IsZero() {
			bad(field+".date", "must be set (YYYY-MM-DD)")
		} else if r.Date.Before(last) {
			bad(field+".date", "%s is older than the revision before it: list revisions oldest first", r.Date)
		}
		last = r.Date.Time
	}
	if n := len(p.Revisions); n > 0 && p.Revisions[n-1].Version != p.Version {
		bad("version", "%q is not the version of the newest revision (%q)", p.Version, p.Revisions[n-1].Version)
	}

	return errors.Join(errs...)
}

// validateCatalog checks what can be checked of the catalog settings
// without the catalog: that the categories mapped to exist and that vendor
// IDs are well formed. Whether the standard categories and the vendors
// exist is for the catalog to say (catalog.Catalog.Resolve).
func (p *Policy) validateCatalog(bad func(field, format string, args ...any), known map[CategoryID]bool, choices string) {
	s := p.Catalog
	if s == nil {
		return
	}
	if s.Off {
		if len(s.Categories) > 0 || len(s.Vendors) > 0 || len(s.Exclude) > 0 || len(s.Uses) > 0 {
			bad("catalog", "is off (none) but also maps categories or names vendors")
		}
		return
	}
	target := func(field string, c CategoryID) {
		switch {
		case c == Placeholder:
			bad(field, "is still %q: choose one of %s", Placeholder, choices)
		case !known[c]:
			bad(field, "unknown category %q: want one of %s", c, choices)
		}
	}
	for _, k := range sortedKeys(s.Categories) {
		field := "catalog.categories." + k
		if !ValidVendorID(k) {
			bad(field, "%q is not a standard category name", k)
			continue
		}
		target(field, s.Categories[k])
	}
	for _, k := range sortedKeys(s.Vendors) {
		field := "catalog.vendors." + k
		if !ValidVendorID(k) {
			bad(field, "%q is not a vendor ID (lowercase letters, digits and '-')", k)
			continue
		}
		target(field, s.Vendors[k])
	}
	excluded := make(map[string]bool, len(s.Exclude))
	for i, id := range s.Exclude {
		field := fmt.Sprintf("catalog.exclude[%d]", i)
		switch {
		case !ValidVendorID(id):
			bad(field, "%q is not a vendor ID (lowercase letters, digits and '-')", id)
		case excluded[id]:
			bad(field, "vendor %q is listed twice", id)
		case s.Vendors[id] != "":
			bad(field, "vendor %q is excluded and also filed under a category in catalog.vendors", id)
		}
		excluded[id] = true
	}
	used := make(map[string]bool, len(s.Uses))
	for i, id := range s.Uses {
		field := fmt.Sprintf("catalog.uses[%d]", i)
		switch {
		case !ValidVendorID(id):
			bad(field, "%q is not a vendor ID (lowercase letters, digits and '-')", id)
		case used[id]:
			bad(field, "vendor %q is listed twice", id)
		case excluded[id]:
			bad(field, "vendor %q is used and also excluded", id)
		}
		used[id] = true
	}
}

func sortedKeys(m map[string]CategoryID) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// ValidVendorID reports whether id can name a vendor of the catalog:
// lowercase letters, digits and '-', at most 64, not starting or ending
// with '-'.
func ValidVendorID(id string) bool {
	if id == "" || len(id) > 64 || strings.HasPrefix(id, "-") || strings.HasSuffix(id, "-") {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

// categoryChoices lists the category IDs for an error message.
func categoryChoices(cats []Category) string {
	ids := make([]string, 0, len(cats))
	for _, c := range cats {
		if c.ID != "" && c.ID != Placeholder {
			ids = append(ids, string(c.ID))
		}
	}
	if len(ids) == 0 {
		return "the policy's categories"
	}
	return strings.Join(ids, ", ")
}

func validCategoryID(id CategoryID) bool {
	if len(id) > 32 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// validURLPattern reports whether u is a host followed by a path, with no
// query, fragment or space (a source a Content-Security-Policy can carry).
func validURLPattern(u string) bool {
	host, path, _ := strings.Cut(u, "/")
	return ValidHost(host) && path != "" && !strings.ContainsAny(path, "?#;, \t\r\n\f'\"")
}

// ValidHost reports whether h can be declared as a tracker host: a
// lowercase DNS name with at least one dot.
func ValidHost(h string) bool {
	if h == "" || len(h) > 253 || !strings.Contains(h, ".") || strings.HasPrefix(h, ".") || strings.HasSuffix(h, ".") {
		return false
	}
	for _, r := range h {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.') {
			return false
		}
	}
	u, err := url.Parse("https://" + h + "/")
	return err == nil && u.Host == h
}
