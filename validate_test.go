package consent_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/consentgate/consent"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// basePolicy is a small valid policy whose indices the cases below rely on:
// two categories, one cookie, three trackers, two revisions.
func basePolicy() *consent.Policy {
	return &consent.Policy{
		Version: "2",
		Revisions: []consent.Revision{
			{Version: "1", Date: consent.DateOf(2025, time.January, 10), Summary: "First published.", Material: true},
			{Version: "2", Date: consent.DateOf(2025, time.June, 1), Summary: "Clearer wording."},
		},
		Categories: []consent.Category{
			{ID: consent.Essential, Name: "Essential", Required: true},
			{ID: consent.Analytics, Name: "Analytics"},
		},
		Cookies: []consent.Cookie{{Name: "sid", Category: consent.Essential}},
		Trackers: []consent.Tracker{
			{Name: "Stats", Category: consent.Analytics, Hosts: []string{"stats.example.com"}},
			{Name: "Pixel", Category: consent.Analytics, URLs: []string{"www.example.org/pixel"}},
			{Name: "Heatmaps", Category: consent.Analytics, Hosts: []string{"heat.example.net"}},
		},
	}
}

// fieldErrors returns the field errors joined in err, in order.
func fieldErrors(t *testing.T, err error) []*consent.FieldError {
	t.Helper()
	var out []*consent.FieldError
	var walk func(error)
	walk = func(err error) {
		var fe *consent.FieldError
		if errors.As(err, &fe) && fe == err {
			out = append(out, fe)
			return
		}
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
		}
	}
	walk(err)
	return out
}

func fieldsOf(t *testing.T, err error) []string {
	t.Helper()
	var fields []string
	for _, fe := range fieldErrors(t, err) {
		fields = append(fields, fe.Field)
	}
	return fields
}

func TestBasePolicyIsValid(t *testing.T) {
	require.NoError(t, basePolicy().Validate())
}

