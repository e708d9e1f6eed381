package consent_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/consentgate/consent"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const minimalYAML = `version: "1"
categories:
  - {id: essential, name: Essential, required: true}
  - {id: analytics, name: Statistics}
  - {id: targeting, name: Advertising}
cookies:
  - {name: session, category: essential}
`

func TestCatalogSettingsParse(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		fmt  consent.Format
		want *consent.CatalogSettings
	}{
		{"absent: the built-in catalog", minimalYAML, consent.YAML, nil},
		{"yaml none", minimalYAML + "catalog: none\n", consent.YAML, &consent.CatalogSettings{Off: true}},
		{"yaml null is absent", minimalYAML + "catalog:\n", consent.YAML, nil},
		{"yaml mapping", minimalYAML + `catalog:
  categories: {social: targeting, maps: analytics}
  vendors: {hotjar: analytics}
  exclude: [youtube]
  uses: [google-analytics, meta-pixel]
`, consent.YAML, &consent.CatalogSettings{
			Categories: map[string]consent.CategoryID{"social": "targeting", "maps": "analytics"},
			Vendors:    map[string]consent.CategoryID{"hotjar": "analytics"},
			Exclude:    []string{"youtube"},
			Uses:       []string{"google-analytics", "meta-pixel"},
		}},
		{"json none", `{"version":"1","categories":[{"id":"essential","name":"E","required":true}],"catalog":"none"}`, consent.JSON,
			&consent.CatalogSettings{Off: true}},
		{"json object", `{"version":"1","categories":[{"id":"essential","name":"E","required":true}],"catalog":{"uses":["segment"]}}`, consent.JSON,
			&consent.CatalogSettings{Uses: []string{"segment"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := consent.ParsePolicy([]byte(tt.doc), tt.fmt)
			require.NoError(t, err)
			assert.Equal(t, tt.want, p.Catalog)
		})
	}
}

func TestCatalogSettingsRoundTrip(t *testing.T) {
	for _, s := range []*consent.CatalogSettings{
		{Off: true},
		{Categories: map[string]consent.CategoryID{"social": "targeting"}, Exclude: []string{"youtube"}, Uses: []string{"hotjar"}},
	} {
		p, err := consent.ParsePolicy([]byte(minimalYAML), consent.YAML)
		require.NoError(t, err)
		p.Catalog = s

		y, err := p.EncodeYAML()
		require.NoError(t, err)
		back, err := consent.ParsePolicy(y, consent.YAML)
		require.NoError(t, err, string(y))
		assert.Equal(t, s, back.Catalog, string(y))

		j, err := json.Marshal(p)
		require.NoError(t, err)
		back, err = consent.ParsePolicy(j, consent.JSON)
		require.NoError(t, err, string(j))
		assert.Equal(t, s, back.Catalog, string(j))
	}
}

func TestCatalogSettingsParseErrors(t *testing.T) {
	tests := []struct {
		name, doc string
		fmt       consent.Format
		want      string
	}{
		{"yaml other scalar", minimalYAML + "catalog: off\n", consent.YAML, `catalog: want "none" or a mapping`},
		{"yaml unknown key", minimalYAML + "catalog:\n  vendor: {hotjar: analytics}\n", consent.YAML, `catalog: unknown field "vendor"`},
		{"yaml list", minimalYAML + "catalog: [hotjar]\n", consent.YAML, `catalog: want "none"`},
		{"json other string", `{"version":"1","categories":[{"id":"essential","name":"E","required":true}],"catalog":"off"}`, consent.JSON, `catalog: "off"`},
		{"json unknown key", `{"version":"1","categories":[{"id":"essential","name":"E","required":true}],"catalog":{"use":["x"]}}`, consent.JSON, `unknown field "use"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := consent.ParsePolicy([]byte(tt.doc), tt.fmt)
			require.Error(t, err)
			assert.True(t, errors.Is(err, consent.ErrInvalidPolicy), "%v", err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestValidateCatalogSettings(t *testing.T) {
	tests := []struct {
		name     string
		settings consent.CatalogSettings
		field    string
		problem  string
	}{
		{"mapped to an unknown category", consent.CatalogSettings{Categories: map[string]consent.CategoryID{"social": "marketing"}},
			"catalog.categories.social", `unknown category "marketing"`},
		{"malformed standard category", consent.CatalogSettings{Categories: map[string]consent.CategoryID{"Social Media": "targeting"}},
			"catalog.categories.Social Media", "not a standard category"},
		{"override to an unknown category", consent.CatalogSettings{Vendors: map[string]consent.CategoryID{"meta-pixel": "ads"}},
			"catalog.vendors.meta-pixel", `unknown category "ads"`},
		{"override to the placeholder", consent.CatalogSettings{Vendors: map[string]consent.CategoryID{"meta-pixel": consent.Placeholder}},
			"catalog.vendors.meta-pixel", "still"},
		{"malformed vendor ID", consent.CatalogSettings{Vendors: map[string]consent.CategoryID{"Meta_Pixel": "targeting"}},
			"catalog.vendors.Meta_Pixel", "not a vendor ID"},
		{"malformed exclude", consent.CatalogSettings{Exclude: []string{"you tube"}}, "catalog.exclude[0]", "not a vendor ID"},
		{"exclude twice", consent.CatalogSettings{Exclude: []string{"youtube", "youtube"}}, "catalog.exclude[1]", "twice"},
		{"excluded and overridden", consent.CatalogSettings{Exclude: []string{"hotjar"}, Vendors: map[string]consent.CategoryID{"hotjar": "analytics"}},
			"catalog.exclude[0]", "also filed"},
		{"used and excluded", consent.CatalogSettings{Exclude: []string{"hotjar"}, Uses: []string{"hotjar"}}, "catalog.uses[0]", "also excluded"},
		{"off with settings", consent.CatalogSettings{Off: true, Uses: []string{"hotjar"}}, "catalog", "is off"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := consent.ParsePolicy([]byte(minimalYAML), consent.YAML)
			require.NoError(t, err)
			p.Catalog = &tt.settings
			err = p.Validate()
			require.Error(t, err)
			var fe *consent.FieldError
			require.True(t, errors.As(err, &fe), "%v", err)
			assert.Equal(t, tt.field, fe.Field)
			assert.Contains(t, fe.Problem, tt.problem)
		})
	}
}
