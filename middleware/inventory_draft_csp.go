package middleware

import "github.com/consentgate/consent"

// draftHosts is what Draft reads for third parties: the hosts of tags,
// then each host browsers reported blocked by the policy header that the
// tags did not show (one loaded at run time, by fetch, from CSS, …), as a
// host of kind "csp <directive>". Keywords ("inline", "eval", …) are no
// hosts and are left out; a reported host the policy declares carries its
// tracker's name, which Draft skips like a declared tag's. Hosts that
// site declares as Services are needed, not trackers, and are left out
// too, whichever way they were seen.
func (inv *Inventory) draftHosts(site *consent.Policy) []SeenHost {
	out := make([]SeenHost, 0, len(inv.Hosts)+len(inv.CSPReports))
	for _, h := range inv.Hosts {
		if !declaresService(site.Services, h.Host) {
			out = append(out, h)
		}
	}
	for _, r := range inv.CSPReports {
		if r.Keyword || declaresService(site.Services, r.Host) {
			continue
		}
		category := r.Category
		if r.Tracker == "" {
			category = Undeclared
		}
		out = append(out, SeenHost{Host: r.Host, Kind: "csp " + r.Directive, Tracker: r.Tracker, Category: category,
			Count: r.Count, FirstSeen: r.FirstSeen, LastSeen: r.LastSeen, Paths: r.Paths})
	}
	return out
}

// declaresService reports whether a service declares host (or a parent of
// it). A service declared by URL pattern shares its host with others
// (trackers, often), so the host is still drafted for the owner to decide.
func declaresService(services []consent.Service, host string) bool {
	for _, s := range services {
		for _, h := range s.Hosts {
			if within(host, h) {
				return true
			}
		}
	}
	return false
}