func TestValidateRejects(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(p *consent.Policy)
		field   string // a field the error must name
		problem string // a word of that field's problem
	}{
		{"empty version", func(p *consent.Policy) { p.Version = "" }, "version", "must not be empty"},
		{"blank version", func(p *consent.Policy) { p.Version = "  " }, "version", "must not be empty"},
		{"version is not the newest revision", func(p *consent.Policy) { p.Version = "3" }, "version", "newest revision"},
		{"no categories", func(p *consent.Policy) { p.Categories = nil }, "categories", "at least one"},
		{"too many categories", func(p *consent.Policy) {
			for i := len(p.Categories); i <= consent.MaxCategories; i++ {
				p.Categories = append(p.Categories, consent.Category{ID: consent.CategoryID(fmt.Sprintf("c%d", i)), Name: "C"})
			}
		}, "categories", fmt.Sprintf("at most %d", consent.MaxCategories)},
		{"empty category id", func(p *consent.Policy) { p.Categories[1].ID = "" }, "categories[1].id", "must not be empty"},
		{"uppercase category id", func(p *consent.Policy) { p.Categories[1].ID = "Analytics" }, "categories[1].id", "lowercase"},
		{"category id with a space", func(p *consent.Policy) { p.Categories[1].ID = "web stats" }, "categories[1].id", "lowercase"},
		{"category id too long", func(p *consent.Policy) { p.Categories[1].ID = consent.CategoryID(strings.Repeat("a", 33)) }, "categories[1].id", "at most 32"},
		{"duplicate category ids", func(p *consent.Policy) {
			p.Categories[1] = consent.Category{ID: consent.Essential, Name: "Essential again", Required: true}
		}, "categories[1].id", "duplicate"},
		{"empty category name", func(p *consent.Policy) { p.Categories[1].Name = " " }, "categories[1].name", "must not be empty"},
		{"essential marked refusable", func(p *consent.Policy) { p.Categories[0].Required = false }, "categories[0].required", "cannot be refused"},
		{"no required category", func(p *consent.Policy) {
			p.Categories[0] = consent.Category{ID: "core", Name: "Core"}
			p.Cookies[0].Category = "core"
		}, "categories", "no category is required"},
		{"required category refused by GPC", func(p *consent.Policy) { p.Categories[0].SaleOrSharing = true }, "categories[0].saleOrSharing", "required"},
		{"cookie with unknown category", func(p *consent.Policy) { p.Cookies[0].Category = "statistics" }, "cookies[0].category", `unknown category "statistics"`},
		{"cookie without category", func(p *consent.Policy) { p.Cookies[0].Category = "" }, "cookies[0].category", "unknown category"},
		{"cookie without name", func(p *consent.Policy) { p.Cookies[0].Name = "" }, "cookies[0].name", "must not be empty"},
		{"too many glob stars", func(p *consent.Policy) { p.Cookies[0].Name = "a*b*c*d*" }, "cookies[0].name", "more than 3"},
		{"cookie name with a semicolon", func(p *consent.Policy) { p.Cookies[0].Name = "sid;x" }, "cookies[0].name", "not a cookie name"},
		{"cookie name with a space", func(p *consent.Policy) { p.Cookies[0].Name = "my sid" }, "cookies[0].name", "not a cookie name"},
		{"negative lifetime", func(p *consent.Policy) { p.Cookies[0].Lifetime = -1 }, "cookies[0].lifetime", "negative"},
		{"relative cookie path", func(p *consent.Policy) { p.Cookies[0].Path = "shop" }, "cookies[0].path", "must start with '/'"},
		{"tracker without name", func(p *consent.Policy) { p.Trackers[0].Name = "" }, "trackers[0].name", "must not be empty"},
		{"tracker with unknown category", func(p *consent.Policy) { p.Trackers[1].Category = "ads" }, "trackers[1].category", `unknown category "ads"`},
		{"tracker without hosts or urls", func(p *consent.Policy) { p.Trackers[2].Hosts = nil }, "trackers[2]", "needs hosts or urls"},
		{"tracker host with scheme", func(p *consent.Policy) { p.Trackers[2].Hosts = []string{"https://heat.example.net"} }, "trackers[2].hosts[0]", "not a host name"},
		{"tracker host with port", func(p *consent.Policy) { p.Trackers[2].Hosts = []string{"heat.example.net:443"} }, "trackers[2].hosts[0]", "not a host name"},
		{"tracker host uppercase", func(p *consent.Policy) { p.Trackers[2].Hosts = []string{"Heat.Example.net"} }, "trackers[2].hosts[0]", "not a host name"},
		{"tracker host without dot", func(p *consent.Policy) { p.Trackers[2].Hosts = []string{"localhost"} }, "trackers[2].hosts[0]", "not a host name"},
		{"tracker host wildcard", func(p *consent.Policy) { p.Trackers[2].Hosts = []string{"*.example.net"} }, "trackers[2].hosts[0]", "not a host name"},
		{"second tracker host bad", func(p *consent.Policy) {
			p.Trackers[2].Hosts = []string{"heat.example.net", ".example.net"}
		}, "trackers[2].hosts[1]", "not a host name"},
		{"tracker url with scheme", func(p *consent.Policy) { p.Trackers[1].URLs = []string{"https://www.example.org/pixel"} }, "trackers[1].urls[0]", "host followed by a path"},
		{"tracker url without path", func(p *consent.Policy) { p.Trackers[1].URLs = []string{"www.example.org"} }, "trackers[1].urls[0]", "host followed by a path"},
		{"tracker url with empty path", func(p *consent.Policy) { p.Trackers[1].URLs = []string{"www.example.org/"} }, "trackers[1].urls[0]", "host followed by a path"},
		{"tracker url with a CSP separator", func(p *consent.Policy) { p.Trackers[1].URLs = []string{"www.example.org/px;script-src"} }, "trackers[1].urls[0]", "host followed by a path"},
		{"service without name", func(p *consent.Policy) {
			p.Services = []consent.Service{{Purpose: "Fonts.", Hosts: []string{"fonts.example.net"}}}
		}, "services[0].name", "must not be empty"},
		{"service without purpose", func(p *consent.Policy) {
			p.Services = []consent.Service{{Name: "CDN", Hosts: []string{"cdn.example.net"}}}
		}, "services[0].purpose", "needs a purpose"},
		{"service without hosts or urls", func(p *consent.Policy) { p.Services = []consent.Service{{Name: "CDN", Purpose: "Scripts."}} }, "services[0]", "needs hosts or urls"},
		{"service with a bad host", func(p *consent.Policy) {
			p.Services = []consent.Service{{Name: "CDN", Purpose: "Scripts.", Hosts: []string{"cdn.example.net", "CDN example"}}}
		}, "services[0].hosts[1]", "not a host name"},
		{"service url without path", func(p *consent.Policy) {
			p.Services = []consent.Service{{Name: "Maps", Purpose: "Maps.", URLs: []string{"maps.example.net"}}}
		}, "services[0].urls[0]", "host followed by a path"},
		{"revision without version", func(p *consent.Policy) { p.Revisions[0].Version = "" }, "revisions[0].version", "must not be empty"},
		{"duplicate revision version", func(p *consent.Policy) { p.Revisions[1].Version = "1"; p.Version = "1" }, "revisions[1].version", "duplicate"},
		{"revision without date", func(p *consent.Policy) { p.Revisions[1].Date = consent.Date{} }, "revisions[1].date", "must be set"},
		{"revisions out of order", func(p *consent.Policy) { p.Revisions[1].Date = consent.DateOf(2024, time.December, 31) }, "revisions[1].date", "oldest first"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := basePolicy()
			tt.mutate(p)
			err := p.Validate()
			require.Error(t, err)
			assert.ErrorIs(t, err, consent.ErrInvalidPolicy)
			assert.Contains(t, err.Error(), tt.field+": ", "the message names the field")
			var found bool
			for _, fe := range fieldErrors(t, err) {
				assert.ErrorIs(t, fe, consent.ErrInvalidPolicy)
				if fe.Field == tt.field && strings.Contains(fe.Problem, tt.problem) {
					found = true
				}
			}
			assert.True(t, found, "no error %q for %s in:\n%v", tt.problem, tt.field, err)
		})
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	p := basePolicy()
	p.Version = ""
	p.Categories[0].Required = false                     // essential refusable, and then none is required
	p.Categories = append(p.Categories, p.Categories[1]) // duplicate analytics
	p.Cookies[0].Category = "session"                    // unknown category
	p.Cookies = append(p.Cookies, consent.Cookie{Name: "**_*_*", Category: consent.Analytics})
	p.Trackers[2].Hosts[0] = "heat example net"               // not a host
	p.Trackers[1].URLs[0] = "//www.example.org/pixel"         // not host+path
	p.Revisions[1].Date = consent.DateOf(2024, time.March, 1) // out of order

	err := p.Validate()
	require.Error(t, err)
	assert.ErrorIs(t, err, consent.ErrInvalidPolicy)
	assert.Equal(t, []string{
		"version",
		"categories[0].required",
		"categories[2].id",
		"categories",
		"cookies[0].category",
		"cookies[1].name",
		"trackers[1].urls[0]",
		"trackers[2].hosts[0]",
		"revisions[1].date",
		"version",
	}, fieldsOf(t, err))
	// One problem per line, each starting with its field.
	lines := strings.Split(err.Error(), "\n")
	require.Len(t, lines, 10)
	for i, fe := range fieldErrors(t, err) {
		assert.Equal(t, fe.Field+": "+fe.Problem, lines[i])
	}
}

