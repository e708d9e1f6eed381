package middleware

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func serve(m *Middleware, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	m.Handler(http.NotFoundHandler()).ServeHTTP(rec, req)
	return rec
}

func decodeState(t *testing.T, rec *httptest.ResponseRecorder) stateJSON {
	t.Helper()
	require.Equal(t, "application/json; charset=utf-8", rec.Header().Get("Content-Type"))
	var s stateJSON
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &s), rec.Body.String())
	return s
}

func grantedIDs(s stateJSON) []string {
	var ids []string
	for _, c := range s.Categories {
		if c.Granted {
			ids = append(ids, string(c.ID))
		}
	}
	return ids
}

func TestDecisionActions(t *testing.T) {
	tests := []struct {
		form    url.Values
		method  string
		granted []string
	}{
		{acceptAll(), "accept-all", []string{"essential", "analytics", "functionality", "targeting", "tracking", "optimization", "partner"}},
		{rejectAll(), "reject-all", []string{"essential"}},
		{save(), "custom", []string{"essential"}},
		{save("essential", "targeting", "analytics", "analytics"), "custom", []string{"essential", "analytics", "targeting"}},
	}
	for _, tc := range tests {
		t.Run(tc.form.Encode(), func(t *testing.T) {
			m, _ := newTestMiddleware(t)
			c := decide(t, m, tc.form)
			req := httptest.NewRequest(http.MethodGet, "/consent", nil)
			req.AddCookie(c)
			s := decodeState(t, serve(m, req))
			assert.True(t, s.Decided)
			assert.Equal(t, tc.method, string(s.Consent.Method))
			assert.Equal(t, tc.granted, grantedIDs(s))
			assert.Len(t, s.Consent.ID, 32)
		})
	}
}

func TestDecisionRedirectsOnlyToSafePaths(t *testing.T) {
	tests := map[string]string{
		"":                              "/",
		"/courses/go?lang=de#top":       "/courses/go?lang=de#top",
		"/":                             "/",
		"//evil.example/":               "/",
		"/\\evil.example":               "/",
		"\\\\evil.example":              "/",
		"https://evil.example/":         "/",
		"javascript:alert(1)":           "/",
		"evil.example":                  "/",
		"/ok\r\nSet-Cookie: x=1":        "/",
		"/tab\there":                    "/",
		"/a\\b":                         "/",
		"/%2F%2Fevil.example":           "/%2F%2Fevil.example",
		"/" + strings.Repeat("a", 3000): "/",
	}
	for in, want := range tests {
		t.Run(in, func(t *testing.T) {
			assert.Equal(t, want, SafeReturn(in))
			m, _ := newTestMiddleware(t)
			form := acceptAll()
			form.Set("return", in)
			rec := serve(m, formRequest(form))
			require.Equal(t, http.StatusSeeOther, rec.Code)
			assert.Equal(t, want, rec.Header().Get("Location"))
		})
	}
}

func TestDecisionAsJSON(t *testing.T) {
	m, _ := newTestMiddleware(t)
	req := formRequest(save("analytics"))
	req.Header.Set("Accept", "text/html;q=0.5, application/json")
	rec := serve(m, req)
	require.Equal(t, http.StatusOK, rec.Code)
	s := decodeState(t, rec)
	assert.True(t, s.Decided)
	assert.Equal(t, []string{"essential", "analytics"}, grantedIDs(s))
	assert.Equal(t, []string{"consent"}, setCookieNames(rec.Header()))
	assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
}

func TestDecisionKeepsIDAndFirstTime(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	m, _ := newTestMiddleware(t, Clock(func() time.Time { return now }))
	first := decide(t, m, acceptAll())
	now = now.Add(48 * time.Hour)
	req := formRequest(rejectAll())
	req.AddCookie(first)
	rec := serve(m, req)
	second := rec.Result().Cookies()[0]

	state := func(c *http.Cookie) stateJSON {
		req := httptest.NewRequest(http.MethodGet, "/consent", nil)
		req.AddCookie(c)
		return decodeState(t, serve(m, req))
	}
	a, b := state(first), state(second)
	assert.Equal(t, a.Consent.ID, b.Consent.ID, "one visitor keeps one consent ID")
	assert.Equal(t, a.Consent.Given, b.Consent.Given, "the first decision time is kept")
	assert.Equal(t, now, b.Consent.Updated)
	assert.Equal(t, "reject-all", string(b.Consent.Method))
}

