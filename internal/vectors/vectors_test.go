package vectors

import (
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/consentgate/consent"
	"github.com/consentgate/consent/middleware"
	"github.com/consentgate/consent/store"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every vector has a name of its own, contacts a host of a tracker the
// built-in policy uses (so that accept-all grants it), and carries its
// marker, which is how the browser test tells its requests apart.
func TestVectorsAreDistinctAndDeclared(t *testing.T) {
	policy := consent.DefaultPolicy()
	mw, err := middleware.New(policy, middleware.Keys(store.KeyPair{Hash: make([]byte, 32)}))
	require.NoError(t, err)
	declared := func(host string) bool {
		for _, tr := range mw.Trackers() {
			if tr.Vendor != "" && !slices.Contains(policy.Catalog.Uses, tr.Vendor) {
				continue // the CSP allows only the vendors the policy uses
			}
			for _, h := range tr.Hosts {
				if host == h || strings.HasSuffix(host, "."+h) {
					return true
				}
			}
		}
		return false
	}
	vs := All()
	require.GreaterOrEqual(t, len(vs), 30)
	seen := map[string]bool{}
	for _, v := range vs {
		t.Run(v.Name, func(t *testing.T) {
			assert.False(t, seen[v.Name], "duplicate name")
			seen[v.Name] = true
			assert.True(t, declared(v.Host), "%s is not a declared tracker host", v.Host)
			assert.Contains(t, Hosts, v.Host)
			assert.NotEmpty(t, v.Directive)
			text := v.Head + v.Body + v.Script
			if !strings.Contains(text, Marker(v.Name)) && !strings.Contains(text, "cg-"+v.Name+"/") {
				// Spelled at run time: base64 or percent-encoded.
				assert.True(t, v.Name == "atob" || v.Name == "data-frame", "no marker in %q", text)
			}
			assert.NotContains(t, text, "{U}")
			assert.NotContains(t, text, "WAIT")
		})
	}
}

func TestHandlerServesPagesScriptsAndTheIndex(t *testing.T) {
	srv := httptest.NewServer(Handler())
	defer srv.Close()
	for _, tc := range []struct {
		path, ctype, contains string
		code                  int
	}{
		{IndexPath, "text/html; charset=utf-8", `src="` + PagePath("fetch") + `"`, 200},
		{PagePath("fetch"), "text/html; charset=utf-8", "https://cdn.segment.com/cg-fetch/v1/p", 200},
		{ScriptPath("first-party-script"), "text/javascript; charset=utf-8", "https://www.googletagmanager.com/cg-first-party-script/gtm.js", 200},
		{PagePath("nope"), "", "", 404},
		{ScriptPath("fetch"), "", "", 404},
	} {
		resp, err := http.Get(srv.URL + tc.path)
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		assert.Equal(t, tc.code, resp.StatusCode, tc.path)
		if tc.code == 200 {
			assert.Equal(t, tc.ctype, resp.Header.Get("Content-Type"), tc.path)
			assert.Contains(t, string(body), tc.contains, tc.path)
		}
	}
	resp, err := http.Get(srv.URL + IndexPath)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	for _, v := range All() {
		assert.Equal(t, !v.Top, strings.Contains(string(body), `src="`+PagePath(v.Name)+`"`), v.Name)
	}
}
