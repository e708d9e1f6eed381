package consent_test

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/consentgate/consent"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const maxPolicyBytes = 4 << 20 // the documented bound of a policy file

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, data, 0o600))
	return path
}

func TestLoadPolicyJSONAndYAMLAgree(t *testing.T) {
	fromJSON, err := consent.LoadPolicy(filepath.Join("testdata", "policy.json"))
	require.NoError(t, err)
	fromYAML, err := consent.LoadPolicy(filepath.Join("testdata", "policy.yaml"))
	require.NoError(t, err)
	assert.Equal(t, fromJSON, fromYAML)

	yml, err := os.ReadFile(filepath.Join("testdata", "policy.yaml"))
	require.NoError(t, err)
	fromYML, err := consent.LoadPolicy(writeFile(t, "policy.YML", yml))
	require.NoError(t, err, ".yml and upper-case extensions are YAML too")
	assert.Equal(t, fromJSON, fromYML)
}

func TestLoadPolicyContent(t *testing.T) {
	p, err := consent.LoadPolicy(filepath.Join("testdata", "policy.json"))
	require.NoError(t, err)

	// The site renamed a category, dropped two and added one.
	analytics, ok := p.Category(consent.Analytics)
	require.True(t, ok)
	assert.Equal(t, "Statistics", analytics.Name)
	for _, dropped := range []consent.CategoryID{consent.Tracking, consent.Partner} {
		_, ok = p.Category(dropped)
		assert.False(t, ok, "%s was dropped", dropped)
	}
	video, ok := p.Category("video")
	require.True(t, ok)
	assert.True(t, video.ThirdParty)
	assert.Equal(t, []consent.CategoryID{consent.Essential}, p.RequiredCategories())
	assert.Equal(t, []consent.CategoryID{consent.Targeting}, saleOrSharing(p))
	require.Len(t, p.Services, 2, "the services the shop needs")
	assert.Equal(t, consent.Service{Name: "Stripe", Purpose: "Takes card payments at checkout.", Hosts: []string{"js.stripe.com"},
		URLs: []string{"m.stripe.network/inner.html"}}, p.Services[1])

	// Its own cookies, with their lifetimes.
	const day = 24 * time.Hour
	lifetimes := []struct {
		cookie string
		want   time.Duration
	}{
		{"nb_session", 0},
		{"nb_cart", 30 * day},
		{"nb_recent", 14 * day},
		{"nb_region", 13 * 30 * day},
		{"nb_lang", 2 * 365 * day},
		{"consent", 180 * day},
		{"_pk_ses.1.8c2f", 30 * time.Minute},
		{"_pk_id.1.8c2f", 13 * 30 * day},
	}
	for _, tt := range lifetimes {
		t.Run(tt.cookie, func(t *testing.T) {
			c, ok := p.CookieDeclaration(tt.cookie)
			require.True(t, ok)
			assert.Equal(t, tt.want, c.Lifetime.Duration())
			assert.Equal(t, tt.want == 0, c.Lifetime.Session())
		})
	}
	recent, _ := p.CookieDeclaration("nb_recent")
	assert.Equal(t, "northwind-books.example", recent.Domain)
	assert.Equal(t, "/books", recent.Path)

	// Dated revisions: consent from before the last material one is stale.
	assert.Equal(t, "2025.2", p.Version)
	assert.Equal(t, time.Date(2025, time.September, 20, 0, 0, 0, 0, time.UTC), p.LastUpdated())
	assert.True(t, p.CurrentFor("2025.2"))
	assert.True(t, p.CurrentFor("2025.1"))
	assert.False(t, p.CurrentFor("2024.2"))
	assert.False(t, p.CurrentFor("2024.1"))
	assert.Contains(t, p.Texts["notice"], "Northwind Books uses cookies")
}

func saleOrSharing(p *consent.Policy) []consent.CategoryID {
	var ids []consent.CategoryID
	for _, c := range p.Categories {
		if c.SaleOrSharing {
			ids = append(ids, c.ID)
		}
	}
	return ids
}

