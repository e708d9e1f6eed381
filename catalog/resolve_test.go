package catalog_test

import (
	"errors"
	"testing"

	"github.com/consentgate/consent"
	"github.com/consentgate/consent/catalog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fixture is a small catalog: one vendor of each kind the tests need.
const fixture = `
- id: stats
  name: Stats
  category: analytics
  purpose: Counts visits.
  docs: https://stats.example/privacy
  hosts: [stats.example, cdn.stats.example]
  urls: [www.shared.example/stats/]
  cookies:
    - {name: _st, lifetime: 2y, party: first, purpose: Visitor ID.}
    - {name: "_st_*", lifetime: 1d, party: first}
    - {name: sid, lifetime: 1y, party: third}
- id: adnet
  name: AdNet
  category: advertising
  purpose: Shows ads.
  docs: https://adnet.example/privacy
  hosts: [adnet.example]
  cookies:
    - {name: _adn, lifetime: 90d, party: first}
- id: chatty
  name: Chatty
  category: customer-chat
  purpose: Live chat.
  docs: https://chatty.example/privacy
  hosts: [chatty.example]
  cookies:
    - {name: chatty_id, lifetime: 1y, party: first}
- id: pinboard
  name: Pinboard
  category: social
  purpose: Share buttons.
  docs: https://pinboard.example/privacy
  hosts: [pinboard.example]
`

func fixtureCatalog(t *testing.T) *catalog.Catalog {
	t.Helper()
	c, err := catalog.Parse([]byte(fixture))
	require.NoError(t, err)
	return c
}

// smallPolicy has essential, analytics and targeting only: no category for
// customer chat (functionality by default).
func smallPolicy() *consent.Policy {
	return &consent.Policy{
		Version: "1",
		Categories: []consent.Category{
			{ID: consent.Essential, Name: "Essential", Required: true},
			{ID: consent.Analytics, Name: "Statistics"},
			{ID: consent.Targeting, Name: "Advertising"},
		},
		Cookies: []consent.Cookie{{Name: "session", Category: consent.Essential}},
	}
}

func trackerOf(r *catalog.Resolved, vendor string) (consent.Tracker, bool) {
	for _, t := range r.Trackers {
		if t.Vendor == vendor {
			return t, true
		}
	}
	return consent.Tracker{}, false
}

func cookieOf(r *catalog.Resolved, name string) (consent.Cookie, bool) {
	for _, c := range r.Cookies {
		if c.Name == name {
			return c, true
		}
	}
	return consent.Cookie{}, false
}

func TestResolve(t *testing.T) {
	c := fixtureCatalog(t)
	tests := []struct {
		name     string
		policy   func() *consent.Policy
		check    func(t *testing.T, r *catalog.Resolved)
		unmapped []catalog.UnmappedCategory
	}{
		{"default mapping", func() *consent.Policy { p := consent.DefaultPolicy(); p.Catalog = nil; return p }, func(t *testing.T, r *catalog.Resolved) {
			for vendor, want := range map[string]consent.CategoryID{"stats": consent.Analytics, "adnet": consent.Targeting,
				"chatty": consent.Functionality, "pinboard": consent.Targeting} {
				tr, ok := trackerOf(r, vendor)
				require.True(t, ok, vendor)
				assert.Equal(t, want, tr.Category, vendor)
			}
			tr, _ := trackerOf(r, "stats")
			assert.Equal(t, consent.Tracker{Name: "Stats", Vendor: "stats", Category: consent.Analytics, Purpose: "Counts visits.",
				Docs: "https://stats.example/privacy", Hosts: []string{"stats.example", "cdn.stats.example"},
				URLs: []string{"www.shared.example/stats/"}}, tr)
		}, nil},
		{"first-party cookies only, provider named", smallPolicy, func(t *testing.T, r *catalog.Resolved) {
			ck, ok := cookieOf(r, "_st")
			require.True(t, ok)
			assert.Equal(t, consent.Cookie{Name: "_st", Provider: "Stats", Category: consent.Analytics, Purpose: "Visitor ID.",
				Lifetime: consent.Lifetime(2 * 365 * 24 * 3600 * 1e9)}, ck)
			_, ok = cookieOf(r, "sid")
			assert.False(t, ok, "a third-party cookie is not the middleware's to filter")
		}, []catalog.UnmappedCategory{{Category: catalog.CustomerChat, Vendors: []string{"chatty"}}}},
		{"unmapped is blocked for everyone", smallPolicy, func(t *testing.T, r *catalog.Resolved) {
			tr, ok := trackerOf(r, "chatty")
			require.True(t, ok)
			assert.Equal(t, consent.Unmapped, tr.Category)
			ck, ok := cookieOf(r, "chatty_id")
			require.True(t, ok)
			assert.Equal(t, consent.Unmapped, ck.Category)
			all := &consent.Consent{Method: consent.AcceptAll, Granted: []consent.CategoryID{consent.Essential, consent.Analytics, consent.Targeting}}
			assert.False(t, all.Allowed(tr.Category), "accept-all does not grant what nobody was asked about")
			_, ok = r.Mapping[catalog.CustomerChat]
			assert.False(t, ok)
			v, _ := fixtureCatalog(t).Vendor("chatty")
			assert.Equal(t, consent.Unmapped, r.CategoryOf(v))
		}, []catalog.UnmappedCategory{{Category: catalog.CustomerChat, Vendors: []string{"chatty"}}}},
		{"mapping a standard category", func() *consent.Policy {
			p := smallPolicy()
			p.Catalog = &consent.CatalogSettings{Categories: map[string]consent.CategoryID{"customer-chat": consent.Analytics, "social": consent.Analytics}}
			return p
		}, func(t *testing.T, r *catalog.Resolved) {
			tr, _ := trackerOf(r, "chatty")
			assert.Equal(t, consent.Analytics, tr.Category)
			tr, _ = trackerOf(r, "pinboard")
			assert.Equal(t, consent.Analytics, tr.Category, "the policy's mapping wins over the default")
		}, nil},
		{"override one vendor, which is then used", func() *consent.Policy {
			p := smallPolicy()
			p.Catalog = &consent.CatalogSettings{Vendors: map[string]consent.CategoryID{"chatty": consent.Essential, "adnet": consent.Analytics},
				Uses: []string{"stats"}}
			return p
		}, func(t *testing.T, r *catalog.Resolved) {
			tr, _ := trackerOf(r, "chatty")
			assert.Equal(t, consent.Essential, tr.Category)
			ck, _ := cookieOf(r, "_adn")
			assert.Equal(t, consent.Analytics, ck.Category)
			var used []string
			for _, v := range r.Used {
				used = append(used, v.ID)
			}
			assert.Equal(t, []string{"stats", "adnet", "chatty"}, used)
			for _, v := range r.Used {
				tr, ok := trackerOf(r, v.ID)
				require.True(t, ok)
				assert.Equal(t, tr.Category, r.CategoryOf(v), "CategoryOf agrees with the applied tracker of %s", v.ID)
			}
		}, nil},
		{"exclude", func() *consent.Policy {
			p := smallPolicy()
			p.Catalog = &consent.CatalogSettings{Exclude: []string{"chatty", "stats"}}
			return p
		}, func(t *testing.T, r *catalog.Resolved) {
			_, ok := trackerOf(r, "stats")
			assert.False(t, ok)
			_, ok = cookieOf(r, "_st")
			assert.False(t, ok)
		}, nil},
		{"the site's declarations win", func() *consent.Policy {
			p := smallPolicy()
			p.Trackers = []consent.Tracker{
				{Name: "Our CDN", Category: consent.Essential, Hosts: []string{"cdn.stats.example"}, URLs: []string{"www.shared.example/stats/"}},
				{Name: "Ads", Vendor: "adnet", Category: consent.Analytics, Hosts: []string{"adnet.example"}},
				{Name: "Pins", Category: consent.Analytics, Hosts: []string{"pinboard.example"}},
			}
			p.Cookies = append(p.Cookies, consent.Cookie{Name: "_st_*", Category: consent.Essential})
			return p
		}, func(t *testing.T, r *catalog.Resolved) {
			tr, ok := trackerOf(r, "stats")
			require.True(t, ok)
			assert.Equal(t, []string{"stats.example"}, tr.Hosts)
			assert.Empty(t, tr.URLs)
			_, ok = trackerOf(r, "adnet")
			assert.False(t, ok, "a policy tracker naming the vendor replaces it")
			_, ok = cookieOf(r, "_adn")
			assert.False(t, ok, "with its cookies")
			_, ok = trackerOf(r, "pinboard")
			assert.False(t, ok, "every host claimed by the site: nothing left of the vendor")
			_, ok = cookieOf(r, "_st_*")
			assert.False(t, ok, "the policy's cookie declaration wins")
			_, ok = cookieOf(r, "_st")
			assert.True(t, ok)
		}, []catalog.UnmappedCategory{{Category: catalog.CustomerChat, Vendors: []string{"chatty"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.policy()
			require.NoError(t, p.Validate())
			r, err := c.Resolve(p)
			require.NoError(t, err)
			tt.check(t, r)
			assert.Equal(t, tt.unmapped, r.Unmapped)
		})
	}
}

func TestResolveOff(t *testing.T) {
	p := smallPolicy()
	p.Catalog = &consent.CatalogSettings{Off: true}
	r, err := fixtureCatalog(t).Resolve(p)
	require.NoError(t, err)
	assert.Equal(t, &catalog.Resolved{Off: true}, r)
}

func TestResolveErrors(t *testing.T) {
	tests := []struct {
		name     string
		settings consent.CatalogSettings
		trackers []consent.Tracker
		want     []string
	}{
		{"unknown standard category", consent.CatalogSettings{Categories: map[string]consent.CategoryID{"chat": consent.Analytics}},
			nil, []string{`catalog.categories.chat: "chat" is not a standard category`}},
		{"override of a vendor the catalog lacks", consent.CatalogSettings{Vendors: map[string]consent.CategoryID{"foo": consent.Analytics}},
			nil, []string{`catalog.vendors.foo: no vendor "foo" in the catalog`}},
		{"exclude and uses", consent.CatalogSettings{Exclude: []string{"stats", "nope"}, Uses: []string{"gone"}},
			nil, []string{`catalog.exclude[1]: no vendor "nope"`, `catalog.uses[0]: no vendor "gone"`}},
		{"tracker naming an unknown vendor", consent.CatalogSettings{},
			[]consent.Tracker{{Name: "X", Vendor: "xyz", Category: consent.Analytics, Hosts: []string{"x.example"}}},
			[]string{`trackers[0].vendor: no vendor "xyz"`}},
		{"mapped to a category the policy lacks", consent.CatalogSettings{Categories: map[string]consent.CategoryID{"maps": "functionality"}},
			nil, []string{`catalog.categories.maps: unknown category "functionality"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := smallPolicy()
			p.Catalog = &tt.settings
			p.Trackers = tt.trackers
			_, err := fixtureCatalog(t).Resolve(p)
			require.Error(t, err)
			assert.True(t, errors.Is(err, consent.ErrInvalidPolicy), "%v", err)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestResolvedUnmappedSummary(t *testing.T) {
	r, err := fixtureCatalog(t).Resolve(&consent.Policy{Version: "1",
		Categories: []consent.Category{{ID: consent.Essential, Name: "E", Required: true}}})
	require.NoError(t, err)
	n, summary := r.UnmappedSummary()
	assert.Equal(t, 4, n)
	assert.Equal(t, "analytics (1 vendor), advertising (1 vendor), social (1 vendor), customer-chat (1 vendor)", summary)
}
