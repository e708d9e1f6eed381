package middleware

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/consentgate/consent"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// expired returns "domain path" for each cookie of name that a response
// deletes.
func expired(h http.Header, name string) []string {
	var out []string
	for _, l := range h.Values("Set-Cookie") {
		c, err := http.ParseSetCookie(l)
		if err == nil && c.Name == name && c.MaxAge < 0 {
			out = append(out, c.Domain+" "+c.Path)
		}
	}
	slices.Sort(out)
	return out
}

// Rejecting expires every refused cookie the browser sent: declared ones,
// undeclared ones, on each path they may have been set on.
func TestRejectingExpiresEveryRefusedCookie(t *testing.T) {
	m, _ := newTestMiddleware(t)
	accepted := decide(t, m, acceptAll())
	browser := []*http.Cookie{accepted, {Name: "_ga", Value: "GA1.1.1"}, {Name: "shop_ab", Value: "b"},
		{Name: "session", Value: "s1"}, {Name: "lang", Value: "de"}}

	t.Run("reject all", func(t *testing.T) {
		req := formRequest(rejectAll())
		req.Host = "shop.example.com"
		for _, c := range browser {
			req.AddCookie(c)
		}
		rec := httptest.NewRecorder()
		m.Handler(http.NotFoundHandler()).ServeHTTP(rec, req)
		require.Equal(t, http.StatusSeeOther, rec.Code)
		h := rec.Header()
		assert.Equal(t, []string{" /", "example.com /"}, expired(h, "_ga"), "host-only and on the registrable domain")
		assert.NotEmpty(t, expired(h, "shop_ab"), "an undeclared cookie goes too")
		assert.NotEmpty(t, expired(h, "lang"), "functionality was refused")
		assert.Empty(t, expired(h, "session"), "essential cookies stay")
	})
	t.Run("a page on a sub-path", func(t *testing.T) {
		rejected := decide(t, m, rejectAll())
		req := httptest.NewRequest(http.MethodGet, "http://shop.example.com/blog/2026/post", nil)
		req.AddCookie(rejected)
		req.AddCookie(&http.Cookie{Name: "_ga", Value: "GA1.1.1"})
		req.AddCookie(&http.Cookie{Name: "shop_ab", Value: "b"})
		rec := httptest.NewRecorder()
		m.Handler(htmlHandler("<p>post</p>")).ServeHTTP(rec, req)
		assert.Equal(t, []string{" /", " /blog", " /blog/2026", "example.com /", "example.com /blog", "example.com /blog/2026"},
			expired(rec.Header(), "_ga"), "a script may have set it on any of the page's directories")
		assert.Empty(t, expired(rec.Header(), "shop_ab"), "undeclared cookies are expired by a decision, not by every page")
	})
	t.Run("undeclared cookies let through by the policy stay", func(t *testing.T) {
		m, _ := newTestMiddleware(t, UndeclaredCategory(consent.Essential))
		req := formRequest(rejectAll())
		req.AddCookie(&http.Cookie{Name: "shop_ab", Value: "b"})
		rec := httptest.NewRecorder()
		m.Handler(http.NotFoundHandler()).ServeHTTP(rec, req)
		assert.Empty(t, expired(rec.Header(), "shop_ab"))
	})
	t.Run("names that are not cookie names are not echoed", func(t *testing.T) {
		req := formRequest(rejectAll())
		req.Header.Add("Cookie", "bad name=1; \"q\"=2; ok_name=3")
		rec := httptest.NewRecorder()
		m.Handler(http.NotFoundHandler()).ServeHTTP(rec, req)
		for _, l := range rec.Header().Values("Set-Cookie") {
			assert.NotEmpty(t, l)
			_, err := http.ParseSetCookie(l)
			assert.NoError(t, err, l)
		}
		assert.NotEmpty(t, expired(rec.Header(), "ok_name"))
	})
}
