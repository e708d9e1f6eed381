package consent_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/consentgate/consent"
	"github.com/consentgate/consent/catalog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDefaultPolicyValidates(t *testing.T) {
	p := consent.DefaultPolicy()
	require.NoError(t, p.Validate())
	assert.Equal(t, consent.DefaultVersion, p.Version)
	assert.True(t, p.CurrentFor(consent.DefaultVersion))
	assert.Equal(t, time.Date(2026, time.November, 28, 0, 0, 0, 0, time.UTC), p.LastUpdated())
}

func TestDefaultPolicyCategories(t *testing.T) {
	p := consent.DefaultPolicy()

	ids := make([]consent.CategoryID, 0, len(p.Categories))
	for _, c := range p.Categories {
		ids = append(ids, c.ID)
		assert.NotEmpty(t, c.Name, "category %s has no name", c.ID)
		assert.NotEmpty(t, c.Description, "category %s has no description", c.ID)
	}
	assert.Equal(t, []consent.CategoryID{
		consent.Essential, consent.Analytics, consent.Functionality, consent.Targeting,
		consent.Tracking, consent.Optimization, consent.Partner,
	}, ids)

	essential, ok := p.Category(consent.Essential)
	require.True(t, ok)
	assert.True(t, essential.Required, "essential cookies cannot be refused")
	assert.False(t, essential.SaleOrSharing, "a privacy signal must not refuse essential cookies")

	tests := []struct {
		id         consent.CategoryID
		thirdParty bool
		sale       bool
	}{
		{consent.Analytics, false, false},
		{consent.Functionality, false, false},
		{consent.Targeting, false, true},
		{consent.Tracking, true, true},
		{consent.Optimization, true, false},
		{consent.Partner, true, true},
	}
	for _, tt := range tests {
		t.Run(string(tt.id), func(t *testing.T) {
			c, ok := p.Category(tt.id)
			require.True(t, ok)
			assert.False(t, c.Required, "%s must be refusable", tt.id)
			assert.Equal(t, tt.thirdParty, c.ThirdParty, "ThirdParty")
			assert.Equal(t, tt.sale, c.SaleOrSharing, "SaleOrSharing (refused by GPC)")
		})
	}

	_, ok = p.Category("advertising")
	assert.False(t, ok, "unknown category")
}

// TestDefaultPolicyTrackers: the default policy declares no trackers of its
// own; the catalog files the vendors it names as used under its categories.
func TestDefaultPolicyTrackers(t *testing.T) {
	p := consent.DefaultPolicy()
	assert.Empty(t, p.Trackers, "the trackers are the catalog's")
	r, err := catalog.Default().Resolve(p)
	require.NoError(t, err)
	find := func(vendor string) (consent.Tracker, bool) {
		i := slices.IndexFunc(r.Trackers, func(tr consent.Tracker) bool { return tr.Vendor == vendor })
		if i < 0 {
			return consent.Tracker{}, false
		}
		return r.Trackers[i], true
	}
	var used []string
	for _, v := range r.Used {
		used = append(used, v.ID)
	}

	// Each vendor the issue names, the category it is filed under, and one
	// host or URL prefix its tags load from.
	tests := []struct {
		vendor   string
		category consent.CategoryID
		host     string // in Hosts
		url      string // in URLs
	}{
		{"google-analytics", consent.Analytics, "google-analytics.com", "www.googletagmanager.com/gtag/"},
		{"google-tag-manager", consent.Tracking, "googletagmanager.com", ""},
		{"google-ads", consent.Targeting, "doubleclick.net", "www.google.com/pagead/"},
		{"meta-pixel", consent.Targeting, "connect.facebook.net", "www.facebook.com/tr"},
		{"linkedin-insight", consent.Targeting, "snap.licdn.com", ""},
		{"hotjar", consent.Analytics, "hotjar.com", ""},
		{"tiktok-pixel", consent.Targeting, "analytics.tiktok.com", ""},
		{"microsoft-clarity", consent.Analytics, "clarity.ms", ""},
		{"microsoft-advertising", consent.Targeting, "bat.bing.com", ""},
		{"x-pixel", consent.Targeting, "static.ads-twitter.com", ""},
		{"youtube", consent.Targeting, "youtube.com", ""},
		{"segment", consent.Tracking, "cdn.segment.com", ""},
		{"mixpanel", consent.Analytics, "mixpanel.com", ""},
		{"optimizely", consent.Optimization, "optimizely.com", ""},
		{"vwo", consent.Optimization, "visualwebsiteoptimizer.com", ""},
		{"awin", consent.Partner, "awin1.com", ""},
		{"cj-affiliate", consent.Partner, "emjcd.com", ""},
	}
	for _, tt := range tests {
		t.Run(tt.vendor, func(t *testing.T) {
			tr, ok := find(tt.vendor)
			require.True(t, ok, "no tracker of vendor %q", tt.vendor)
			c, ok := p.Category(tr.Category)
			require.True(t, ok, "tracker %q has unknown category %q", tr.Name, tr.Category)
			assert.False(t, c.Required, "tracker %q must not be in a category that cannot be refused", tr.Name)
			assert.Equal(t, tt.category, tr.Category)
			if tt.host != "" {
				assert.Contains(t, tr.Hosts, tt.host)
			}
			if tt.url != "" {
				assert.Contains(t, tr.URLs, tt.url)
			}
			assert.Contains(t, used, tt.vendor, "the policy page lists it as used")
		})
	}
	assert.Empty(t, r.Unmapped, "the default policy has a category for every standard category")
}

