package middleware

import (
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
)

// A page rewritten for one visitor, or carrying a cookie the middleware
// added, is never left for a shared cache to hand to another visitor.
func TestPersonalisedResponsesAreKeptFromSharedCaches(t *testing.T) {
	m, _ := newTestMiddleware(t, SettingsControl(false))
	accepted := decide(t, m, acceptAll())
	tests := []struct {
		name, cacheControl, want string
	}{
		{"no directives", "", "private"},
		{"max-age", "max-age=600", "private, max-age=600"},
		{"public", "public, max-age=600", "no-store"},
		{"s-maxage", "max-age=60, s-maxage=3600", "no-store"},
		{"public and private", "public, private", "no-store"},
		{"already private", "private, max-age=60", "private, max-age=60"},
		{"no-store", "no-store", "no-store"},
	}
	for _, tt := range tests {
		t.Run("rewritten page, "+tt.name, func(t *testing.T) {
			header := []string{"CDN-Cache-Control", "max-age=86400", "Surrogate-Control", "max-age=86400"}
			if tt.cacheControl != "" {
				header = append(header, "Cache-Control", tt.cacheControl)
			}
			rec := get(m, htmlHandler(trackerPage, header...), "/")
			assert.Equal(t, tt.want, rec.Header().Get("Cache-Control"))
			assert.Empty(t, rec.Header().Get("CDN-Cache-Control"), "a CDN would read it instead of Cache-Control")
			assert.Empty(t, rec.Header().Get("Surrogate-Control"))
			assert.Contains(t, rec.Header().Values("Vary"), "Cookie")
		})
	}
	t.Run("a page left as it was keeps its directives", func(t *testing.T) {
		rec := get(m, htmlHandler(trackerPage, "Cache-Control", "public, max-age=600"), "/", accepted)
		assert.Equal(t, "public, max-age=600", rec.Header().Get("Cache-Control"))
		assert.Contains(t, rec.Header().Values("Vary"), "Cookie", "shared caches still key it on the cookie")
	})
	t.Run("JSON with the expiry of a refused cookie", func(t *testing.T) {
		rejected := decide(t, m, rejectAll())
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Cache-Control", "public, max-age=60")
			_, _ = io.WriteString(w, `{"ok":true}`)
		})
		rec := get(m, h, "/api", rejected, &http.Cookie{Name: "_ga", Value: "GA1.1.1"})
		assert.Contains(t, rec.Header().Values("Set-Cookie")[0], "_ga=;")
		assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
		clean := get(m, h, "/api", rejected)
		assert.Equal(t, "public, max-age=60", clean.Header().Get("Cache-Control"), "nothing added, nothing changed")
	})
}

// With GPC on, every response can depend on Sec-GPC, and says so.
func TestVarySecGPC(t *testing.T) {
	on, _ := newTestMiddleware(t, GPC(true))
	assert.Contains(t, get(on, htmlHandler("<p>x</p>"), "/").Header().Values("Vary"), "Sec-GPC")
	off, _ := newTestMiddleware(t)
	assert.NotContains(t, get(off, htmlHandler("<p>x</p>"), "/").Header().Values("Vary"), "Sec-GPC")
}
