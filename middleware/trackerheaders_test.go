package middleware

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Response headers that make the browser contact a tracker lose exactly
// that part for a visitor who has not granted it, and pass unchanged for
// one who has.
func TestTrackerHeaders(t *testing.T) {
	m, _ := newTestMiddleware(t, CSP(CSPOff)) // the site's own policy is under test, not ours
	accepted := decide(t, m, acceptAll())
	for _, tc := range []struct {
		name        string
		set         map[string][]string
		status      int
		want        map[string][]string // for the undecided visitor; nil value: header absent
		wantStatus  int
		wantBodyLen int // -1: the handler's body
	}{
		{"Link preload and preconnect", map[string][]string{"Link": {
			`</app.css>; rel=preload; as=style, <https://www.googletagmanager.com/gtm.js>; rel=preload; as=script`,
			`<https://connect.facebook.net>; rel=preconnect`}},
			200, map[string][]string{"Link": {`</app.css>; rel=preload; as=style`}}, 200, -1},
		{"Link with a quoted comma kept", map[string][]string{"Link": {`</a>; rel=preload; title="a, b"`}},
			200, map[string][]string{"Link": {`</a>; rel=preload; title="a, b"`}}, 200, -1},
		{"Refresh", map[string][]string{"Refresh": {"0; url=https://www.facebook.com/tr?id=1"}},
			200, map[string][]string{"Refresh": nil}, 200, -1},
		{"Refresh first party kept", map[string][]string{"Refresh": {"5; url=/next"}},
			200, map[string][]string{"Refresh": {"5; url=/next"}}, 200, -1},
		{"CSP report-uri", map[string][]string{"Content-Security-Policy": {"default-src 'self'; report-uri https://www.google-analytics.com/csp /csp-reports"}},
			200, map[string][]string{"Content-Security-Policy": {"default-src 'self'; report-uri /csp-reports"}}, 200, -1},
		{"CSP report-to and its endpoint", map[string][]string{
			"Content-Security-Policy-Report-Only": {"script-src 'self'; report-to ga"},
			"Reporting-Endpoints":                 {`ga="https://www.google-analytics.com/r", own="/r"`}},
			200, map[string][]string{
				"Content-Security-Policy-Report-Only": {"script-src 'self'"},
				"Reporting-Endpoints":                 {`own="/r"`}}, 200, -1},
		{"Report-To group", map[string][]string{
			"Report-To":               {`{"group":"t","max_age":1,"endpoints":[{"url":"https://www.google-analytics.com/r"}]}, {"group":"own","max_age":1,"endpoints":[{"url":"/r"}]}`},
			"Content-Security-Policy": {"report-to t"}},
			200, map[string][]string{
				"Report-To":               {`{"group":"own","max_age":1,"endpoints":[{"url":"/r"}]}`},
				"Content-Security-Policy": nil}, 200, -1},
		{"redirect to a tracker", map[string][]string{"Location": {"https://www.facebook.com/tr?id=1"}},
			302, map[string][]string{"Location": nil}, 204, 0},
		{"redirect first party kept", map[string][]string{"Location": {"/login"}},
			302, map[string][]string{"Location": {"/login"}}, 302, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const body = "<p>moved</p>"
			h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tc.set {
					w.Header()[k] = append([]string(nil), v...)
				}
				w.Header().Set("Content-Type", "text/plain")
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, body)
			}))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
			assert.Equal(t, tc.wantStatus, rec.Code)
			for k, v := range tc.want {
				assert.Equal(t, v, rec.Header()[k], k)
			}
			if tc.wantBodyLen == 0 {
				assert.Empty(t, rec.Body.String())
			} else {
				assert.Equal(t, body, rec.Body.String())
			}

			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.AddCookie(accepted)
			rec = httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			require.Equal(t, tc.status, rec.Code, "granted visitor")
			for k, v := range tc.set {
				assert.Equal(t, v, rec.Header()[k], "granted visitor: %s", k)
			}
		})
	}
}
