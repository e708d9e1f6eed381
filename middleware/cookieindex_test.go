package middleware

import (
	"testing"

	"github.com/consentgate/consent"
	"github.com/stretchr/testify/assert"
)

func TestCookieIndexSiteWins(t *testing.T) {
	own := []consent.Cookie{
		{Name: "session", Category: consent.Essential},
		{Name: "_ga_site*", Category: consent.Essential},
		{Name: "*_pref", Category: consent.Functionality},
	}
	cat := []consent.Cookie{
		{Name: "_ga", Provider: "Google Analytics", Category: consent.Analytics},
		{Name: "_ga_*", Provider: "Google Analytics", Category: consent.Analytics},
		{Name: "_g*", Provider: "Other", Category: consent.Targeting},
		{Name: "session", Provider: "Chat", Category: consent.Functionality},
		{Name: "mp_*_mixpanel", Provider: "Mixpanel", Category: consent.Analytics},
	}
	idx := newCookieIndex(own, cat)
	tests := []struct {
		name     string
		want     consent.CategoryID
		provider string
	}{
		{"session", consent.Essential, ""},             // the site's exact name wins over the catalog's
		{"_ga_site1", consent.Essential, ""},           // the site's pattern wins over the catalog's
		{"lang_pref", consent.Functionality, ""},       // a pattern with no literal prefix
		{"_ga", consent.Analytics, "Google Analytics"}, // catalog exact before catalog patterns
		{"_ga_XYZ", consent.Analytics, "Google Analytics"},
		{"_gid", consent.Targeting, "Other"}, // shorter prefix, only match
		{"mp_abc_mixpanel", consent.Analytics, "Mixpanel"},
		{"_g", consent.Targeting, "Other"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, ok := idx.lookup(tt.name)
			assert.True(t, ok)
			assert.Equal(t, tt.want, c.Category)
			assert.Equal(t, tt.provider, c.Provider)
		})
	}
	_, ok := idx.lookup("unknown")
	assert.False(t, ok)
	_, ok = idx.lookup("mp_abc")
	assert.False(t, ok)
}

// FuzzCookieIndex checks the bucketed index against the plain table walk
// of consent.Policy.CookieDeclaration, which defines the order.
func FuzzCookieIndex(f *testing.F) {
	decls := []consent.Cookie{
		{Name: "_ga", Category: "a"}, {Name: "_ga_*", Category: "b"}, {Name: "_g*", Category: "c"},
		{Name: "*id", Category: "d"}, {Name: "_ga*x", Category: "e"}, {Name: "a*b*c", Category: "f"},
		{Name: "_gat*", Category: "g"}, {Name: "*zz", Category: "h"}, {Name: "_ga_*", Category: "i"},
	}
	p := &consent.Policy{Cookies: decls}
	tier := newCookieTier(decls)
	for _, s := range []string{"_ga", "_ga_1", "_gax", "_gatx", "uid", "abc", "", "_g", "a_b_c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		want, wok := p.CookieDeclaration(name)
		got, gok := tier.lookup(name)
		if wok != gok || want != got {
			t.Fatalf("%q: index %v %v, table %v %v", name, got, gok, want, wok)
		}
	})
}

// BenchmarkCookieLookup finds declarations in the default policy plus the
// whole catalog: an exact name, a pattern, and an undeclared name (the
// worst case: every bucket of its prefixes is probed).
func BenchmarkCookieLookup(b *testing.B) {
	m, _ := newTestMiddleware(b)
	// The baseline: walking one table of every declaration, as
	// consent.Policy.CookieDeclaration does.
	table := &consent.Policy{Cookies: append(append([]consent.Cookie{}, m.policy.Cookies...), m.vendors.Cookies...)}
	for _, name := range []string{"_ga", "_ga_ABC123", "_hjSessionUser_123", "shop_cart_token_v2"} {
		b.Run(name+"/index", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				m.cookies.lookup(name)
			}
		})
		b.Run(name+"/table", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				table.CookieDeclaration(name)
			}
		})
	}
}
