package middleware

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/consentgate/consent"
)

// Draft returns site's policy extended with every cookie and third-party
// host of the inventory that site does not declare: those the built-in
// declarations (consent.DefaultPolicy) know come with their built-in
// category, the others under consent.Placeholder, which consent.LoadPolicy
// refuses, naming each entry, until the owner chooses a category for it or
// removes it. Nothing site declares is dropped or changed, and site itself
// is not modified.
func (inv *Inventory) Draft(site *consent.Policy) *consent.Policy {
	d := *site
	d.Revisions = slices.Clone(site.Revisions)
	d.Categories = slices.Clone(site.Categories)
	d.Cookies = slices.Clone(site.Cookies)
	d.Trackers = slices.Clone(site.Trackers)
	builtin := consent.DefaultPolicy()
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
	for _, h := range inv.Hosts {
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
	return &d
}

// DraftYAML returns Draft as a policy file, headed by a comment that says
// what the owner must do with it.
func (inv *Inventory) DraftYAML(site *consent.Policy) ([]byte, error) {
	d := inv.Draft(site)
	body, err := d.EncodeYAML()
	if err != nil {
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
	if inv.Dropped.Total() > 0 {
		fmt.Fprintf(&b, "# The inventory was full and dropped %d observations: some cookies or hosts may be missing.\n", inv.Dropped.Total())
	}
	b.Write(body)
	return b.Bytes(), nil
}

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
