package banner

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/consentgate/consent"
)

//go:embed templates/*.html
var templateFS embed.FS

// PageData is what a page needs to know about the request.
type PageData struct {
	// Consent is the visitor's current consent (undecided when they have
	// not chosen).
	Consent *consent.Consent
	// Prefix is the path of the consent endpoint ("/consent").
	Prefix string
	// Return is the safe path to send the visitor back to after saving.
	Return string
	// Texts are the texts in the visitor's language (Catalog.Texts).
	Texts Texts
}

// Pages renders the preferences, cookie policy and policy changes pages of
// one policy. It is immutable and safe for concurrent use.
type Pages struct {
	policy *consent.Policy
	tmpl   *template.Template

	cookies      []consent.Cookie // the policy's, then the used vendors'
	thirdParties []thirdPartyView // the policy's trackers, then the used vendors
	blocked      []blockedView    // the other known third parties, by category
	nBlocked     int
}

// Vendor is a known third party that the site uses, as the pages describe
// it.
type Vendor struct {
	// Tracker is its declaration: Name, Category, Purpose and Docs are
	// shown; Category consent.Unmapped says that it is never loaded.
	Tracker consent.Tracker
	// Cookies are the cookies it sets (Provider set), listed in the tables
	// of their category.
	Cookies []consent.Cookie
}

// Vendors is what the pages say about the catalog of known third parties
// (package catalog, applied by the middleware) besides the policy's own
// declarations.
type Vendors struct {
	// Used are the vendors the policy says the site uses: the policy page
	// lists them with its own trackers, and both pages list their cookies.
	Used []Vendor
	// Blocked are the other known third parties, removed until the visitor
	// grants their category: the policy page counts them and lists their
	// names by category in a folded list.
	Blocked []consent.Tracker
}

// PagesOption configures Pages.
type PagesOption func(*Pages)

// WithVendors adds the known third parties to the pages. Default none: the
// pages show the policy's own declarations only.
func WithVendors(v Vendors) PagesOption {
	return func(p *Pages) {
		for _, u := range v.Used {
			p.cookies = append(p.cookies, u.Cookies...)
			p.thirdParties = append(p.thirdParties, thirdPartyView{Tracker: u.Tracker, Cookies: u.Cookies})
		}
		p.nBlocked = len(v.Blocked)
		groups := make(map[consent.CategoryID][]string)
		for _, t := range v.Blocked {
			groups[t.Category] = append(groups[t.Category], t.Name)
		}
		order := make([]consent.CategoryID, 0, len(p.policy.Categories)+1)
		for _, c := range p.policy.Categories {
			order = append(order, c.ID)
		}
		for _, id := range append(order, consent.Unmapped) {
			if names := groups[id]; len(names) > 0 {
				p.blocked = append(p.blocked, blockedView{Category: id, Names: names})
			}
		}
	}
}

// thirdPartyView is one row of the third parties table.
type thirdPartyView struct {
	consent.Tracker
	Cookies []consent.Cookie
}

// Unmapped reports whether no visitor can allow the service.
func (s thirdPartyView) Unmapped() bool { return s.Category == consent.Unmapped }

// blockedView is the known third parties of one category.
type blockedView struct {
	Category consent.CategoryID
	Names    []string
}

// Unmapped reports whether the group is the one no visitor can allow.
func (b blockedView) Unmapped() bool { return b.Category == consent.Unmapped }

// NewPages parses the page templates for policy. Every visible text comes
// from PageData.Texts: templates read it with {{$.T "id"}}, or
// {{$.Tf "id" "name" value}} for a text with placeholders.
func NewPages(policy *consent.Policy, opts ...PagesOption) (*Pages, error) {
	tmpl, err := template.New("").ParseFS(templateFS, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("banner: templates: %w", err)
	}
	p := &Pages{policy: policy, tmpl: tmpl, cookies: slices.Clip(policy.Cookies)}
	for _, t := range policy.Trackers {
		p.thirdParties = append(p.thirdParties, thirdPartyView{Tracker: t})
	}
	for _, o := range opts {
		o(p)
	}
	return p, nil
}

// categoryView is one category with its cookies, as the pages show it.
type categoryView struct {
	consent.Category
	Cookies []consent.Cookie
	Granted bool
}

// revisionView is a revision with the version before it, which its
// changes are shown against ("" for the first).
type revisionView struct {
	consent.Revision
	Prev string
}

