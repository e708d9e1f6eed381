package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/consentgate/consent"
	"github.com/consentgate/consent/catalog"
)

// Exit statuses of `catalog check`, which scripts test: a URL the consent
// allows is a success, a blocked one a failure; 2 stays a usage error.
const (
	exitAllowed = 0
	exitBlocked = 1
)

// The -consent values besides a list of categories.
const (
	consentUndecided = "undecided"
	consentRejectAll = "reject-all"
	consentAcceptAll = "accept-all"
)

// catalogCommand runs `consent-proxy catalog search|show|check`.
func catalogCommand(_ context.Context, args []string, e env) int {
	if len(args) == 0 {
		fmt.Fprintln(e.stderr, "consent-proxy: catalog: missing command (commands: search, show, check)")
		return exitUsage
	}
	switch args[0] {
	case "search":
		return catalogSearch(args[1:], e)
	case "show":
		return catalogShow(args[1:], e)
	case "check":
		return catalogCheck(args[1:], e)
	case "-h", "-help", "--help", "help":
		catalogUsage(e.stdout)
		return exitOK
	}
	fmt.Fprintf(e.stderr, "consent-proxy: catalog: unknown command %q (commands: search, show, check)\n", args[0])
	return exitUsage
}

// catalogOf returns the catalog a run uses: the built-in one unless a test
// supplies its own.
func (e env) catalogOf() *catalog.Catalog {
	if e.catalog != nil {
		return e.catalog
	}
	return catalog.Default()
}

// catalogFlags parses a catalog command's flags, which may come before or
// after its arguments ("check URL -consent accept-all" reads as typed).
// -h prints the usage to stdout; a bad flag is an error naming it.
func catalogFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return rest, nil
		}
		rest = append(rest, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// catalogPolicy loads -policy, falling back to CONSENT_POLICY (the
// proxy's own), then to the built-in policy, and applies the catalog.
func catalogPolicy(path string, e env) (*consent.Policy, *catalog.Resolved, string, error) {
	src := ""
	if path == "" {
		path, src = e.getenv(envName("policy")), envName("policy")
	}
	p, name := consent.DefaultPolicy(), "the built-in policy"
	if path != "" {
		var err error
		if p, err = consent.LoadPolicy(path); err != nil {
			return nil, nil, "", &flagError{flag: "policy", msg: err.Error(), src: src}
		}
		name = path
	}
	r, err := e.catalogOf().Resolve(p)
	if err != nil {
		return nil, nil, "", &flagError{flag: "policy", msg: err.Error(), src: src}
	}
	return p, r, name, nil
}

// catalogFail reports a usage problem of a catalog command: -h is not one.
func catalogFail(e env, usage func(io.Writer), err error) int {
	if errors.Is(err, flag.ErrHelp) {
		usage(e.stdout)
		return exitOK
	}
	fmt.Fprintf(e.stderr, "consent-proxy: catalog: %s\n", oneLine(err.Error()))
	return exitUsage
}

// catalogSearch prints the vendors whose ID, name, company, category or a
// host contains the term, one per line, tab-separated: ID, name, standard
// category, hosts and URL prefixes (comma-separated). Nothing found is
// exit status 1, as for grep.
func catalogSearch(args []string, e env) int {
	fs := flag.NewFlagSet("consent-proxy catalog search", flag.ContinueOnError)
	rest, err := catalogFlags(fs, args)
	if err == nil && len(rest) == 0 {
		err = errors.New("search: missing TERM")
	}
	if err != nil {
		return catalogFail(e, catalogUsage, err)
	}
	term := strings.Join(rest, " ")
	found := e.catalogOf().Search(term)
	if len(found) == 0 {
		fmt.Fprintf(e.stderr, "consent-proxy: catalog: no vendor matches %q\n", term)
		return exitError
	}
	for _, v := range found {
		fmt.Fprintf(e.stdout, "%s\t%s\t%s\t%s\n", v.ID, v.Name, v.Category, strings.Join(slices.Concat(v.Hosts, v.URLs), ","))
	}
	return exitOK
}

// catalogShow prints one vendor in full, with the category of the policy
// it falls under. An unknown ID is exit status 1, with the vendors whose
// ID or name contains it as suggestions.
func catalogShow(args []string, e env) int {
	fs := flag.NewFlagSet("consent-proxy catalog show", flag.ContinueOnError)
	policyPath := fs.String("policy", "", "")
	rest, err := catalogFlags(fs, args)
	if err == nil && len(rest) != 1 {
		err = errors.New("show: want one VENDOR (a catalog ID, see catalog search)")
	}
	if err != nil {
		return catalogFail(e, catalogUsage, err)
	}
	p, r, policyName, err := catalogPolicy(*policyPath, e)
	if err != nil {
		return catalogFail(e, catalogUsage, err)
	}
	cat := e.catalogOf()
	v, ok := cat.Vendor(strings.ToLower(rest[0]))
	if !ok {
		msg := fmt.Sprintf("consent-proxy: catalog: no vendor %q", rest[0])
		if similar := cat.Search(rest[0]); len(similar) > 0 {
			ids := make([]string, 0, min(len(similar), 5))
			for _, s := range similar[:min(len(similar), 5)] {
				ids = append(ids, s.ID)
			}
			msg += " (did you mean " + strings.Join(ids, ", ") + "?)"
		}
		fmt.Fprintln(e.stderr, msg)
		return exitError
	}

	w := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "%s (%s)\n", v.Name, v.ID)
	if v.Company != "" {
		fmt.Fprintf(w, "company:\t%s\n", v.Company)
	}
	fmt.Fprintf(w, "purpose:\t%s\n", v.Purpose)
	fmt.Fprintf(w, "category:\t%s\n", v.Category)
	standing := vendorStanding(p, r, v)
	if slices.ContainsFunc(r.Used, func(u catalog.Vendor) bool { return u.ID == v.ID }) {
		standing += "; the site uses it"
	}
	fmt.Fprintf(w, "under the policy:\t%s (%s)\n", standing, policyName)
	fmt.Fprintf(w, "docs:\t%s\n", v.Docs)
	if len(v.Hosts) > 0 {
		fmt.Fprintf(w, "hosts:\t%s\n", strings.Join(v.Hosts, ", "))
	}
	if len(v.URLs) > 0 {
		fmt.Fprintf(w, "url prefixes:\t%s\n", strings.Join(v.URLs, ", "))
	}
	if v.Embed != catalog.NoEmbed {
		fmt.Fprintf(w, "embed:\t%s (can get a click-to-load placeholder)\n", v.Embed)
	}
	if err := w.Flush(); err != nil {
		return exitError
	}
	if len(v.Cookies) > 0 {
		fmt.Fprintln(e.stdout, "cookies:")
		w = tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
		for _, c := range v.Cookies {
			fmt.Fprintf(w, "  %s\t%s\t%s party\t%s\n", c.Name, lifetimeText(c.Lifetime), c.Party, c.Purpose)
		}
		if err := w.Flush(); err != nil {
			return exitError
		}
	}
	return exitOK
}