func TestDefaultPolicyReferencesKnownCategories(t *testing.T) {
	p := consent.DefaultPolicy()
	for _, c := range p.Cookies {
		cat, ok := p.Category(c.Category)
		if assert.True(t, ok, "cookie %q: unknown category %q", c.Name, c.Category) && c.Name != "consent" {
			assert.False(t, cat.Required, "cookie %q of a tracker vendor must be refusable", c.Name)
		}
	}
	for _, tr := range p.Trackers {
		_, ok := p.Category(tr.Category)
		assert.True(t, ok, "tracker %q: unknown category %q", tr.Name, tr.Category)
		assert.True(t, len(tr.Hosts) > 0 || len(tr.URLs) > 0, "tracker %q matches nothing", tr.Name)
	}

	// The consent cookie itself is declared and essential.
	c, ok := p.CookieDeclaration("consent")
	require.True(t, ok)
	assert.Equal(t, consent.Essential, c.Category)
	assert.Equal(t, consent.Lifetime(180*24*time.Hour), c.Lifetime)
}

func TestDefaultPolicyReturnsIndependentCopies(t *testing.T) {
	first := consent.DefaultPolicy()
	first.Version = "changed"
	first.Revisions[0].Summary = "changed"
	first.Categories[1].Name = "Statistics"
	first.Categories = first.Categories[:3]
	first.Cookies[0].Category = consent.Analytics
	first.Cookies = append(first.Cookies, consent.Cookie{Name: "mine", Category: consent.Essential})
	first.Catalog.Uses[0] = "evil"
	first.Catalog.Exclude = append(first.Catalog.Exclude, "youtube")

	second := consent.DefaultPolicy()
	require.NoError(t, second.Validate())
	assert.Equal(t, consent.DefaultVersion, second.Version)
	assert.Equal(t, "First published.", second.Revisions[0].Summary)
	assert.Len(t, second.Categories, 7)
	assert.Equal(t, "Analytics and performance", second.Categories[1].Name)
	assert.Equal(t, consent.Essential, second.Cookies[0].Category)
	_, ok := second.CookieDeclaration("mine")
	assert.False(t, ok)
	assert.Equal(t, "google-analytics", second.Catalog.Uses[0])
	assert.Empty(t, second.Catalog.Exclude)
}

