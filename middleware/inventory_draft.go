package middleware

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/consentgate/consent"
	"github.com/consentgate/consent/catalog"
	"go.yaml.in/yaml/v3"
)

// Draft returns site's policy extended with every cookie and third-party
// host of the inventory that site does not declare. Those of a vendor of
// the catalog of known third parties that site uses (the middleware's
// catalog, or catalog.Default for another policy) add the vendor's ID to
// catalog.uses: the catalog already declares them, with the category the
// vendor falls under. Those the built-in catalog knows otherwise (the site
// excludes the vendor, or turns the catalog off) are declared with the
// category the default policy gives them, when the site has it; the others
// under consent.Placeholder, which consent.LoadPolicy refuses, naming each
// entry, until the owner chooses a category for it or removes it. Nothing
// site declares is dropped or changed, and site itself is not modified.
func (inv *Inventory) Draft(site *consent.Policy) *consent.Policy {
	d, _ := inv.draft(site)
	return d
}

// draft is Draft, also returning the vendors it added to catalog.uses.
func (inv *Inventory) draft(site *consent.Policy) (*consent.Policy, []string) {
	d := *site
	d.Revisions = slices.Clone(site.Revisions)
	d.Categories = slices.Clone(site.Categories)
	d.Cookies = slices.Clone(site.Cookies)
	d.Trackers = slices.Clone(site.Trackers)
	builtin := builtinDeclarations()
	known := inv.knownVendors(site)
	var addedUses []string
	use := func(id string) {
		if d.Catalog == site.Catalog {
			d.Catalog = &consent.CatalogSettings{}
			if site.Catalog != nil {
				*d.Catalog = *site.Catalog
				d.Catalog.Uses = slices.Clone(site.Catalog.Uses)
			}
		}
		if _, filed := d.Catalog.Vendors[id]; !filed && !slices.Contains(d.Catalog.Uses, id) {
			d.Catalog.Uses = append(d.Catalog.Uses, id)
			addedUses = append(addedUses, id)
		}
	}
	category := func(id consent.CategoryID) consent.CategoryID {
		if _, ok := site.Category(id); ok {
			return id
		}
		return consent.Placeholder
	}

	added := make(map[string]bool)
	for _, c := range inv.Cookies {
		if _, ok := d.CookieDeclaration(c.Name); ok {
			continue // declared by the site, or by a built-in pattern added above
		}
		if id := known.cookieVendor(c); id != "" {
			use(id)
			continue
		}
		if decl, ok := builtin.CookieDeclaration(c.Name); ok && !added[decl.Name] {
			added[decl.Name] = true
			decl.Category = category(decl.Category)
			d.Cookies = append(d.Cookies, decl)
			continue
		}
		seen := consent.Cookie{Name: c.Name, Category: consent.Placeholder, Domain: c.Domain}
		if c.MaxAge > 0 {
			seen.Lifetime = consent.Lifetime(time.Duration(c.MaxAge) * time.Second)
		}
		if c.Path != "" && c.Path != "/" {
			seen.Path = c.Path
		}
		if !validDraftCookieName(c.Name) {
			continue // a name the loader would refuse cannot be declared anyway
		}
		d.Cookies = append(d.Cookies, seen)
	}

	addedHost := make(map[string]bool)
	for _, h := range inv.draftHosts() { // tags, then hosts browsers reported (CSP)
		if id := known.hostVendor(h); id != "" {
			use(id)
			continue
		}
		if h.Tracker != "" || addedHost[h.Host] || declaresHost(d.Trackers, h.Host) {
			continue
		}
		if declaresService(site.Services, h.Host) {
			continue // a service the site needs, declared already
		}
		addedHost[h.Host] = true
		if t, ok := builtinTracker(builtin, h.Host); ok {
			t.Category = category(t.Category)
			d.Trackers = append(d.Trackers, t)
			continue
		}
		if !consent.ValidHost(h.Host) {
			continue
		}
		d.Trackers = append(d.Trackers, consent.Tracker{Name: h.Host, Category: consent.Placeholder, Hosts: []string{h.Host}})
	}
	return &d, addedUses
}

