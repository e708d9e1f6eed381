package banner

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/consentgate/consent"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPick(t *testing.T) {
	tests := []struct {
		fallback, header, want string
	}{
		{"en", "", "en"},
		{"en", "de-CH,de;q=0.9", "de"},
		{"en", "de-DE,de;q=0.9,en;q=0.5", "de"},
		{"en", "fr-CA", "fr"},
		{"en", "fr-CH, en;q=0.9", "fr"},
		{"en", "ja", "en"},
		{"en", "ja, de;q=0.5", "de"},
		{"en", "en-US,en;q=0.9,de;q=0.8", "en"},
		{"en", "DE", "de"},
		{"en", "*", "en"},
		{"en", "de;q=0", "en"},                           // q=0: not German
		{"en", "en;q=0, fr", "fr"},                       // q=0 refuses English
		{"en", "de;q=0, fr;q=0.1", "fr"},                 // however low, q>0 is accepted
		{"en", "de, x_!!;q=0.5", "de"},                   // one bad entry does not spoil the header
		{"en", "fr;q=abc, de;q=0.5", "de"},               // nor a bad weight
		{"en", strings.Repeat("x_!!,", 40) + "de", "en"}, // bounded: the 41st entry is not read
		{"de", "ja", "de"},
		{"de", "", "de"},
		{"fr", "en", "en"},
	}
	for _, tc := range tests {
		t.Run(tc.fallback+" "+tc.header, func(t *testing.T) {
			cat, err := NewCatalog(consent.DefaultPolicy(), Fallback(tc.fallback))
			require.NoError(t, err)
			got := cat.Texts(cat.Pick(tc.header)).Lang()
			assert.Equal(t, tc.want, got)
			assert.Equal(t, got, cat.Texts(cat.Pick(tc.header)).Lang(), "the cached answer is the same")
		})
	}
}

func TestPickConcurrently(t *testing.T) {
	cat, err := NewCatalog(consent.DefaultPolicy())
	require.NoError(t, err)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 2 * maxCachedHeaders {
				header := []string{"de", "fr-CA", "ja"}[(i+j)%3] + ";q=0." + strings.Repeat("9", j%3+1)
				if j%2 == 0 {
					header = "x" + header // fills the cache past its bound
				}
				_ = cat.Texts(cat.Pick(header)).T("prefs.title")
			}
		})
	}
	wg.Wait()
	assert.LessOrEqual(t, len(cat.cache), maxCachedHeaders)
}

func TestPolicyTexts(t *testing.T) {
	p := consent.DefaultPolicy()
	p.Texts = map[string]string{
		"policy.dnt_body":    "We ignore DNT.",
		"de:policy.dnt_body": "Wir ignorieren DNT.",
		"prefs.title":        "", // empty: the built-in text stays
	}
	cat, err := NewCatalog(p)
	require.NoError(t, err)
	for lang, want := range map[string]string{
		"en": "We ignore DNT.",
		"de": "Wir ignorieren DNT.",
		"fr": "Nous ne donnons pas suite aux signaux Do Not Track\u00a0: il n’existe pas de consensus sur ce qu’un site doit faire lorsqu’il en reçoit un. Nous suivons les choix que vous faites sur la page des préférences.",
	} {
		assert.Equal(t, want, cat.Texts(cat.Pick(lang)).T("policy.dnt_body"), lang)
	}
	assert.Equal(t, "Cookie preferences", cat.Texts(0).T("prefs.title"))
}

func TestPolicyTextErrors(t *testing.T) {
	tests := []struct {
		texts map[string]string
		want  string
	}{
		{map[string]string{"banner.notise": "x"}, `policy texts["banner.notise"]: unknown text ID "banner.notise"`},
		{map[string]string{"de:prefs.titel": "x", "prefs.title": "ok"}, `policy texts["de:prefs.titel"]: unknown text ID "prefs.titel"`},
		{map[string]string{"it:prefs.titel": "x", "es:prefs.titel": "y"}, `policy texts["es:prefs.titel"]: unknown text ID "prefs.titel"`}, // in key order
		{map[string]string{"!!:prefs.title": "x"}, `policy texts["!!:prefs.title"]: language "!!"`},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			p := consent.DefaultPolicy()
			p.Texts = tc.texts
			_, err := NewCatalog(p)
			require.ErrorIs(t, err, ErrTexts)
			assert.ErrorContains(t, err, tc.want)
		})
	}
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	return path
}