// lifetimeText writes a cookie lifetime as policies do ("2y", "13mo").
func lifetimeText(l consent.Lifetime) string {
	if l.Session() {
		return "session"
	}
	s := l.String()
	// Durations below a day are Go's ("30m0s"): drop the zero units.
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// vendorStanding says what the policy makes of a vendor: the category it
// falls under (and why), or why it is not applied.
func vendorStanding(p *consent.Policy, r *catalog.Resolved, v catalog.Vendor) string {
	if r.Off {
		return "not applied: the policy turns the catalog off (catalog: none)"
	}
	if p.Catalog != nil && slices.Contains(p.Catalog.Exclude, v.ID) {
		return "not applied: excluded by catalog.exclude"
	}
	for _, t := range p.Trackers {
		if t.Vendor == v.ID {
			return fmt.Sprintf("replaced by the policy's own tracker %q, category %s", t.Name, categoryLabel(p, t.Category))
		}
	}
	i := slices.IndexFunc(r.Trackers, func(t consent.Tracker) bool { return t.Vendor == v.ID })
	if i < 0 {
		return "not applied: the policy's own trackers declare all its hosts"
	}
	t := r.Trackers[i]
	why := "the default mapping of " + string(v.Category)
	switch {
	case t.Category == consent.Unmapped:
		return fmt.Sprintf("blocked for every visitor: the policy maps %s to none of its categories (set catalog.categories.%s)", v.Category, v.Category)
	case p.Catalog != nil && p.Catalog.Vendors[v.ID] != "":
		why = "catalog.vendors." + v.ID
	case p.Catalog != nil && p.Catalog.Categories[string(v.Category)] != "":
		why = "catalog.categories." + string(v.Category)
	}
	return fmt.Sprintf("%s, by %s", categoryLabel(p, t.Category), why)
}

// categoryLabel is a policy category's ID and name: "analytics (Analytics
// and performance)".
func categoryLabel(p *consent.Policy, id consent.CategoryID) string {
	if c, ok := p.Category(id); ok && c.Name != "" && !strings.EqualFold(c.Name, string(id)) {
		return fmt.Sprintf("%s (%s)", id, c.Name)
	}
	return string(id)
}

// catalogCheck says which tracker a URL belongs to (a catalog vendor, the
// policy's own tracker, or none), which category of the policy, and
// whether the given consent allows it: exit status 0 when allowed, 1 when
// blocked.
func catalogCheck(args []string, e env) int {
	fs := flag.NewFlagSet("consent-proxy catalog check", flag.ContinueOnError)
	policyPath := fs.String("policy", "", "")
	consentArg := fs.String("consent", consentUndecided, "")
	rest, err := catalogFlags(fs, args)
	if err == nil && len(rest) != 1 {
		err = errors.New("check: want one URL")
	}
	if err != nil {
		return catalogFail(e, catalogUsage, err)
	}
	host, path, ok := splitCheckURL(rest[0])
	if !ok {
		return catalogFail(e, catalogUsage, fmt.Errorf("check: %q is not an http(s) URL or host", rest[0]))
	}
	p, r, policyName, err := catalogPolicy(*policyPath, e)
	if err != nil {
		return catalogFail(e, catalogUsage, err)
	}
	granted, err := grantedBy(p, *consentArg)
	if err != nil {
		return catalogFail(e, catalogUsage, &flagError{flag: "consent", msg: err.Error()})
	}

	w := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "url:\t%s\n", rest[0])
	fmt.Fprintf(w, "policy:\t%s\n", policyName)
	d := matchDeclaration(declarations(p.Trackers, r.Trackers), host, path)
	allowed := true
	switch {
	case d == nil:
		fmt.Fprintf(w, "tracker:\tnone: neither the policy nor the catalog declares %s\n", host)
		fmt.Fprintf(w, "category:\tnone\n")
	default:
		t := d.tracker
		pattern := d.host + d.path
		if d.own {
			vendor := ""
			if t.Vendor != "" {
				vendor = ", in place of catalog vendor " + t.Vendor
			}
			fmt.Fprintf(w, "tracker:\t%s (the policy's own, %s%s)\n", t.Name, pattern, vendor)
		} else {
			v, _ := e.catalogOf().Vendor(t.Vendor)
			fmt.Fprintf(w, "tracker:\t%s (catalog vendor %s, %s)\n", t.Name, t.Vendor, pattern)
			fmt.Fprintf(w, "standard category:\t%s\n", v.Category)
		}
		if t.Category == consent.Unmapped {
			fmt.Fprintf(w, "category:\tnone: the policy maps this standard category to none of its own, so it is blocked for every visitor\n")
		} else {
			fmt.Fprintf(w, "category:\t%s\n", categoryLabel(p, t.Category))
		}
		allowed = t.Category != consent.Unmapped && slices.Contains(granted, t.Category)
	}
	fmt.Fprintf(w, "consent:\t%s (granted: %s)\n", *consentArg, joinIDs(granted))
	if allowed {
		fmt.Fprintf(w, "verdict:\tallowed\n")
	} else {
		fmt.Fprintf(w, "verdict:\tblocked\n")
	}
	if err := w.Flush(); err != nil {
		return exitError
	}
	if !allowed {
		return exitBlocked
	}
	return exitAllowed
}

