package banner

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"net/url"
	"slices"
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
}

// NewPages parses the page templates for policy. Every visible text comes
// from PageData.Texts: templates read it with {{$.T "id"}}, or
// {{$.Tf "id" "name" value}} for a text with placeholders.
func NewPages(policy *consent.Policy) (*Pages, error) {
	tmpl, err := template.New("").ParseFS(templateFS, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("banner: templates: %w", err)
	}
	return &Pages{policy: policy, tmpl: tmpl}, nil
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
	Title      string // the text ID of the page's title
	Policy     *consent.Policy
	Categories []categoryView
	Decided    bool
	Revisions  []revisionView // newest first
	Changes    *changesView   // the changes page only
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
	v := pageView{PageData: d, Title: title, Policy: p.policy, Decided: d.Consent.Decided()}
	if v.Return == "" {
		v.Return = "/"
	}
	for _, c := range p.policy.Categories {
		cv := categoryView{Category: c, Granted: c.Required || (v.Decided && d.Consent.Allowed(c.ID))}
		for _, ck := range p.policy.Cookies {
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