type pageView struct {
	PageData
	Title        string // the text ID of the page's title
	Policy       *consent.Policy
	Categories   []categoryView
	Cookies      []consent.Cookie // every cookie: the policy's and the used vendors'
	ThirdParties []thirdPartyView // the third parties the site uses
	Blocked      []blockedView    // the other known third parties, by category
	NBlocked     string           // how many there are
	Decided      bool
	Revisions    []revisionView // newest first
	Changes      *changesView   // the changes page only
}

// T returns the text with the given ID in the page's language.
func (v pageView) T(id string) string { return v.Texts.T(id) }

// Tf returns the text with the given ID with its placeholders filled in
// (see Texts.Format).
func (v pageView) Tf(id string, kv ...string) string { return v.Texts.Format(id, kv...) }

// Lifetime returns a cookie's lifetime in the page's language.
func (v pageView) Lifetime(l consent.Lifetime) string { return v.Texts.Lifetime(l) }

// DateTime writes an instant the same way in every language: month names
// would need a translation each, digits need none.
func (v pageView) DateTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

// Updated returns the day of the newest revision, or "" when there is none.
func (v pageView) Updated() string {
	if t := v.Policy.LastUpdated(); !t.IsZero() {
		return t.Format(time.DateOnly)
	}
	return ""
}

// CategoryName returns the name of the category with the given ID.
func (v pageView) CategoryName(id consent.CategoryID) string {
	if c, ok := v.Policy.Category(id); ok {
		return c.Name
	}
	if id == consent.Unmapped {
		return v.T("policy.unmapped")
	}
	return string(id)
}

// Link returns the path of the endpoint's page at sub ("/policy"), carrying
// the return path along so that the visitor still gets back to where they
// came from.
func (v pageView) Link(sub string) string {
	if v.Return == "" || v.Return == "/" {
		return v.Prefix + sub
	}
	return v.Prefix + sub + "?return=" + url.QueryEscape(v.Return)
}

// cookieTable is what the "cookies" template renders.
type cookieTable struct {
	V            pageView
	Cookies      []consent.Cookie
	Caption      string
	WithCategory bool
}

// Table bundles a cookies table for the "cookies" template, which needs the
// page's texts besides the cookies.
func (v pageView) Table(cookies []consent.Cookie, caption string, withCategory bool) cookieTable {
	return cookieTable{V: v, Cookies: cookies, Caption: caption, WithCategory: withCategory}
}

// revisionItem is what the "revision" template renders.
type revisionItem struct {
	V pageView
	R consent.Revision
	// Again is set for a material revision that asked visitors again:
	// every one but the first, which asked them for the first time.
	Again bool
}

// Revision bundles a revision for the "revision" template.
func (v pageView) Revision(r consent.Revision) revisionItem {
	first := len(v.Policy.Revisions) > 0 && v.Policy.Revisions[0].Version == r.Version
	return revisionItem{V: v, R: r, Again: r.Material && !first}
}

func (p *Pages) view(d PageData, title string) pageView {
	v := pageView{PageData: d, Title: title, Policy: p.policy, Decided: d.Consent.Decided(),
		Cookies: p.cookies, ThirdParties: p.thirdParties, Blocked: p.blocked, NBlocked: strconv.Itoa(p.nBlocked)}
	if v.Return == "" {
		v.Return = "/"
	}
	for _, c := range p.policy.Categories {
		cv := categoryView{Category: c, Granted: c.Required || (v.Decided && d.Consent.Allowed(c.ID))}
		for _, ck := range p.cookies {
			if ck.Category == c.ID {
				cv.Cookies = append(cv.Cookies, ck)
			}
		}
		v.Categories = append(v.Categories, cv)
	}
	return v
}

// Preferences renders the preferences page: one switch per category, with
// its cookies; the current choice pre-filled, never pre-ticked for a visitor
// who has not decided.
func (p *Pages) Preferences(buf *bytes.Buffer, d PageData) error {
	return p.tmpl.ExecuteTemplate(buf, "preferences.html", p.view(d, "prefs.title"))
}

// Policy renders the cookie policy page generated from the policy, with
// links to the changes of each revision.
func (p *Pages) Policy(buf *bytes.Buffer, d PageData) error {
	v := p.view(d, "policy.title")
	for i, r := range p.policy.Revisions {
		rv := revisionView{Revision: r}
		if i > 0 {
			rv.Prev = p.policy.Revisions[i-1].Version
		}
		v.Revisions = append(v.Revisions, rv)
	}
	slices.Reverse(v.Revisions)
	return p.tmpl.ExecuteTemplate(buf, "policy.html", v)
}