func TestCookieDeclarationDefaultPolicy(t *testing.T) {
	p := consent.DefaultPolicy()
	// The tracker cookies the default policy once declared itself (they
	// are the catalog's now): a table of real names and patterns.
	for _, name := range []string{"_ga", "_ga_*", "_gid", "_gat*", "_hj*", "optimizely*", "mp_*", "ajs_*", "_gcl_*", "IDE"} {
		p.Cookies = append(p.Cookies, consent.Cookie{Name: name, Category: consent.Analytics})
	}
	require.NoError(t, p.Validate())
	tests := []struct {
		cookie string
		want   string // declaration name; "" = undeclared
	}{
		{"_ga", "_ga"},
		{"_ga_ABC123XYZ", "_ga_*"},
		{"_ga_", "_ga_*"},
		{"_gid", "_gid"},
		{"_gat", "_gat*"},
		{"_gat_UA-12345-1", "_gat*"},
		{"_hjid", "_hj*"},
		{"_hjSessionUser_3456789", "_hj*"},
		{"_hj", "_hj*"},
		{"optimizelyEndUserId", "optimizely*"},
		{"mp_0123abcd_mixpanel", "mp_*"},
		{"ajs_anonymous_id", "ajs_*"},
		{"_gcl_au", "_gcl_*"},
		{"consent", "consent"},
		{"IDE", "IDE"},

		// No false matches: patterns anchor at both ends, names are case-sensitive.
		{"x_ga", ""},
		{"x_ga_1", ""},
		{"_g", ""},
		{"ga", ""},
		{"_GA", ""},
		{"ide", ""},
		{"consent2", ""},
		{"my_hjid", ""},
		{"session", ""},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.cookie, func(t *testing.T) {
			c, ok := p.CookieDeclaration(tt.cookie)
			if tt.want == "" {
				assert.False(t, ok, "%q matched %q", tt.cookie, c.Name)
				assert.Zero(t, c)
				return
			}
			require.True(t, ok, "%q is undeclared", tt.cookie)
			assert.Equal(t, tt.want, c.Name)
		})
	}
}

func TestCookieDeclarationExactBeforePattern(t *testing.T) {
	p := &consent.Policy{
		Version:    "1",
		Categories: []consent.Category{{ID: consent.Essential, Name: "Essential", Required: true}, {ID: consent.Analytics, Name: "Analytics"}, {ID: consent.Functionality, Name: "Prefs"}},
		Cookies: []consent.Cookie{
			{Name: "pref*", Category: consent.Analytics},
			{Name: "pre*", Category: consent.Functionality},
			{Name: "a*b*c", Category: consent.Analytics},
			{Name: "pref_lang", Category: consent.Functionality},
			{Name: "*_sid", Category: consent.Essential},
		},
	}
	require.NoError(t, p.Validate())

	tests := []struct {
		cookie string
		want   string
	}{
		{"pref_lang", "pref_lang"}, // exact wins over the earlier pattern
		{"pref_x", "pref*"},        // first pattern in table order
		{"prefix", "pref*"},
		{"pre", "pre*"},
		{"presto", "pre*"},
		{"abc", "a*b*c"},
		{"aXXbYYc", "a*b*c"},
		{"abcabc", "a*b*c"},
		{"acb", ""},
		{"abcd", ""},
		{"shop_sid", "*_sid"},
		{"_sid", "*_sid"},
		{"shop_sid2", ""},
		{"pr", ""},
	}
	for _, tt := range tests {
		t.Run(tt.cookie, func(t *testing.T) {
			c, ok := p.CookieDeclaration(tt.cookie)
			if tt.want == "" {
				assert.False(t, ok, "%q matched %q", tt.cookie, c.Name)
				return
			}
			require.True(t, ok)
			assert.Equal(t, tt.want, c.Name)
		})
	}
}