func TestDecisionRefusesCrossSiteRequests(t *testing.T) {
	tests := []struct {
		name    string
		headers map[string]string
		opts    []Option
		status  int
	}{
		{"Sec-Fetch-Site cross-site", map[string]string{"Sec-Fetch-Site": "cross-site"}, nil, http.StatusForbidden},
		{"Sec-Fetch-Site same-site", map[string]string{"Sec-Fetch-Site": "same-site"}, nil, http.StatusForbidden},
		{"foreign Origin", map[string]string{"Origin": "https://evil.example"}, nil, http.StatusForbidden},
		{"same origin", map[string]string{"Sec-Fetch-Site": "same-origin"}, nil, http.StatusSeeOther},
		{"Origin matches Host", map[string]string{"Origin": "http://example.com"}, nil, http.StatusSeeOther},
		{"no browser headers (curl)", map[string]string{}, nil, http.StatusSeeOther},
		{"trusted origin", map[string]string{"Origin": "https://shop.example.com"},
			[]Option{TrustedOrigins("https://shop.example.com")}, http.StatusSeeOther},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, _ := newTestMiddleware(t, tc.opts...)
			req := formRequest(acceptAll())
			req.Header.Del("Sec-Fetch-Site")
			for k, v := range tc.headers {
				req.Header.Set(k, v)
			}
			rec := serve(m, req)
			assert.Equal(t, tc.status, rec.Code)
			if tc.status == http.StatusForbidden {
				assert.Empty(t, rec.Header().Values("Set-Cookie"), "a forged accept-all records nothing")
			}
		})
	}
}

func TestDecisionRejectsBadForms(t *testing.T) {
	huge := url.Values{"action": {"accept-all"}, "pad": {strings.Repeat("x", DefaultMaxFormBytes)}}
	tests := []struct {
		name, body, contentType, message string
	}{
		{"no action", "category=analytics", "", "exactly one action"},
		{"two actions", "action=accept-all&action=reject-all", "", "exactly one action"},
		{"unknown action", "action=accept-everything", "", `unknown action "accept-everything"`},
		{"unknown category", "action=save&category=analytics&category=spying", "", `unknown category "spying"`},
		{"huge body", huge.Encode(), "", "larger than"},
		{"JSON body", `{"action":"accept-all"}`, "application/json", "send a form"},
		{"broken encoding", "action=%zz", "", "unreadable form"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, _ := newTestMiddleware(t)
			req := httptest.NewRequest(http.MethodPost, "/consent", strings.NewReader(tc.body))
			ct := tc.contentType
			if ct == "" {
				ct = "application/x-www-form-urlencoded"
			}
			req.Header.Set("Content-Type", ct)
			rec := serve(m, req)
			assert.Equal(t, http.StatusBadRequest, rec.Code)
			assert.Contains(t, rec.Body.String(), tc.message)
			assert.Empty(t, rec.Header().Values("Set-Cookie"))
		})
	}
}

func TestDecisionAcceptsMultipartForms(t *testing.T) {
	m, _ := newTestMiddleware(t)
	body := "--X\r\nContent-Disposition: form-data; name=\"action\"\r\n\r\nsave\r\n" +
		"--X\r\nContent-Disposition: form-data; name=\"category\"\r\n\r\nanalytics\r\n--X--\r\n"
	req := httptest.NewRequest(http.MethodPost, "/consent", strings.NewReader(body))
	req.Header.Set("Content-Type", "multipart/form-data; boundary=X")
	req.Header.Set("Accept", "application/json")
	rec := serve(m, req)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	assert.Equal(t, []string{"essential", "analytics"}, grantedIDs(decodeState(t, rec)))
}