// grantedBy returns the categories a -consent value grants: the required
// ones always; every category with accept-all; the listed ones with a
// comma-separated list of category IDs.
func grantedBy(p *consent.Policy, arg string) ([]consent.CategoryID, error) {
	granted := p.RequiredCategories()
	switch arg {
	case consentUndecided, consentRejectAll:
		return granted, nil
	case consentAcceptAll:
		return append(granted, p.RefusableCategories()...), nil
	}
	for part := range strings.SplitSeq(arg, ",") {
		id := consent.CategoryID(strings.TrimSpace(part))
		if id == "" {
			continue
		}
		if _, ok := p.Category(id); !ok {
			var ids []consent.CategoryID
			for _, c := range p.Categories {
				ids = append(ids, c.ID)
			}
			return nil, fmt.Errorf("unknown category %q: want undecided, reject-all, accept-all or categories of the policy (%s), comma-separated", id, joinIDs(ids))
		}
		if !slices.Contains(granted, id) {
			granted = append(granted, id)
		}
	}
	return granted, nil
}

func joinIDs(ids []consent.CategoryID) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = string(id)
	}
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ",")
}

// catalogUsage writes the catalog commands' usage.
func catalogUsage(w io.Writer) {
	fmt.Fprint(w, `Usage: consent-proxy catalog search TERM
       consent-proxy catalog show [-policy FILE] VENDOR
       consent-proxy catalog check [-policy FILE] [-consent C] URL

The catalog of known third parties that every policy uses (unless it says
"catalog: none").

search  lists the vendors whose ID, name, company, category or a host
        contains TERM (case-insensitive), one per line, tab-separated: ID,
        name, standard category, hosts and URL prefixes. Exit status 1 when
        none matches.
show    prints one vendor in full: company, purpose, standard category and
        the category of the policy it falls under, docs link, hosts, URL
        prefixes, cookies (lifetime, party, purpose), embed. Exit status 1
        for an unknown VENDOR.
check   says which tracker URL belongs to (a catalog vendor, the policy's
        own tracker, or none), its category under the policy, and whether
        the consent allows it. Exit status 0 when allowed, 1 when blocked.
        A URL no one declares is allowed (the middleware still removes it
        as a beacon when it is a hidden or 1x1 image or frame).

  -policy FILE  the policy, JSON or YAML (default: CONSENT_POLICY, else the
                built-in policy)
  -consent C    undecided, reject-all, accept-all, or category IDs of the
                policy, comma-separated (default undecided); the required
                categories are always granted

Exit status 2: a bad flag, URL or policy, named on stderr.
`)
}