func TestCookieDeclarationHostileName(t *testing.T) {
	// Request cookie names come from the visitor, and the middleware matches
	// each against the cookies table on every request. Patterns with the most
	// stars Validate allows, against long names that almost match, must
	// still answer in linear time.
	p := &consent.Policy{
		Version:    "1",
		Categories: []consent.Category{{ID: consent.Essential, Name: "Essential", Required: true}},
		Cookies: []consent.Cookie{
			{Name: "a*a*a*b", Category: consent.Essential},
			{Name: "_pk_*.*x", Category: consent.Essential},
		},
	}
	require.NoError(t, p.Validate())
	for _, name := range []string{strings.Repeat("a", 64<<10), "_pk_" + strings.Repeat(".", 64<<10)} {
		start := time.Now()
		_, ok := p.CookieDeclaration(name)
		assert.False(t, ok)
		assert.Less(t, time.Since(start), 2*time.Second, "matching a %d-byte name", len(name))
	}
	// The same patterns still match what they should.
	c, ok := p.CookieDeclaration(strings.Repeat("a", 64<<10) + "b")
	require.True(t, ok)
	assert.Equal(t, "a*a*a*b", c.Name)
	c, ok = p.CookieDeclaration("_pk_id.1.x")
	require.True(t, ok)
	assert.Equal(t, "_pk_*.*x", c.Name)
}

func revisedPolicy() *consent.Policy {
	return &consent.Policy{
		Version: "2025.3",
		Revisions: []consent.Revision{
			{Version: "2024.1", Date: consent.DateOf(2024, time.January, 10), Summary: "First published.", Material: true},
			{Version: "2024.2", Date: consent.DateOf(2024, time.June, 1), Summary: "Typo fixes."},
			{Version: "2025.1", Date: consent.DateOf(2025, time.February, 3), Summary: "New advertising partner.", Material: true},
			{Version: "2025.2", Date: consent.DateOf(2025, time.May, 5), Summary: "Clearer wording."},
			{Version: "2025.3", Date: consent.DateOf(2025, time.May, 5), Summary: "Added a cookie to the table."},
		},
		Categories: []consent.Category{{ID: consent.Essential, Name: "Essential", Required: true}},
	}
}

func TestCurrentFor(t *testing.T) {
	p := revisedPolicy()
	require.NoError(t, p.Validate())
	tests := []struct {
		version string
		want    bool
	}{
		{"2025.3", true},  // current
		{"2025.2", true},  // only non-material revisions since
		{"2025.1", true},  // the last material revision itself
		{"2024.2", false}, // a material revision came after
		{"2024.1", false},
		{"2023.9", false}, // unknown
		{"2025.3 ", false},
		{"", false},
	}
	for _, tt := range tests {
		t.Run(tt.version, func(t *testing.T) {
			assert.Equal(t, tt.want, p.CurrentFor(tt.version))
		})
	}

	t.Run("no revisions", func(t *testing.T) {
		p := &consent.Policy{Version: "7"}
		assert.True(t, p.CurrentFor("7"))
		assert.False(t, p.CurrentFor("6"))
		assert.False(t, p.CurrentFor(""))
		assert.True(t, p.LastUpdated().IsZero())
	})

	t.Run("new material revision invalidates the previous current version", func(t *testing.T) {
		p := revisedPolicy()
		p.Revisions = append(p.Revisions, consent.Revision{Version: "2026.1", Date: consent.DateOf(2026, time.January, 1), Material: true})
		p.Version = "2026.1"
		require.NoError(t, p.Validate())
		assert.False(t, p.CurrentFor("2025.3"))
		assert.True(t, p.CurrentFor("2026.1"))
		assert.Equal(t, time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC), p.LastUpdated())
	})
}

func TestRequiredAndRefusableCategories(t *testing.T) {
	p := consent.DefaultPolicy()
	assert.Equal(t, []consent.CategoryID{consent.Essential}, p.RequiredCategories())
	assert.Equal(t, []consent.CategoryID{
		consent.Analytics, consent.Functionality, consent.Targeting,
		consent.Tracking, consent.Optimization, consent.Partner,
	}, p.RefusableCategories())

	// A site that drops categories, adds one and makes a second one required.
	p.Categories = []consent.Category{
		{ID: "security", Name: "Security", Required: true},
		{ID: consent.Analytics, Name: "Statistics"},
		{ID: consent.Essential, Name: "Essential", Required: true},
		{ID: "video", Name: "Embedded videos", ThirdParty: true},
	}
	assert.Equal(t, []consent.CategoryID{"security", consent.Essential}, p.RequiredCategories())
	assert.Equal(t, []consent.CategoryID{consent.Analytics, "video"}, p.RefusableCategories())
}
