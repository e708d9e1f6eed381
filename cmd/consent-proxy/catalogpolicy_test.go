package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOwnPolicyFileStillBlocksTheCatalog: a site that loads its own policy
// file, declaring only its session cookie, still gets the Google tag and the
// Meta pixel removed and their cookies dropped, even after accept-all (the
// policy has no category to ask about them), and the log says why.
func TestOwnPolicyFileStillBlocksTheCatalog(t *testing.T) {
	upstream := httptest.NewServer(siteHandler())
	t.Cleanup(upstream.Close)
	policy := writeFile(t, "policy.yaml", `version: "1"
categories:
  - {id: essential, name: Essential, required: true}
cookies:
  - {name: session, category: essential, purpose: Keeps you signed in.}
`)
	p := startProxy(t, nil, "-upstream", upstream.URL, "-hash-key", testHash, "-block-key", testBlock,
		"-insecure-dev", "-policy", policy)
	assert.Contains(t, p.Stderr.String(), "blocked for every visitor")

	for _, decision := range []string{"", "accept-all"} {
		t.Run("decision "+decision, func(t *testing.T) {
			c := newVisitor(t)
			if decision != "" {
				decide(t, c, p.URL, decision)
			}
			resp, body := get(t, c, p.URL+"/", nil)
			require.Equal(t, http.StatusOK, resp.StatusCode)
			assert.NotContains(t, body, "googletagmanager.com")
			assert.NotContains(t, body, "facebook.com/tr")
			assert.True(t, strings.Contains(body, "<h1>Shop</h1>"))
			assert.Equal(t, []string{"session"}, setCookies(resp))
		})
	}
}