// DraftYAML returns Draft as a policy file, headed by a comment that says
// what the owner must do with it.
func (inv *Inventory) DraftYAML(site *consent.Policy) ([]byte, error) {
	d, added := inv.draft(site)
	x := inv.knownVendors(site)
	var doc yaml.Node
	if err := doc.Encode(d); err != nil {
		return nil, err
	}
	commentUses(&doc, site, x)
	vendors := len(added)
	var body bytes.Buffer
	enc := yaml.NewEncoder(&body)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	undecided := 0
	for _, c := range d.Cookies {
		if c.Category == consent.Placeholder {
			undecided++
		}
	}
	for _, t := range d.Trackers {
		if t.Category == consent.Placeholder {
			undecided++
		}
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Policy drafted by ConsentGate from what it saw since %s.\n", inv.Since.UTC().Format(time.RFC3339))
	if undecided > 0 {
		fmt.Fprintf(&b, "# %d entries have the category %q: choose a category for each (or remove it);\n", undecided, consent.Placeholder)
		b.WriteString("# the policy loader refuses this file until none is left.\n")
	}
	if vendors > 0 {
		if vendors == 1 {
			b.WriteString("# catalog.uses now names the vendor of the catalog of known third parties that was seen: the\n")
		} else {
			fmt.Fprintf(&b, "# catalog.uses now names the %d vendors of the catalog of known third parties that were seen: the\n", vendors)
		}
		b.WriteString("# catalog declares their hosts and cookies; check the category each falls under.\n")
	}
	if inv.Dropped.Total() > 0 {
		fmt.Fprintf(&b, "# The inventory was full and dropped %d observations: some cookies or hosts may be missing.\n", inv.Dropped.Total())
	}
	b.Write(body.Bytes())
	return b.Bytes(), nil
}

// builtinDeclarations are the built-in catalog's trackers and first-party
// cookies under the default policy's categories, for the draft.
var builtinDeclarations = sync.OnceValue(func() *consent.Policy {
	r, err := catalog.Default().Resolve(consent.DefaultPolicy())
	if err != nil {
		panic(err) // the catalog's tests resolve the default policy
	}
	return &consent.Policy{Cookies: r.Cookies, Trackers: r.Trackers}
})

// declaresHost reports whether a tracker declares host (or a parent of it).
func declaresHost(trackers []consent.Tracker, host string) bool {
	for _, t := range trackers {
		for _, h := range t.Hosts {
			if within(host, h) {
				return true
			}
		}
	}
	return false
}

// builtinTracker finds the built-in declaration of host.
func builtinTracker(p *consent.Policy, host string) (consent.Tracker, bool) {
	for _, t := range p.Trackers {
		for _, h := range t.Hosts {
			if within(host, h) {
				return t, true
			}
		}
	}
	return consent.Tracker{}, false
}

// within reports whether host is parent or one of its subdomains.
func within(host, parent string) bool {
	host, parent = strings.ToLower(host), strings.ToLower(parent)
	return host == parent || strings.HasSuffix(host, "."+parent)
}

func validDraftCookieName(name string) bool {
	return name != "" && !strings.ContainsAny(name, " \t\r\n;,=\"*")
}

// vendorIndex is what the draft knows of the catalog for one policy: the
// trackers and first-party cookies it adds, by vendor.
type vendorIndex struct {
	byID     map[string]consent.Tracker // the catalog's tracker of each applied vendor
	trackers []consent.Tracker
	cookies  consent.Policy              // the catalog's cookies, Provider set to the vendor ID
	unmapped map[string]catalog.Category // vendor ID → its standard category, when the policy maps it to none
}

// knownVendors applies the catalog to site: the middleware's resolution
// when site is the policy it enforces, else the built-in catalog's. A
// policy the catalog cannot apply, or one with "catalog: none", knows no
// vendor.
func (inv *Inventory) knownVendors(site *consent.Policy) vendorIndex {
	x := vendorIndex{byID: map[string]consent.Tracker{}, unmapped: map[string]catalog.Category{}}
	r := inv.vendors
	if r == nil || site != inv.policy {
		var err error
		if r, err = catalog.Default().Resolve(site); err != nil {
			return x
		}
	}
	if r.Off {
		return x
	}
	x.trackers = r.Trackers
	byName := make(map[string]string, len(r.Trackers))
	for _, t := range r.Trackers {
		x.byID[t.Vendor] = t
		byName[t.Name] = t.Vendor
	}
	for _, c := range r.Cookies {
		if id := byName[c.Provider]; id != "" {
			c.Provider = id
			x.cookies.Cookies = append(x.cookies.Cookies, c)
		}
	}
	for _, u := range r.Unmapped {
		for _, id := range u.Vendors {
			x.unmapped[id] = u.Category
		}
	}
	return x
}

// cookieVendor returns the catalog vendor that sets c, or "".
func (x vendorIndex) cookieVendor(c SeenCookie) string {
	if _, ok := x.byID[c.Vendor]; ok {
		return c.Vendor
	}
	if decl, ok := x.cookies.CookieDeclaration(c.Name); ok {
		return decl.Provider
	}
	return ""
}

// hostVendor returns the catalog vendor a host belongs to, or "": the one
// the middleware matched, else the vendor whose host covers it, unless a
// tracker of the policy itself matched it.
func (x vendorIndex) hostVendor(h SeenHost) string {
	if _, ok := x.byID[h.Vendor]; ok {
		return h.Vendor
	}
	if h.Tracker != "" {
		// A host a browser reported (CSP) names its tracker only.
		for _, t := range x.trackers {
			if t.Name == h.Tracker {
				return t.Vendor
			}
		}
		return ""
	}
	best, id := 0, ""
	for _, t := range x.trackers {
		for _, p := range t.Hosts {
			if len(p) > best && within(h.Host, p) {
				best, id = len(p), t.Vendor
			}
		}
	}
	return id
}

// usesComment says, above a vendor of catalog.uses, who it is, what it
// does and which category of the policy it falls under.
func usesComment(site *consent.Policy, x vendorIndex, id string) string {
	t, ok := x.byID[id]
	if !ok {
		return ""
	}
	var under string
	switch c, has := site.Category(t.Category); {
	case t.Category == consent.Unmapped:
		std := x.unmapped[id]
		under = fmt.Sprintf("this policy has no category for %s: blocked for every visitor until catalog.categories.%s names one", std, std)
	case has && c.Name != "" && !strings.EqualFold(c.Name, string(c.ID)):
		under = fmt.Sprintf("category %s (%s)", c.ID, c.Name)
	default:
		under = "category " + string(t.Category)
	}
	purpose := strings.TrimSpace(t.Purpose)
	if purpose != "" {
		purpose = " " + purpose
	}
	return fmt.Sprintf("%s (catalog):%s\nUnder this policy: %s.", t.Name, purpose, under)
}

// commentUses puts usesComment above each vendor of the document's
// catalog.uses, the site's own and those the draft added.
func commentUses(doc *yaml.Node, site *consent.Policy, x vendorIndex) {
	uses := mappingValue(mappingValue(doc, "catalog"), "uses")
	if uses == nil || uses.Kind != yaml.SequenceNode {
		return
	}
	for _, item := range uses.Content {
		if c := usesComment(site, x, item.Value); c != "" {
			item.HeadComment = c
		}
	}
}

// mappingValue returns the value of key in a mapping node (or a document
// holding one), nil when there is none.
func mappingValue(n *yaml.Node, key string) *yaml.Node {
	if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// declaresService reports whether a service declares host (or a parent of
// it) by host or by a URL pattern's host.
func declaresService(services []consent.Service, host string) bool {
	for _, s := range services {
		for _, h := range s.Hosts {
			if within(host, h) {
				return true
			}
		}
		for _, u := range s.URLs {
			if h, _, _ := strings.Cut(u, "/"); within(host, h) {
				return true
			}
		}
	}
	return false
}
