package consent

import (
	"fmt"
	"strings"
)

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

// validateServices checks the services like trackers: a name, a purpose,
// and hosts or URL patterns that are well formed.
func (p *Policy) validateServices(bad func(field, format string, args ...any)) {
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
}