func TestEndpointRoutes(t *testing.T) {
	tests := []struct {
		method, path string
		status       int
		allow        string
	}{
		{http.MethodGet, "/consent", http.StatusOK, ""},
		{http.MethodHead, "/consent", http.StatusOK, ""},
		{http.MethodGet, "/consent/", http.StatusOK, ""},
		{http.MethodPut, "/consent", http.StatusMethodNotAllowed, "GET, HEAD, POST"},
		{http.MethodGet, "/consent/preferences", http.StatusOK, ""},
		{http.MethodPost, "/consent/preferences", http.StatusMethodNotAllowed, "GET, HEAD"},
		{http.MethodGet, "/consent/policy", http.StatusOK, ""},
		{http.MethodGet, "/consent/unknown", http.StatusNotFound, ""},
		{http.MethodGet, "/consents", http.StatusNotFound, ""}, // not under the prefix: the site's 404
		{http.MethodGet, "/.well-known/gpc.json", http.StatusNotFound, ""},
	}
	m, _ := newTestMiddleware(t)
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			rec := serve(m, httptest.NewRequest(tc.method, tc.path, nil))
			assert.Equal(t, tc.status, rec.Code)
			assert.Equal(t, tc.allow, rec.Header().Get("Allow"))
			if tc.method == http.MethodHead {
				assert.Empty(t, rec.Body.String())
			}
		})
	}
}

func TestCustomPrefix(t *testing.T) {
	m, _ := newTestMiddleware(t, Prefix("/privacy/cookies"))
	assert.Equal(t, http.StatusOK, serve(m, httptest.NewRequest(http.MethodGet, "/privacy/cookies/policy", nil)).Code)
	assert.Equal(t, http.StatusNotFound, serve(m, httptest.NewRequest(http.MethodGet, "/consent/policy", nil)).Code)
	rec := serve(m, httptest.NewRequest(http.MethodGet, "/privacy/cookies/preferences", nil))
	assert.Contains(t, rec.Body.String(), `action="/privacy/cookies"`)
}

func TestPreferencesPage(t *testing.T) {
	m, _ := newTestMiddleware(t)
	page := func(cookies ...*http.Cookie) string {
		req := httptest.NewRequest(http.MethodGet, "/consent/preferences?return=/courses", nil)
		for _, c := range cookies {
			req.AddCookie(c)
		}
		rec := serve(m, req)
		require.Equal(t, http.StatusOK, rec.Code)
		assert.Equal(t, "text/html; charset=utf-8", rec.Header().Get("Content-Type"))
		return rec.Body.String()
	}
	undecided := page()
	assert.Contains(t, undecided, "You have not made a choice yet")
	assert.Contains(t, undecided, `value="essential" checked disabled`)
	assert.Equal(t, 1, strings.Count(undecided, " checked"), "nothing but essential is pre-ticked")
	assert.Contains(t, undecided, `name="return" value="/courses"`)
	for _, action := range []string{"save", "accept-all", "reject-all"} {
		assert.Contains(t, undecided, `name="action" value="`+action+`"`)
	}
	assert.Contains(t, undecided, "<code>_ga</code>", "the cookies table is shown")

	decided := page(decide(t, m, save("analytics")))
	assert.Contains(t, decided, `value="analytics" checked`)
	assert.NotContains(t, decided, `value="targeting" checked`)
	assert.Contains(t, decided, "under policy version 1")
	assert.Contains(t, decided, "Consent ID: <code>")
}

func TestPolicyPage(t *testing.T) {
	m, _ := newTestMiddleware(t)
	rec := serve(m, httptest.NewRequest(http.MethodGet, "/consent/policy", nil))
	require.Equal(t, http.StatusOK, rec.Code)
	body := rec.Body.String()
	for _, want := range []string{
		"We do not respond to Do Not Track signals",
		"Web beacons",
		"Analytics and performance",
		"<code>_fbp</code>",
		"Persistent, 3mo",
		"Session",
		`href="/consent/preferences"`,
		"2026-11-28",
	} {
		assert.Contains(t, body, want)
	}
}

func TestDecisionJSONOnlyWhenAccepted(t *testing.T) {
	for accept, status := range map[string]int{
		"application/json":                          http.StatusOK,
		"text/html, application/json;q=0.1":         http.StatusOK,
		"text/html, application/json;q=0":           http.StatusSeeOther,
		"text/html,application/xhtml+xml,*/*;q=0.8": http.StatusSeeOther,
	} {
		t.Run(accept, func(t *testing.T) {
			m, _ := newTestMiddleware(t)
			req := formRequest(acceptAll())
			req.Header.Set("Accept", accept)
			assert.Equal(t, status, serve(m, req).Code)
		})
	}
}
