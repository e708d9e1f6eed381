package banner

import (
	"testing"
	"time"

	"github.com/consentgate/consent"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTextsFormat(t *testing.T) {
	cat, err := NewCatalog(&consent.Policy{Texts: map[string]string{"policy.revision": "{version}/{date}/{version}/{unknown}"}})
	require.NoError(t, err)
	en := cat.Texts(0)
	tests := []struct {
		name string
		id   string
		kv   []string
		want string
	}{
		{"placeholders filled", "prefs.decided", []string{"date", "D", "version", "V"}, "Your current choice was made on D under policy version V."},
		{"values are not placeholders again", "prefs.decided", []string{"date", "{version}", "version", "2"}, "Your current choice was made on {version} under policy version 2."},
		{"missing value stays visible", "prefs.decided", []string{"date", "D"}, "Your current choice was made on D under policy version {version}."},
		{"repeated and unknown placeholders", "policy.revision", []string{"version", "2", "date", "today"}, "2/today/2/{unknown}"},
		{"odd argument ignored", "prefs.decided", []string{"date", "D", "version"}, "Your current choice was made on D under policy version {version}."},
		{"no placeholders", "prefs.title", []string{"x", "y"}, "Cookie preferences"},
		{"unknown ID", "no.such", nil, "no.such"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, en.Format(tc.id, tc.kv...))
		})
	}
}

func TestTextsLifetime(t *testing.T) {
	cat, err := NewCatalog(consent.DefaultPolicy())
	require.NoError(t, err)
	day := 24 * time.Hour
	tests := []struct {
		lifetime   time.Duration
		en, de, fr string
	}{
		{0, "Session", "Sitzung", "Session"},
		{365 * day, "Persistent, 1y", "Dauerhaft, 1 Jahr", "Persistant, 1 an"},
		{2 * 365 * day, "Persistent, 2y", "Dauerhaft, 2 Jahre", "Persistant, 2 ans"},
		{390 * day, "Persistent, 13mo", "Dauerhaft, 13 Monate", "Persistant, 13 mois"},
		{30 * day, "Persistent, 1mo", "Dauerhaft, 1 Monat", "Persistant, 1 mois"},
		{14 * day, "Persistent, 2w", "Dauerhaft, 2 Wochen", "Persistant, 2 semaines"},
		{day, "Persistent, 1d", "Dauerhaft, 1 Tag", "Persistant, 1 jour"},
		{36 * time.Hour, "Persistent, 36h", "Dauerhaft, 36 Stunden", "Persistant, 36 heures"},
		{time.Minute, "Persistent, 1min", "Dauerhaft, 1 Minute", "Persistant, 1 minute"},
		{90 * time.Second, "Persistent, 90s", "Dauerhaft, 90 Sekunden", "Persistant, 90 secondes"},
		{1500 * time.Millisecond, "Persistent, 2s", "Dauerhaft, 2 Sekunden", "Persistant, 2 secondes"},
		{time.Millisecond, "Persistent, 1s", "Dauerhaft, 1 Sekunde", "Persistant, 1 seconde"},
	}
	for _, tc := range tests {
		t.Run(tc.lifetime.String(), func(t *testing.T) {
			l := consent.Lifetime(tc.lifetime)
			for lang, want := range map[string]string{"en": tc.en, "de": tc.de, "fr": tc.fr} {
				assert.Equal(t, want, cat.Texts(cat.Pick(lang)).Lifetime(l), lang)
			}
		})
	}
}
