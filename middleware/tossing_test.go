package middleware

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A consent cookie planted by a sibling subdomain (cookie tossing: a valid
// accept-all cookie copied from the attacker's own browser, set on the
// parent domain or a longer path) arrives next to the visitor's own: the
// request is no decision, and the visitor's next decision clears the
// planted copies where they can be.
func TestTossedConsentCookieIsNoDecision(t *testing.T) {
	m, _ := newTestMiddleware(t)
	planted := decide(t, m, acceptAll())
	own := decide(t, m, rejectAll())

	for _, order := range [][]*http.Cookie{{planted, own}, {own, planted}} {
		rec := get(m, htmlHandler(trackerPage), "/shop/item", order...)
		body := rec.Body.String()
		assert.Contains(t, body, bannerMark, "asked again")
		assert.NotContains(t, body, metaLoader, "the planted accept-all does not count")
	}
	assert.False(t, stateWith(t, m, planted.Name+"="+planted.Value+"; "+own.Name+"="+own.Value).Decided)

	req := formRequest(rejectAll())
	req.URL.Path = "/consent"
	req.Host = "shop.example.com"
	req.AddCookie(planted)
	req.AddCookie(own)
	rec := httptest.NewRecorder()
	m.Handler(http.NotFoundHandler()).ServeHTTP(rec, req)
	require.Equal(t, http.StatusSeeOther, rec.Code)
	lines := rec.Header().Values("Set-Cookie")
	var expired []string
	lastDeletion, set := -1, -1
	for i, l := range lines {
		c, err := http.ParseSetCookie(l)
		require.NoError(t, err)
		switch {
		case c.Name != m.codec.Name():
		case c.MaxAge < 0:
			expired = append(expired, c.Domain+c.Path)
			lastDeletion = i
		default:
			set = i
		}
	}
	assert.Contains(t, expired, "example.com/", "the parent domain, where a sibling subdomain sets it")
	assert.Contains(t, expired, "example.com/consent")
	assert.Contains(t, expired, "/consent", "host-only on a longer path")
	assert.NotContains(t, expired, "/", "the visitor's own cookie is replaced, not expired")
	assert.Greater(t, set, lastDeletion, "the new cookie comes after the deletions")
}
