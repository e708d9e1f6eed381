package middleware

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// No Set-Cookie reaches the client as a trailer, announced or not, from a
// handler or through a reverse proxy; other trailers pass.
func TestSetCookieTrailersAreDropped(t *testing.T) {
	announced := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Trailer", "Set-Cookie, X-Checksum")
		_, _ = io.WriteString(w, "body")
		w.Header().Set("Set-Cookie", "_ga=GA1.1.1; Max-Age=63072000")
		w.Header().Set("X-Checksum", "abc")
	})
	prefixed := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "body")
		w.Header().Set(http.TrailerPrefix+"Set-Cookie", "_ga=GA1.1.1; Max-Age=63072000")
		w.Header().Set(http.TrailerPrefix+"set-cookie", "_fbp=1; Max-Age=63072000")
		w.Header().Set(http.TrailerPrefix+"X-Checksum", "abc")
	})
	proxied := func(upstream http.Handler) http.Handler {
		srv := httptest.NewServer(upstream)
		t.Cleanup(srv.Close)
		u, _ := url.Parse(srv.URL)
		return httputil.NewSingleHostReverseProxy(u)
	}
	for _, tt := range []struct {
		name    string
		handler http.Handler
	}{
		{"announced", announced},
		{"prefixed", prefixed},
		{"announced, through a reverse proxy", proxied(announced)},
		{"prefixed, through a reverse proxy", proxied(prefixed)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			get := func(h http.Handler) *http.Response {
				srv := httptest.NewServer(h)
				defer srv.Close()
				resp, err := srv.Client().Get(srv.URL)
				require.NoError(t, err)
				body, err := io.ReadAll(resp.Body)
				require.NoError(t, err)
				require.NoError(t, resp.Body.Close())
				assert.Equal(t, "body", string(body))
				return resp
			}
			bare := get(tt.handler)
			m, _ := newTestMiddleware(t)
			resp := get(m.Handler(tt.handler))
			assert.Empty(t, resp.Trailer.Values("Set-Cookie"), "a Set-Cookie trailer")
			assert.Empty(t, resp.Header.Values("Set-Cookie"))
			// Other trailers pass where they do without the middleware
			// (net/http and the reverse proxy lose some unannounced ones).
			if want := bare.Trailer.Get("X-Checksum"); want != "" {
				assert.Equal(t, want, resp.Trailer.Get("X-Checksum"), "other trailers pass")
			}
		})
	}
}
