package middleware

// draftHosts is what Draft reads for third parties: the hosts of tags,
// then each host browsers reported blocked by the policy header that the
// tags did not show (one loaded at run time, by fetch, from CSS, …), as a
// host of kind "csp <directive>". Keywords ("inline", "eval", …) are no
// hosts and are left out; a reported host the policy declares carries its
// tracker's name, which Draft skips like a declared tag's, and Draft
// leaves out the site's declared services whichever way they were seen.
func (inv *Inventory) draftHosts() []SeenHost {
	if len(inv.CSPReports) == 0 {
		return inv.Hosts
	}
	out := make([]SeenHost, 0, len(inv.Hosts)+len(inv.CSPReports))
	out = append(out, inv.Hosts...)
	for _, r := range inv.CSPReports {
		if r.Keyword {
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
