package banner

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
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

// Pages renders the preferences and cookie policy pages of one policy. It is
// immutable and safe for concurrent use.
type Pages struct {
	policy *consent.Policy
	tmpl   *template.Template
}

// NewPages parses the page templates for policy. Templates read texts with
// {{$.T "id"}}, in the language of PageData.Texts.
func NewPages(policy *consent.Policy) (*Pages, error) {
	tmpl, err := template.New("").Funcs(template.FuncMap{
		"date": func(t time.Time) string { return t.UTC().Format("2 January 2006, 15:04 UTC") },
	}).ParseFS(templateFS, "templates/*.html")
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

type pageView struct {
	PageData
	Policy     *consent.Policy
	Categories []categoryView
	Decided    bool
}

// T returns the text with the given ID in the page's language.
func (v pageView) T(id string) string { return v.Texts.T(id) }

func (p *Pages) view(d PageData) pageView {
	v := pageView{PageData: d, Policy: p.policy, Decided: d.Consent.Decided()}
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
	return p.tmpl.ExecuteTemplate(buf, "preferences.html", p.view(d))
}

// Policy renders the cookie policy page generated from the policy.
func (p *Pages) Policy(buf *bytes.Buffer, d PageData) error {
	return p.tmpl.ExecuteTemplate(buf, "policy.html", p.view(d))
}
