package middleware

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// errorServer answers as Caddy's server does when a handler returns an
// error: with the error's status, on the writer the middleware was given.
func errorServer(inner http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inner.ServeHTTP(w, r)
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, "not found by the server")
	})
}

func TestAbandonLeavesTheAnswerToTheServer(t *testing.T) {
	tests := []struct {
		name      string
		handler   func(w http.ResponseWriter) bool // reports what Abandon said
		abandoned bool
		status    int
		body      string
	}{
		{
			name: "unwritten response: the server's status goes out, cookies filtered",
			handler: func(w http.ResponseWriter) bool {
				w.Header().Add("Set-Cookie", "_ga=GA1.1.1; Path=/")
				w.Header().Add("Set-Cookie", "session=s1; Path=/")
				return Abandon(w)
			},
			abandoned: true, status: http.StatusNotFound, body: "not found by the server",
		},
		{
			name: "without Abandon the middleware commits an empty 200 first",
			handler: func(w http.ResponseWriter) bool {
				w.Header().Add("Set-Cookie", "_ga=GA1.1.1; Path=/")
				w.Header().Add("Set-Cookie", "session=s1; Path=/")
				return false
			},
			status: http.StatusOK, body: "not found by the server",
		},
		{
			name: "a response already started is not abandoned",
			handler: func(w http.ResponseWriter) bool {
				w.Header().Set("Content-Type", "text/plain")
				w.WriteHeader(http.StatusTeapot)
				return Abandon(w)
			},
			status: http.StatusTeapot, body: "not found by the server",
		},
		{
			name: "an untyped body held for sniffing is written, not abandoned",
			handler: func(w http.ResponseWriter) bool {
				_, _ = io.WriteString(w, "<p>hi")
				return Abandon(w)
			},
			status: http.StatusOK, body: "<p>hi",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _ := newTestMiddleware(t)
			var abandoned bool
			h := errorServer(m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				abandoned = tt.handler(w)
			})))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/missing", nil))
			assert.Equal(t, tt.abandoned, abandoned)
			assert.Equal(t, tt.status, rec.Code)
			assert.Contains(t, rec.Body.String(), tt.body)
			names := setCookieNames(rec.Header())
			assert.NotContains(t, names, "_ga", "an undecided visitor's tracker cookie is filtered either way")
			if tt.abandoned {
				assert.Contains(t, names, "session", "essential cookies stay")
			}
		})
	}
}

func TestAbandonFindsTheWriterThroughUnwrap(t *testing.T) {
	m, _ := newTestMiddleware(t)
	var ok bool
	h := errorServer(m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ok = Abandon(unwrapper{w})
	})))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	require.True(t, ok)
	assert.Equal(t, http.StatusNotFound, rec.Code)
	assert.False(t, Abandon(httptest.NewRecorder()), "a writer of no middleware")
}

type unwrapper struct{ http.ResponseWriter }

func (u unwrapper) Unwrap() http.ResponseWriter { return u.ResponseWriter }