func TestValidateAcceptsSiteChanges(t *testing.T) {
	// Renaming, dropping and adding categories, and the most stars allowed.
	p := consent.DefaultPolicy()
	p.Categories[1].Name = "Statistics"
	p.Categories = p.Categories[:4] // drop tracking, optimization, partner
	p.Categories = append(p.Categories, consent.Category{ID: "video", Name: "Embedded videos", ThirdParty: true})
	var cookies []consent.Cookie
	for _, c := range p.Cookies {
		if _, ok := p.Category(c.Category); ok {
			cookies = append(cookies, c)
		}
	}
	p.Cookies = append(cookies, consent.Cookie{Name: "vid_*_*_*", Category: "video", Path: "/watch"})
	var trackers []consent.Tracker
	for _, tr := range p.Trackers {
		if _, ok := p.Category(tr.Category); ok {
			trackers = append(trackers, tr)
		}
	}
	p.Trackers = append(trackers, consent.Tracker{Name: "Vimeo", Category: "video", Hosts: []string{"player.vimeo.com"}})
	require.NoError(t, p.Validate())

	// Dropping a category that cookies still use is caught.
	p = consent.DefaultPolicy()
	p.Trackers = append(p.Trackers, consent.Tracker{Name: "Our affiliate network", Category: consent.Partner, Hosts: []string{"aff.example.net"}})
	p.Categories = p.Categories[:6] // drop partner
	err := p.Validate()
	require.ErrorIs(t, err, consent.ErrInvalidPolicy)
	assert.Contains(t, err.Error(), `unknown category "partner"`)
	assert.Contains(t, fieldsOf(t, err), "trackers[0].category")
}

// A drafted policy keeps its unclassified entries under the placeholder
// until the owner decides: loading it fails, naming every such entry.
func TestValidateRefusesThePlaceholderNamingEachEntry(t *testing.T) {
	p := basePolicy()
	p.Cookies = append(p.Cookies, consent.Cookie{Name: "_xq", Category: consent.Placeholder})
	p.Trackers = append(p.Trackers, consent.Tracker{Name: "cdn.example.io", Category: consent.Placeholder, Hosts: []string{"cdn.example.io"}})
	errs := fieldErrors(t, p.Validate())
	require.Len(t, errs, 2)
	assert.Equal(t, "cookies[1].category", errs[0].Field)
	assert.Contains(t, errs[0].Problem, `cookie "_xq" is still "undecided": choose one of essential, analytics`)
	assert.Equal(t, "trackers[3].category", errs[1].Field)
	assert.Contains(t, errs[1].Problem, `tracker "cdn.example.io" is still "undecided"`)

	p.Cookies[1].Category = consent.Analytics
	p.Trackers[3].Category = consent.Essential
	assert.NoError(t, p.Validate(), "resolved, the draft loads")

	p.Categories = append(p.Categories, consent.Category{ID: consent.Placeholder, Name: "Later"})
	errs = fieldErrors(t, p.Validate())
	require.Len(t, errs, 1)
	assert.Equal(t, "categories[2].id", errs[0].Field)
}
