package middleware

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/consentgate/consent"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// revisedMiddleware serves testPolicy revised twice: version 2 with its
// full text, version 3 without.
func revisedMiddleware(t *testing.T) *Middleware {
	t.Helper()
	p := testPolicy()
	p.Version = "3"
	p.Revisions = []consent.Revision{
		{Version: "1", Date: consent.DateOf(2026, time.January, 10), Summary: "First published.", Material: true, Text: "Cookies.\nAnalytics."},
		{Version: "2", Date: consent.DateOf(2026, time.March, 2), Summary: "Partners.", Material: true, Text: "Cookies.\nAnalytics.\nPartners."},
		{Version: "3", Date: consent.DateOf(2026, time.May, 20), Summary: "Wording."},
	}
	m, err := New(p, Keys(testKey), Logger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	require.NoError(t, err)
	return m
}

func TestPageRoutes(t *testing.T) {
	m := revisedMiddleware(t)
	tests := []struct {
		method, target, acceptLanguage string
		status                         int
		lang                           string // Content-Language of a page
		allow                          string
		body                           string
	}{
		{http.MethodGet, "/consent/preferences", "", http.StatusOK, "en", "", `<html lang="en">`},
		{http.MethodGet, "/consent/preferences", "de-CH,de;q=0.9", http.StatusOK, "de", "", `<html lang="de">`},
		{http.MethodGet, "/consent/policy", "fr-CA", http.StatusOK, "fr", "", `href="/consent/policy/changes?from=2&amp;to=3"`},
		{http.MethodGet, "/consent/policy", "ja", http.StatusOK, "en", "", "We do not respond to Do Not Track signals"},
		{http.MethodGet, "/consent/policy/changes?from=1&to=2", "", http.StatusOK, "en", "", "<ins>Partners.</ins>"},
		{http.MethodGet, "/consent/policy/changes?from=1&to=2", "de", http.StatusOK, "de", "", "Unterschiede im Text"},
		{http.MethodGet, "/consent/policy/changes", "", http.StatusOK, "en", "", "<del>Partners.</del>"}, // 3 against 2: summaries
		{http.MethodGet, "/consent/policy/changes?from=1", "", http.StatusOK, "en", "", "compared with version 3"},
		{http.MethodGet, "/consent/policy/changes?to=2&return=/shop", "", http.StatusOK, "en", "", `<a href="/shop">`},
		{http.MethodHead, "/consent/policy/changes?from=1&to=2", "fr", http.StatusOK, "fr", "", ""},
		{http.MethodHead, "/consent/preferences", "", http.StatusOK, "en", "", ""},
		{http.MethodGet, "/consent/policy/changes?from=9&to=2", "", http.StatusNotFound, "", "", ""},
		{http.MethodGet, "/consent/policy/changes?from=1&to=9", "", http.StatusNotFound, "", "", ""},
		{http.MethodGet, "/consent/policy/changes?to=1", "", http.StatusNotFound, "", "", ""},
		{http.MethodGet, "/consent/policy/changes?from=" + strings.Repeat("1", 300), "", http.StatusNotFound, "", "", ""},
		{http.MethodGet, "/consent/policy/changes/", "", http.StatusNotFound, "", "", ""},
		{http.MethodGet, "/consent/policy/", "", http.StatusNotFound, "", "", ""},
		{http.MethodPost, "/consent/policy/changes?from=1&to=2", "", http.StatusMethodNotAllowed, "", "GET, HEAD", ""},
		{http.MethodDelete, "/consent/policy", "", http.StatusMethodNotAllowed, "", "GET, HEAD", ""},
	}
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.target+" "+tc.acceptLanguage, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, tc.target, nil)
			if tc.acceptLanguage != "" {
				req.Header.Set("Accept-Language", tc.acceptLanguage)
			}
			rec := serve(m, req)
			assert.Equal(t, tc.status, rec.Code)
			assert.Equal(t, tc.allow, rec.Header().Get("Allow"))
			assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
			assert.Contains(t, rec.Header().Values("Vary"), "Cookie")
			assert.Equal(t, tc.lang, rec.Header().Get("Content-Language"))
			if tc.status != http.StatusOK {
				assert.NotContains(t, rec.Body.String(), "<html")
				return
			}
			assert.Equal(t, "text/html; charset=utf-8", rec.Header().Get("Content-Type"))
			assert.Contains(t, rec.Header().Values("Content-Security-Policy"), "frame-ancestors 'self'", "no other origin may frame the consent pages")
			assert.Equal(t, "SAMEORIGIN", rec.Header().Get("X-Frame-Options"))
			assert.Contains(t, strings.Join(rec.Header().Values("Vary"), ","), "Accept-Language")
			if tc.method == http.MethodHead {
				assert.Empty(t, rec.Body.String())
				return
			}
			assert.Contains(t, rec.Body.String(), tc.body)
			assert.Contains(t, rec.Body.String(), `<html lang="`+tc.lang+`">`, "the page's language is the one announced")
		})
	}
}

func TestPageRoutesUnderACustomPrefix(t *testing.T) {
	m, _ := newTestMiddleware(t, Prefix("/privacy"))
	rec := serve(m, httptest.NewRequest(http.MethodGet, "/privacy/policy/changes", nil))
	assert.Equal(t, http.StatusNotFound, rec.Code, "the test policy has a single revision: nothing before it")
	rec = serve(m, httptest.NewRequest(http.MethodGet, "/privacy/policy", nil))
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Contains(t, rec.Body.String(), `<a href="/privacy/preferences">Manage Preferences</a>`)
	assert.NotContains(t, rec.Body.String(), "/policy/changes", "no changes to link for a single revision")
}

// The preferences page shows the choice the visitor made through the
// endpoint: the date, the policy version and the consent ID.
func TestPreferencesPageAfterADecision(t *testing.T) {
	at := time.Date(2026, 6, 1, 9, 30, 0, 0, time.UTC)
	m, _ := newTestMiddleware(t, Clock(func() time.Time { return at }))
	c := decide(t, m, save("functionality"))
	req := httptest.NewRequest(http.MethodGet, "/consent/preferences", nil)
	req.AddCookie(c)
	req.Header.Set("Accept-Language", "fr")
	rec := serve(m, req)
	require.Equal(t, http.StatusOK, rec.Code)
	body := rec.Body.String()
	assert.Contains(t, body, "Votre choix actuel a été fait le 2026-06-01 09:30 UTC selon la version 1 de la politique.")
	assert.Contains(t, body, `value="functionality" checked>`)
	assert.Contains(t, body, `value="analytics">`)
	v, _, err := m.codec.DecodeValue(c.Value, m.policy)
	require.NoError(t, err)
	assert.Contains(t, body, "Identifiant de consentement\u00a0: <code>"+v.ID+"</code>")
}
