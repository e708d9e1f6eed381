package catalog

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/consentgate/consent"
)

// VendorError is one problem of a catalog entry, naming the vendor and the
// field.
type VendorError struct {
	// Vendor is the entry's ID, or its position ("#12") when it has none.
	Vendor string
	// Field is the field at fault ("hosts[2]", "cookies[0].party").
	Field   string
	Problem string
}

func (e *VendorError) Error() string {
	return fmt.Sprintf("vendor %s: %s: %s", e.Vendor, e.Field, e.Problem)
}

// Unwrap lets errors.Is(err, ErrInvalid) hold.
func (e *VendorError) Unwrap() error { return ErrInvalid }

// maxCookieStars bounds the stars of a cookie pattern, as policies do.
const maxCookieStars = 3

// validate checks every vendor and the catalog as a whole: unique IDs, and
// no host or URL prefix claimed by two vendors.
func validate(vs []Vendor) error {
	var errs []error
	ids := make(map[string]bool, len(vs))
	hosts := make(map[string]string) // host or host+path → vendor ID
	for i, v := range vs {
		name := v.ID
		if name == "" {
			name = fmt.Sprintf("#%d", i)
		}
		bad := func(field, format string, args ...any) {
			errs = append(errs, &VendorError{Vendor: name, Field: field, Problem: fmt.Sprintf(format, args...)})
		}
		switch {
		case v.ID == "":
			bad("id", "must not be empty")
		case !validID(v.ID):
			bad("id", "%q may hold only lowercase letters, digits and '-'", v.ID)
		case ids[v.ID]:
			bad("id", "duplicate vendor ID")
		}
		ids[v.ID] = true
		if strings.TrimSpace(v.Name) == "" {
			bad("name", "must not be empty")
		}
		if !v.Category.Valid() {
			bad("category", "unknown category %q: want one of %s", v.Category, categoryList())
		}
		if strings.TrimSpace(v.Purpose) == "" {
			bad("purpose", "must not be empty")
		}
		if u, err := url.Parse(v.Docs); err != nil || u.Scheme != "https" || u.Host == "" {
			bad("docs", "%q must be an https link to the vendor's own privacy or cookie documentation", v.Docs)
		}
		if len(v.Hosts) == 0 && len(v.URLs) == 0 {
			bad("hosts", "a vendor needs hosts or urls")
		}
		for j, h := range v.Hosts {
			field := fmt.Sprintf("hosts[%d]", j)
			if !consent.ValidHost(h) {
				bad(field, "%q is not a lowercase host name with a dot", h)
				continue
			}
			if other, dup := hosts[h]; dup {
				bad(field, "host %q is already claimed by vendor %s", h, other)
				continue
			}
			hosts[h] = name
		}
		for j, u := range v.URLs {
			field := fmt.Sprintf("urls[%d]", j)
			host, p, _ := strings.Cut(u, "/")
			if !consent.ValidHost(host) || p == "" || strings.ContainsAny(u, "?# \t") {
				bad(field, "%q must be a host followed by a path, e.g. \"www.example.com/pixel\"", u)
				continue
			}
			if other, dup := hosts[u]; dup {
				bad(field, "URL prefix %q is already claimed by vendor %s", u, other)
				continue
			}
			hosts[u] = name
		}
		switch v.Embed {
		case NoEmbed, VideoEmbed, MapEmbed, SocialEmbed, AudioEmbed, WidgetEmbed:
		default:
			bad("embed", "unknown embed %q: want video, map, social, audio or widget", v.Embed)
		}
		cookies := make(map[string]bool, len(v.Cookies))
		for j, c := range v.Cookies {
			field := fmt.Sprintf("cookies[%d]", j)
			switch {
			case c.Name == "":
				bad(field+".name", "must not be empty")
			case strings.ContainsAny(c.Name, " \t\r\n;,=\""):
				bad(field+".name", "%q is not a cookie name", c.Name)
			case strings.Count(c.Name, "*") > maxCookieStars:
				bad(field+".name", "pattern %q has more than %d '*'", c.Name, maxCookieStars)
			case cookies[c.Name]:
				bad(field+".name", "duplicate cookie %q", c.Name)
			}
			cookies[c.Name] = true
			if c.Party != FirstParty && c.Party != ThirdParty {
				bad(field+".party", "%q: want first or third", c.Party)
			}
		}
	}
	return errors.Join(errs...)
}

func validID(id string) bool {
	if len(id) > 64 || strings.HasPrefix(id, "-") || strings.HasSuffix(id, "-") {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

func categoryList() string {
	var names []string
	for _, c := range Categories() {
		names = append(names, string(c))
	}
	return strings.Join(names, ", ")
}