func TestLoadPolicyErrors(t *testing.T) {
	valid, err := os.ReadFile(filepath.Join("testdata", "policy.json"))
	require.NoError(t, err)

	tests := []struct {
		name     string
		file     string
		data     string
		invalid  bool     // errors.Is(err, ErrInvalidPolicy)
		contains []string // in the message
	}{
		{"unknown JSON field", "p.json", `{"version":"1","categorys":[]}`, true, []string{"p.json", `"categorys"`}},
		{"unknown nested JSON field", "p.json", `{"version":"1","categories":[{"id":"essential","name":"E","required":true,"mandatory":true}]}`, true, []string{`"mandatory"`}},
		{"unknown YAML field", "p.yaml", "version: \"1\"\ncategorys: []\n", true, []string{"p.yaml", "categorys"}},
		{"unknown nested YAML field", "p.yml", "version: \"1\"\ncategories:\n  - {id: essential, name: E, required: true, mandatory: true}\n", true, []string{"mandatory"}},
		{"invalid content", "p.json", `{"version":"1","categories":[{"id":"essential","name":"E"}]}`, true, []string{"p.json", "categories[0].required"}},
		{"bad lifetime", "p.yaml", "version: \"1\"\ncategories: [{id: essential, name: E, required: true}]\ncookies: [{name: a, category: essential, lifetime: -1d}]\n", true, []string{"-1d"}},
		{"bad date", "p.json", `{"version":"1","revisions":[{"version":"1","date":"28/11/2026"}],"categories":[{"id":"essential","name":"E","required":true}]}`, true, []string{"28/11/2026", "YYYY-MM-DD"}},
		{"JSON syntax error", "p.json", `{"version":"1",`, true, []string{"p.json"}},
		{"YAML syntax error", "p.yaml", "version: [\n", true, []string{"p.yaml"}},
		{"empty JSON", "p.json", "", true, nil},
		{"empty YAML", "p.yaml", "", true, []string{"empty document"}},
		{"JSON with trailing object", "p.json", string(valid) + `{"version":"2"}`, true, []string{"trailing data"}},
		{"JSON with trailing brace", "p.json", string(valid) + "}", true, []string{"trailing data"}},
		{"JSON array", "p.json", `[]`, true, nil},
		{"unknown extension", "policy.toml", string(valid), false, []string{"policy.toml", "unknown extension"}},
		{"no extension", "policy", string(valid), false, []string{"unknown extension"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := consent.LoadPolicy(writeFile(t, tt.file, []byte(tt.data)))
			require.Error(t, err)
			assert.Nil(t, p)
			if tt.invalid {
				assert.ErrorIs(t, err, consent.ErrInvalidPolicy)
			}
			for _, s := range tt.contains {
				assert.Contains(t, err.Error(), s)
			}
		})
	}

	t.Run("missing file", func(t *testing.T) {
		_, err := consent.LoadPolicy(filepath.Join(t.TempDir(), "nope.json"))
		assert.ErrorIs(t, err, fs.ErrNotExist)
	})
	t.Run("unknown format", func(t *testing.T) {
		_, err := consent.ParsePolicy(valid, consent.Format(7))
		assert.Error(t, err)
	})
}

func TestLoadPolicySizeLimit(t *testing.T) {
	valid, err := os.ReadFile(filepath.Join("testdata", "policy.json"))
	require.NoError(t, err)
	pad := func(n int) []byte { return append(bytes.Clone(valid), bytes.Repeat([]byte{' '}, n-len(valid))...) }

	atLimit, err := consent.LoadPolicy(writeFile(t, "p.json", pad(maxPolicyBytes)))
	require.NoError(t, err, "a file of exactly the limit loads")
	assert.Equal(t, "2025.2", atLimit.Version)

	_, err = consent.LoadPolicy(writeFile(t, "p.json", pad(maxPolicyBytes+1)))
	require.ErrorIs(t, err, consent.ErrInvalidPolicy)
	assert.Contains(t, err.Error(), "larger than")

	_, err = consent.ParsePolicy(pad(8<<20), consent.YAML)
	require.ErrorIs(t, err, consent.ErrInvalidPolicy)
	assert.Contains(t, err.Error(), "larger than")
}

func TestEncodeYAMLRoundTrip(t *testing.T) {
	fromFile, err := consent.LoadPolicy(filepath.Join("testdata", "policy.yaml"))
	require.NoError(t, err)
	for name, p := range map[string]*consent.Policy{"default": consent.DefaultPolicy(), "testdata": fromFile} {
		t.Run(name, func(t *testing.T) {
			doc, err := p.EncodeYAML()
			require.NoError(t, err)
			back, err := consent.ParsePolicy(doc, consent.YAML)
			require.NoError(t, err, "%s", doc)
			assert.Equal(t, p, back)
		})
	}

	withCookies := consent.DefaultPolicy()
	withCookies.Cookies = append(withCookies.Cookies, consent.Cookie{Name: "session", Category: consent.Essential},
		consent.Cookie{Name: "_pk_id.*", Category: consent.Analytics, Lifetime: consent.Lifetime(2 * 365 * 24 * time.Hour)})
	doc, err := withCookies.EncodeYAML()
	require.NoError(t, err)
	// Lifetimes and dates are written the way people write them.
	assert.Contains(t, string(doc), "lifetime: 2y\n")
	assert.Contains(t, string(doc), "lifetime: session\n")
	assert.Contains(t, string(doc), "2026-11-28")
	assert.NotContains(t, string(doc), "T00:00:00")
}

func TestJSONRoundTrip(t *testing.T) {
	p := consent.DefaultPolicy()
	p.Cookies = append(p.Cookies, consent.Cookie{Name: "session", Category: consent.Essential})
	doc, err := json.Marshal(p)
	require.NoError(t, err)
	assert.Contains(t, string(doc), `"date":"2026-11-28"`)
	assert.Contains(t, string(doc), `"lifetime":"6mo"`)
	assert.Contains(t, string(doc), `"lifetime":"session"`)

	back, err := consent.ParsePolicy(doc, consent.JSON)
	require.NoError(t, err)
	assert.Equal(t, p, back)

	indented, err := json.MarshalIndent(p, "", "  ")
	require.NoError(t, err)
	back, err = consent.ParsePolicy(indented, consent.JSON)
	require.NoError(t, err)
	assert.Equal(t, p, back)
	assert.True(t, strings.HasPrefix(string(indented), "{\n  \"version\": \"1\""))
}
