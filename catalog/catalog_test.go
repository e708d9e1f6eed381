package catalog

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/consentgate/consent"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDefaultCatalogIsValid parses the embedded data: every entry passes
// validation, which is what Default relies on.
func TestDefaultCatalogIsValid(t *testing.T) {
	c, err := parseFS(vendorFiles, "vendors")
	require.NoError(t, err)
	require.NotZero(t, c.Len())
	for _, v := range c.Vendors() {
		got, ok := c.Vendor(v.ID)
		require.True(t, ok, v.ID)
		assert.Equal(t, v.Name, got.Name)
	}
}

// TestVendorFilesHoldTheirCategory keeps each file to one standard
// category, so that a proposed vendor has one obvious place.
func TestVendorFilesHoldTheirCategory(t *testing.T) {
	entries, err := vendorFiles.ReadDir("vendors")
	require.NoError(t, err)
	for _, e := range entries {
		data, err := vendorFiles.ReadFile("vendors/" + e.Name())
		require.NoError(t, err)
		vs, err := decode(data)
		require.NoError(t, err, e.Name())
		want := Category(strings.TrimSuffix(e.Name(), ".yaml"))
		assert.True(t, want.Valid(), "%s is not named after a standard category", e.Name())
		for _, v := range vs {
			assert.Equal(t, want, v.Category, "vendor %s belongs in %s.yaml", v.ID, v.Category)
		}
	}
}

// TestDocsAreHTTPS: each entry links its source over https.
func TestDocsAreHTTPS(t *testing.T) {
	for _, v := range Default().Vendors() {
		u, err := url.Parse(v.Docs)
		require.NoError(t, err, v.ID)
		assert.Equal(t, "https", u.Scheme, v.ID)
	}
}

func TestParseRejectsBadEntries(t *testing.T) {
	const good = `{id: acme, name: Acme, category: analytics, purpose: Counts., docs: "https://acme.example/privacy", hosts: [acme.example]}`
	tests := []struct {
		name, yaml, want string
	}{
		{"unknown category", `- {id: acme, name: Acme, category: ads, purpose: x, docs: "https://a.example/p", hosts: [a.example]}`,
			`vendor acme: category: unknown category "ads"`},
		{"malformed host", `- {id: acme, name: Acme, category: analytics, purpose: x, docs: "https://a.example/p", hosts: [Acme.Example]}`,
			`vendor acme: hosts[0]: "Acme.Example" is not a lowercase host name`},
		{"host without dot", `- {id: acme, name: Acme, category: analytics, purpose: x, docs: "https://a.example/p", hosts: [localhost]}`,
			`vendor acme: hosts[0]`},
		{"duplicate host", "- " + good + "\n- {id: other, name: Other, category: analytics, purpose: x, docs: \"https://o.example/p\", hosts: [acme.example]}",
			`vendor other: hosts[0]: host "acme.example" is already claimed by vendor acme`},
		{"duplicate id", "- " + good + "\n- " + strings.Replace(good, "acme.example]", "b.example]", 1),
			`vendor acme: id: duplicate vendor ID`},
		{"url without path", `- {id: acme, name: Acme, category: analytics, purpose: x, docs: "https://a.example/p", urls: [a.example]}`,
			`vendor acme: urls[0]`},
		{"no hosts", `- {id: acme, name: Acme, category: analytics, purpose: x, docs: "https://a.example/p"}`,
			`vendor acme: hosts: a vendor needs hosts or urls`},
		{"http docs", `- {id: acme, name: Acme, category: analytics, purpose: x, docs: "http://a.example/p", hosts: [a.example]}`,
			`vendor acme: docs`},
		{"bad party", `- {id: acme, name: Acme, category: analytics, purpose: x, docs: "https://a.example/p", hosts: [a.example], cookies: [{name: a, party: own}]}`,
			`vendor acme: cookies[0].party`},
		{"bad lifetime", `- {id: acme, name: Acme, category: analytics, purpose: x, docs: "https://a.example/p", hosts: [a.example], cookies: [{name: a, party: first, lifetime: forever}]}`,
			`lifetime "forever"`},
		{"unknown key", `- {id: acme, name: Acme, category: analytics, purpose: x, docs: "https://a.example/p", hosts: [a.example], tracking: true}`,
			`field tracking not found`},
		{"bad embed", `- {id: acme, name: Acme, category: video, purpose: x, docs: "https://a.example/p", hosts: [a.example], embed: movie}`,
			`vendor acme: embed`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.yaml))
			require.Error(t, err)
			assert.True(t, errors.Is(err, ErrInvalid), "%v does not wrap ErrInvalid", err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
	c, err := Parse([]byte("- " + good))
	require.NoError(t, err)
	v, ok := c.Vendor("acme")
	require.True(t, ok)
	assert.Equal(t, []string{"acme.example"}, v.Hosts)
}

func TestSearch(t *testing.T) {
	c := Default()
	got := c.Search("GOOGLE-ANALYTICS.COM")
	require.NotEmpty(t, got)
	assert.Equal(t, "google-analytics", got[0].ID)
	assert.Empty(t, c.Search("no-such-vendor-anywhere"))
}

func TestCookieLifetimes(t *testing.T) {
	v, ok := Default().Vendor("google-analytics")
	require.True(t, ok)
	require.NotEmpty(t, v.Cookies)
	assert.Equal(t, "_ga", v.Cookies[0].Name)
	assert.Equal(t, consent.Lifetime(2*365*24*60*60*1e9), v.Cookies[0].Lifetime)
	assert.Equal(t, FirstParty, v.Cookies[0].Party)
}
