package consent_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/consentgate/consent"
	"github.com/stretchr/testify/require"
)

// FuzzParsePolicy feeds arbitrary documents to ParsePolicy as JSON or YAML.
// It never panics; every error is an ErrInvalidPolicy; whatever parses is
// valid, and writing it out (EncodeYAML or encoding/json) and parsing that
// again gives the same policy.
func FuzzParsePolicy(f *testing.F) {
	for _, name := range []string{"policy.json", "policy.yaml"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		require.NoError(f, err)
		f.Add(data, strings.HasSuffix(name, ".yaml"))
	}
	def, err := json.Marshal(consent.DefaultPolicy())
	require.NoError(f, err)
	f.Add(def, false)
	defYAML, err := consent.DefaultPolicy().EncodeYAML()
	require.NoError(f, err)
	f.Add(defYAML, true)
	for _, s := range []string{
		`{"version":"1","categories":[{"id":"essential","name":"E","required":true}]}`,
		`{"version":"1","categories":[{"id":"essential","name":"E","required":true}],"cookies":[{"name":"a*b","category":"essential","lifetime":"13mo"}]}`,
		`{"version":"1","revisions":[{"version":"1","date":"2026-01-02","material":true}],"categories":[{"id":"essential","name":"E","required":true}]}`,
		"version: \"1\"\ncategories: [{id: essential, name: E, required: true}]\ncookies: [{name: x, category: essential, lifetime: 2y}]\n",
		"version: 1\nrevisions: [{version: 1, date: 2026-01-02}]\ncategories: [{id: essential, name: E, required: true}]\n",
		"version: \"1\"\ncategories: [{id: essential, name: E, required: true}]\ntexts: {notice: \"Hi\"}\n",
		"version: \"1\"\ncategories: [{id: essential, name: E, required: true}]\ncatalog: none\n",
		"version: \"1\"\ncategories: [{id: essential, name: E, required: true}, {id: a, name: A}]\ncatalog: {categories: {social: a}, vendors: {hotjar: a}, exclude: [youtube], uses: [segment]}\n",
		`{"version":"1","categories":[{"id":"essential","name":"E","required":true}],"catalog":"none"}`,
		`{"version":"1","categories":[{"id":"essential","name":"E","required":true}],"catalog":{"uses":["x"],"exclude":["y"]}}`,
		"version: \"1\"\ncategories: [{id: essential, name: E, required: true}]\ncatalog: {categories: ~}\n",
		"", "null", "{}", "[]", "---\n---\n", "version: &a [*a]\n",
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}

	f.Fuzz(func(t *testing.T, data []byte, yaml bool) {
		format := consent.JSON
		if yaml {
			format = consent.YAML
		}
		p, err := consent.ParsePolicy(data, format)
		if err != nil {
			require.Nil(t, p)
			require.ErrorIs(t, err, consent.ErrInvalidPolicy)
			return
		}
		require.NoError(t, p.Validate())

		// Encodings reach a fixed point after one round: nil and empty
		// collections may differ from the input, nothing else.
		doc, err := p.EncodeYAML()
		require.NoError(t, err)
		back, err := consent.ParsePolicy(doc, consent.YAML)
		require.NoError(t, err, "EncodeYAML output does not parse:\n%s", doc)
		again, err := back.EncodeYAML()
		require.NoError(t, err)
		require.Equal(t, string(doc), string(again))

		js, err := json.Marshal(p)
		require.NoError(t, err)
		back, err = consent.ParsePolicy(js, consent.JSON)
		require.NoError(t, err, "JSON output does not parse:\n%s", js)
		jsAgain, err := json.Marshal(back)
		require.NoError(t, err)
		require.Equal(t, string(js), string(jsAgain))

		// Lookups on the parsed policy never panic.
		for _, c := range p.Cookies {
			_, _ = p.CookieDeclaration(c.Name)
		}
		_ = p.CurrentFor(p.Version)
		_ = p.RequiredCategories()
	})
}

// FuzzCookieDeclaration checks the cookie name matcher against a regular
// expression: '*' is any run of bytes, every other byte is itself.
func FuzzCookieDeclaration(f *testing.F) {
	for _, s := range [][2]string{
		{"_ga_*", "_ga_ABC"}, {"_ga_*", "x_ga_ABC"}, {"_hj*", "_hj"}, {"a*b*c", "aXbYc"},
		{"a*b*c", "acb"}, {"*_sid", "shop_sid"}, {"a*a*a*b", "aaaaaaaaab"}, {"**", ""},
		{"_pk_*.*", "_pk_id.1.abc"}, {"exact", "exact"}, {"x*", "x"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pattern, name string) {
		if pattern == "" || strings.Count(pattern, "*") > 3 {
			return
		}
		p := &consent.Policy{
			Version:    "1",
			Categories: []consent.Category{{ID: consent.Essential, Name: "E", Required: true}},
			Cookies:    []consent.Cookie{{Name: pattern, Category: consent.Essential}},
		}
		parts := strings.Split(pattern, "*")
		for i, part := range parts {
			parts[i] = regexp.QuoteMeta(part)
		}
		// (?s) lets '.' match newlines; matching is on bytes, not runes,
		// so compare only valid UTF-8 inputs with the regexp.
		re, err := regexp.Compile(`^(?s:` + strings.Join(parts, ".*") + `)$`)
		if err != nil {
			t.Skip()
		}
		_, got := p.CookieDeclaration(name)
		if !utf8.ValidString(pattern) || !utf8.ValidString(name) {
			return
		}
		if got != re.MatchString(name) {
			t.Fatalf("pattern %q, name %q: matched=%t, regexp says %t", pattern, name, got, !got)
		}
	})
}
