package banner

import (
	"testing"

	"github.com/consentgate/consent"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// analyticsOnly is a small site's policy: essential cookies and analytics,
// nothing else.
func analyticsOnly() *consent.Policy {
	return &consent.Policy{Version: "1", Categories: []consent.Category{
		{ID: consent.Essential, Name: "Essential", Required: true},
		{ID: consent.Analytics, Name: "Statistics"},
	}}
}

// TestBannerNamesOnlyThePolicysPurposes: the notice lists the refusable
// categories the policy has, in the visitor's language, and nothing it
// does not have.
func TestBannerNamesOnlyThePolicysPurposes(t *testing.T) {
	tests := []struct {
		lang    string
		want    string
		notWant []string
	}{
		{"en", "cookies and web beacons for analytics.", []string{"advertising", "functionality"}},
		{"de", "Cookies und Web-Beacons für Analyse.", []string{"Werbung", "Funktionen"}},
		{"fr", "des balises web pour la mesure d’audience.", []string{"publicité", "fonctionnalités"}},
	}
	cat, err := NewCatalog(analyticsOnly())
	require.NoError(t, err)
	b, err := NewBanner(cat, "/consent", "")
	require.NoError(t, err)
	for _, tc := range tests {
		t.Run(tc.lang, func(t *testing.T) {
			i := cat.Pick(tc.lang)
			notice := cat.Texts(i).T("banner.notice")
			assert.Contains(t, notice, tc.want)
			markup := string(b.Append(nil, Injection{Lang: i}))
			assert.Contains(t, markup, tc.want, "the banner shows the filled notice")
			for _, w := range tc.notWant {
				assert.NotContains(t, notice, w)
			}
			assert.NotContains(t, notice, "{purposes}")
		})
	}
}

func TestBannerPurposesOfTheDefaultPolicy(t *testing.T) {
	cat, err := NewCatalog(consent.DefaultPolicy())
	require.NoError(t, err)
	assert.Contains(t, cat.Texts(cat.Pick("en")).T("banner.notice"),
		"for analytics, functionality, advertising, cross-site tracking, conversion measurement and partner programmes.")
	assert.Contains(t, cat.Texts(cat.Pick("de")).T("banner.notice"),
		"für Analyse, Funktionen, Werbung, seitenübergreifendes Tracking, Conversion-Messung und Partnerprogramme.")
	assert.Contains(t, cat.Texts(cat.Pick("fr")).T("banner.notice"),
		"pour la mesure d’audience, les fonctionnalités, la publicité, le suivi entre sites, la mesure des conversions et les programmes partenaires.")
}

func TestBannerPurposesOfCustomCategories(t *testing.T) {
	p := analyticsOnly()
	p.Categories = append(p.Categories,
		consent.Category{ID: "video", Name: "Embedded videos"},
		consent.Category{ID: "marketing", Name: "Marketing"})
	p.Texts = map[string]string{"de:banner.purpose.marketing": "Marketing-E-Mails", "banner.purpose.analytics": "visitor statistics"}
	cat, err := NewCatalog(p)
	require.NoError(t, err)
	assert.Contains(t, cat.Texts(cat.Pick("en")).T("banner.notice"), "for visitor statistics, Embedded videos and Marketing.",
		"the policy's purpose texts, else its category names")
	assert.Contains(t, cat.Texts(cat.Pick("de")).T("banner.notice"), "für Analyse, Embedded videos und Marketing-E-Mails.")

	p.Texts = map[string]string{"banner.purpose.advertising": "ads"}
	_, err = NewCatalog(p)
	require.ErrorIs(t, err, ErrTexts)
	assert.ErrorContains(t, err, `unknown text ID "banner.purpose.advertising"`, "a purpose of a category the policy lacks is a typo")
}

func TestBannerNoticeOverrideKeepsItsWords(t *testing.T) {
	p := analyticsOnly()
	p.Texts = map[string]string{
		"banner.notice":    "We count visits, nothing more.",
		"de:banner.notice": "Wir zählen Besuche ({purposes}).",
	}
	cat, err := NewCatalog(p)
	require.NoError(t, err)
	assert.Equal(t, "We count visits, nothing more.", cat.Texts(cat.Pick("en")).T("banner.notice"))
	assert.Equal(t, "Wir zählen Besuche (Analyse).", cat.Texts(cat.Pick("de")).T("banner.notice"), "a site's notice can use the slot too")
}

func TestBannerNoticeWithoutRefusableCategories(t *testing.T) {
	p := analyticsOnly()
	p.Categories = p.Categories[:1]
	cat, err := NewCatalog(p)
	require.NoError(t, err)
	assert.Equal(t, "We use only essential cookies, which this site needs in order to work.", cat.Texts(0).T("banner.notice"))
}

func TestJoinList(t *testing.T) {
	for _, tc := range []struct {
		names []string
		and   string
		want  string
	}{
		{[]string{"a"}, "and", "a"},
		{[]string{"a", "b"}, "and", "a and b"},
		{[]string{"a", "b", "c"}, "und", "a, b und c"},
		{[]string{"a", "b", "c"}, "", "a, b, c"},
		{[]string{"a", "b"}, " ", "a, b"},
	} {
		assert.Equal(t, tc.want, joinList(tc.names, tc.and))
	}
}
