package middleware

import (
	"net/http"
	"strings"
	"testing"

	"github.com/consentgate/consent/banner"
	"github.com/stretchr/testify/assert"
)

func TestInjectedAssetsFollowTheResponsesCSP(t *testing.T) {
	m, _ := newTestMiddleware(t)
	files := `<link rel="stylesheet" href="/consent/assets/banner.css?v=` + banner.AssetVersion() + `"`
	tests := []struct {
		name, csp string
		want      []string
		not       []string
	}{
		{"no policy: inline", "", []string{"<style>", `<script data-prefix="/consent">`}, []string{`nonce="`, files}},
		{"nonces for both: inline with them", "default-src 'self'; script-src 'self' 'nonce-abc'; style-src 'self' 'nonce-def'",
			[]string{`<style nonce="def">`, `<script data-prefix="/consent" nonce="abc">`}, []string{files}},
		{"default-src nonce covers both", "default-src 'nonce-xyz'",
			[]string{`<style nonce="xyz">`, `nonce="xyz">`}, nil},
		{"unsafe-inline: inline", "script-src 'self' 'unsafe-inline'; style-src 'unsafe-inline'",
			[]string{"<style>", `<script data-prefix="/consent">`}, []string{files}},
		{"strict-dynamic script, no inline styles: files, script keeps the nonce", "script-src 'nonce-r4nd' 'strict-dynamic'; style-src 'self'",
			[]string{files, `<script data-prefix="/consent" nonce="r4nd" defer src="/consent/assets/banner.js?v=`}, []string{"<style"}},
		{"self only: files", "default-src 'self'", []string{files, `defer src="/consent/assets/banner.js`}, []string{"<style", `nonce="`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.csp != "" {
					w.Header().Set("Content-Security-Policy", tc.csp)
				}
				w.Header().Set("Content-Security-Policy-Report-Only", "script-src 'none'")
				htmlHandler(trackerPage).ServeHTTP(w, r)
			})
			body := get(m, h, "/").Body.String()
			injected := body[strings.Index(body, "<body"):strings.Index(body, "<h1>")]
			for _, w := range tc.want {
				assert.Contains(t, injected, w)
			}
			for _, n := range tc.not {
				assert.NotContains(t, injected, n)
			}
		})
	}
}

func TestAssetsAreServedUnderThePrefix(t *testing.T) {
	m, _ := newTestMiddleware(t)
	for _, tc := range []struct {
		path, ctype string
		code        int
	}{
		{"/consent/assets/banner.js", "text/javascript; charset=utf-8", 200},
		{"/consent/assets/banner.css", "text/css; charset=utf-8", 200},
		{"/consent/assets/other.js", "", 404},
		{"/consent/assets/", "", 404},
	} {
		t.Run(tc.path, func(t *testing.T) {
			rec := get(m, http.NotFoundHandler(), tc.path+"?v="+banner.AssetVersion())
			assert.Equal(t, tc.code, rec.Code)
			if tc.code == 200 {
				assert.Equal(t, tc.ctype, rec.Header().Get("Content-Type"))
				assert.Equal(t, "public, max-age=31536000, immutable", rec.Header().Get("Cache-Control"))
				assert.NotEmpty(t, rec.Body.Bytes())
				assert.Empty(t, rec.Header().Values("Vary"))
			}
		})
	}
}
