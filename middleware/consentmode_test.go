package middleware

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/consentgate/consent"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGoogleConsentModeConfiguration(t *testing.T) {
	for _, tc := range []struct {
		name string
		m    ConsentModeMap
		want string
	}{
		{"unknown type", ConsentModeMap{"cookie_storage": {consent.Analytics}}, `"cookie_storage" is not one of`},
		{"unknown category", ConsentModeMap{"ad_storage": {"ads"}}, `"ads" is not a category`},
		{"security storage", ConsentModeMap{"security_storage": {consent.Essential}}, "always granted"},
		{"no category", ConsentModeMap{"ad_storage": nil}, "no category"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(testPolicy(), Keys(testKey), GoogleConsentMode(tc.m))
			require.Error(t, err)
			assert.True(t, errors.Is(err, ErrConfig))
			assert.Contains(t, err.Error(), "GoogleConsentMode")
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestGoogleConsentModeCalls(t *testing.T) {
	m, _ := newTestMiddleware(t, GoogleConsentMode(nil))
	cm := m.consentMode
	def := string(cm.script(0, false))
	assert.True(t, strings.HasPrefix(def, "window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}gtag('consent','default',{"), def)
	for _, typ := range consentModeTypes {
		want := `"` + typ + `":"denied"`
		if typ == "security_storage" {
			want = `"security_storage":"granted"`
		}
		assert.Contains(t, def, want)
	}
	assert.NotContains(t, def, "'update'")

	analytics := m.grantedBits(&consent.Consent{Granted: []consent.CategoryID{consent.Essential, consent.Analytics}})
	upd := string(cm.script(analytics, true))
	assert.Contains(t, upd, `gtag('consent','update',{"ad_personalization":"denied","ad_storage":"denied","ad_user_data":"denied","analytics_storage":"granted","functionality_storage":"denied","personalization_storage":"denied"});`)
	assert.Equal(t, upd, string(cm.script(analytics, true)), "cached")

	// Ads need both targeting and partner.
	targeting := m.grantedBits(&consent.Consent{Granted: []consent.CategoryID{consent.Essential, consent.Targeting}})
	assert.Equal(t, "denied", cm.state(targeting)["ad_storage"])
	assert.Equal(t, "granted", cm.state(m.allCats)["ad_storage"])
}

func TestGoogleConsentModeInTheStateJSON(t *testing.T) {
	m, _ := newTestMiddleware(t, GoogleConsentMode(nil))
	req := httptest.NewRequest(http.MethodGet, "/consent", nil)
	req.AddCookie(decide(t, m, save(string(consent.Analytics))))
	rec := httptest.NewRecorder()
	m.Handler(http.NotFoundHandler()).ServeHTTP(rec, req)
	var state struct {
		ConsentMode map[string]string `json:"consentMode"`
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &state))
	assert.Equal(t, "granted", state.ConsentMode["analytics_storage"])
	assert.Equal(t, "denied", state.ConsentMode["ad_storage"])
}

func TestGoogleConsentModeScriptComesFirstInHead(t *testing.T) {
	m, _ := newTestMiddleware(t, GoogleConsentMode(nil))
	page := `<!doctype html><html><head><meta charset="utf-8"><script async src="https://www.googletagmanager.com/gtag/js?id=G-1"></script></head><body><p>x</p>`
	h := htmlHandler(page, "Content-Security-Policy", "script-src 'nonce-Q2xhcmE=' 'strict-dynamic'")
	t.Run("undecided: default only, with the nonce", func(t *testing.T) {
		body := get(m, h, "/").Body.String()
		assert.True(t, strings.HasPrefix(body, `<!doctype html><html><head><script nonce="Q2xhcmE=">window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}gtag('consent','default',{`), body[:120])
		assert.NotContains(t, body, "'update'")
	})
	t.Run("decided: default then update, gtag kept", func(t *testing.T) {
		body := get(m, h, "/", decide(t, m, save(string(consent.Analytics)))).Body.String()
		assert.Contains(t, body, `gtag('consent','update',{"ad_personalization":"denied","ad_storage":"denied","ad_user_data":"denied","analytics_storage":"granted"`)
		assert.Contains(t, body, `<script async src="https://www.googletagmanager.com/gtag/js?id=G-1"></script>`)
		assert.Less(t, strings.Index(body, "gtag('consent','default'"), strings.Index(body, "gtag/js"))
	})
	t.Run("htmx partials get none", func(t *testing.T) {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Header.Set("HX-Request", "true")
		rec := httptest.NewRecorder()
		m.Handler(htmlHandler(`<div><script>x()</script></div>`)).ServeHTTP(rec, req)
		assert.Equal(t, `<div><script>x()</script></div>`, rec.Body.String())
	})
	t.Run("off by default", func(t *testing.T) {
		m, _ := newTestMiddleware(t)
		assert.NotContains(t, get(m, h, "/").Body.String(), "gtag('consent'")
	})
}