func TestLanguageFiles(t *testing.T) {
	es := writeFile(t, "es.json", `{"language": "es", "texts": {"prefs.title": "Preferencias de cookies", "banner.accept_all": "Aceptar todo"}}`)
	it := writeFile(t, "it.yaml", "language: it\ntexts:\n  prefs.title: Preferenze dei cookie\n")
	de := writeFile(t, "de.yml", "language: de\ntexts:\n  prefs.save: Speichern\n")
	p := consent.DefaultPolicy()
	p.Texts = map[string]string{"es:banner.reject_all": "Rechazar todo"}
	cat, err := NewCatalog(p, LanguageFile(es), LanguageFile(it), LanguageFile(de))
	require.NoError(t, err)
	assert.Equal(t, []string{"en", "de", "es", "fr", "it"}, cat.Languages())

	tests := []struct {
		header, id, want string
	}{
		{"es-MX", "prefs.title", "Preferencias de cookies"},
		{"es", "banner.accept_all", "Aceptar todo"},
		{"es", "banner.reject_all", "Rechazar todo"}, // the policy's text for the added language
		{"es", "prefs.save", "Save my choices"},      // missing: from the fallback
		{"it-IT", "prefs.title", "Preferenze dei cookie"},
		{"de", "prefs.save", "Speichern"},             // replaced in a built-in language
		{"de", "prefs.title", "Cookie-Einstellungen"}, // the rest stays
	}
	for _, tc := range tests {
		t.Run(tc.header+" "+tc.id, func(t *testing.T) {
			texts := cat.Texts(cat.Pick(tc.header))
			assert.Equal(t, tc.want, texts.T(tc.id))
		})
	}
	assert.Equal(t, "es", cat.Texts(cat.Pick("es-MX")).Lang())
}

func TestLanguageFileWithAFallbackOfItsOwn(t *testing.T) {
	es := writeFile(t, "es.json", `{"language": "es", "texts": {"prefs.title": "Preferencias de cookies"}}`)
	cat, err := NewCatalog(consent.DefaultPolicy(), LanguageFile(es), Fallback("es"))
	require.NoError(t, err)
	assert.Equal(t, "es", cat.Texts(cat.Pick("ja")).Lang())
	assert.Equal(t, "Save my choices", cat.Texts(cat.Pick("ja")).T("prefs.save"), "what the fallback lacks comes from English")

	_, err = NewCatalog(consent.DefaultPolicy(), Fallback("es"))
	assert.ErrorIs(t, err, ErrTexts)
	assert.ErrorContains(t, err, `fallback language "es" has no texts`)
}

func TestLanguageFileErrors(t *testing.T) {
	tests := []struct {
		name, file, content, want string
	}{
		{"unknown text ID", "es.json", `{"language": "es", "texts": {"prefs.titel": "x", "prefs.savee": "y"}}`, `unknown text ID "prefs.savee"`},
		{"unknown key (JSON)", "es.json", `{"language": "es", "text": {"prefs.title": "x"}}`, `unknown field "text"`},
		{"unknown key (YAML)", "es.yaml", "language: es\ntext:\n  prefs.title: x\n", "field text not found"},
		{"no language", "es.yaml", "texts:\n  prefs.title: x\n", "no language"},
		{"empty file", "es.yaml", "", "no language"},
		{"bad language", "es.json", `{"language": "!!"}`, `language "!!"`},
		{"not JSON", "es.json", `{"language": `, "es.json"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewCatalog(consent.DefaultPolicy(), LanguageFile(writeFile(t, tc.file, tc.content)))
			require.ErrorIs(t, err, ErrTexts)
			assert.ErrorContains(t, err, tc.want)
		})
	}
	_, err := NewCatalog(consent.DefaultPolicy(), LanguageFile(filepath.Join(t.TempDir(), "missing.json")))
	assert.ErrorIs(t, err, ErrTexts)
}

var placeholder = regexp.MustCompile(`\{[a-z_]+\}`)

// The built-in translations are complete: every text of English, with the
// same placeholders, and nothing else.
func TestBuiltinTranslationsAreComplete(t *testing.T) {
	en, err := builtin("en")
	require.NoError(t, err)
	for _, lang := range []string{"de", "fr"} {
		t.Run(lang, func(t *testing.T) {
			texts, err := builtin(lang)
			require.NoError(t, err)
			for id, text := range en {
				tr, ok := texts[id]
				if !assert.True(t, ok, "%s has no translation of %s", lang, id) {
					continue
				}
				assert.NotEmpty(t, strings.TrimSpace(tr), id)
				want := placeholder.FindAllString(text, -1)
				got := placeholder.FindAllString(tr, -1)
				slices.Sort(want)
				slices.Sort(got)
				assert.Equal(t, want, got, "placeholders of %s", id)
			}
			for id := range texts {
				assert.Contains(t, en, id, "%s has a text English lacks", lang)
			}
		})
	}
}

func TestTextIDs(t *testing.T) {
	ids := TextIDs()
	assert.True(t, slices.IsSorted(ids))
	for _, id := range []string{"banner.notice", "prefs.title", "policy.dnt_body", "diff.title", "lifetime.years"} {
		assert.Contains(t, ids, id)
	}
}
