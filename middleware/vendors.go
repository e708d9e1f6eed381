package middleware

import (
	"github.com/consentgate/consent"
	"github.com/consentgate/consent/banner"
	"github.com/consentgate/consent/catalog"
)

// pageVendors says what the pages show of the catalog: the vendors the
// policy uses, with every cookie their documentation lists (first and third
// party), and the names of the other known third parties that are removed
// until consent (those filed under a required category never are).
func pageVendors(p *consent.Policy, r *catalog.Resolved) banner.Vendors {
	var out banner.Vendors
	if r.Off {
		return out
	}
	own := make(map[string]bool)
	for _, t := range p.Trackers {
		if t.Vendor != "" {
			own[t.Vendor] = true
		}
	}
	used := make(map[string]bool, len(r.Used))
	for _, v := range r.Used {
		used[v.ID] = true
		if own[v.ID] {
			continue // the policy's own tracker describes it
		}
		cat := r.CategoryOf(v)
		u := banner.Vendor{Tracker: consent.Tracker{Name: v.Name, Vendor: v.ID, Category: cat, Purpose: v.Purpose,
			Docs: v.Docs, Hosts: v.Hosts, URLs: v.URLs}}
		for _, c := range v.Cookies {
			u.Cookies = append(u.Cookies, consent.Cookie{Name: c.Name, Provider: v.Name, Category: cat,
				Purpose: c.Purpose, Lifetime: c.Lifetime})
		}
		out.Used = append(out.Used, u)
	}
	for _, t := range r.Trackers {
		if c, ok := p.Category(t.Category); ok && c.Required {
			continue // never removed: not "blocked until consent"
		}
		if !used[t.Vendor] {
			out.Blocked = append(out.Blocked, consent.Tracker{Name: t.Name, Vendor: t.Vendor, Category: t.Category})
		}
	}
	return out
}
