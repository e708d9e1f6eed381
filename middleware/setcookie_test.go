package middleware

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Each write path of a handler must have its Set-Cookie headers filtered: an
// undecided visitor gets the essential "session" cookie and never "_ga".
func TestSetCookieFilteredOnEveryWritePath(t *testing.T) {
	both := func(h http.Header) {
		h.Add("Set-Cookie", "_ga=GA1.1.123; Path=/; Max-Age=63072000")
		h.Add("Set-Cookie", "session=abc; Path=/; HttpOnly")
	}
	paths := []struct {
		name    string
		handler http.HandlerFunc
	}{
		{"header map then WriteHeader", func(w http.ResponseWriter, r *http.Request) {
			both(w.Header())
			w.WriteHeader(http.StatusCreated)
			_, _ = w.Write([]byte("created"))
		}},
		{"http.SetCookie then first Write", func(w http.ResponseWriter, r *http.Request) {
			http.SetCookie(w, &http.Cookie{Name: "_ga", Value: "1"})
			http.SetCookie(w, &http.Cookie{Name: "session", Value: "1"})
			_, _ = w.Write([]byte("page"))
		}},
		{"WriteString", func(w http.ResponseWriter, r *http.Request) {
			both(w.Header())
			_, _ = io.WriteString(w, "page")
		}},
		{"Flush before any body", func(w http.ResponseWriter, r *http.Request) {
			both(w.Header())
			w.(http.Flusher).Flush()
			_, _ = w.Write([]byte("page"))
		}},
		{"ResponseController Flush", func(w http.ResponseWriter, r *http.Request) {
			both(w.Header())
			require.NoError(t, http.NewResponseController(w).Flush())
		}},
		{"ReadFrom", func(w http.ResponseWriter, r *http.Request) {
			both(w.Header())
			_, _ = w.(io.ReaderFrom).ReadFrom(strings.NewReader("page"))
		}},
		{"io.Copy", func(w http.ResponseWriter, r *http.Request) {
			both(w.Header())
			_, _ = io.Copy(w, strings.NewReader("page"))
		}},
		{"no body at all", func(w http.ResponseWriter, r *http.Request) {
			both(w.Header())
		}},
		{"WriteHeader without body", func(w http.ResponseWriter, r *http.Request) {
			both(w.Header())
			w.WriteHeader(http.StatusNoContent)
		}},
		{"non-canonical header key", func(w http.ResponseWriter, r *http.Request) {
			w.Header()["set-cookie"] = []string{"_ga=1", "session=1"}
			_, _ = w.Write([]byte("page"))
		}},
	}
	m, _ := newTestMiddleware(t)
	for _, tc := range paths {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(m.Handler(tc.handler))
			defer srv.Close()
			res, err := srv.Client().Get(srv.URL)
			require.NoError(t, err)
			defer res.Body.Close()
			assert.Equal(t, []string{"session"}, setCookieNames(res.Header))
			assert.Contains(t, res.Header.Values("Vary"), "Cookie")
		})
	}
}

// Informational responses carry the header map too (103 Early Hints).
func TestSetCookieFilteredOnInformationalResponses(t *testing.T) {
	m, _ := newTestMiddleware(t)
	srv := httptest.NewServer(m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Link", "</style.css>; rel=preload; as=style")
		w.Header().Add("Set-Cookie", "_ga=1")
		w.WriteHeader(http.StatusEarlyHints)
		_, _ = w.Write([]byte("page"))
	})))
	defer srv.Close()

	var hints []textproto.MIMEHeader
	ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
		Got1xxResponse: func(code int, h textproto.MIMEHeader) error {
			hints = append(hints, h)
			return nil
		},
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	require.NoError(t, err)
	res, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	require.Len(t, hints, 1)
	assert.NotEmpty(t, hints[0].Get("Link"), "the early hint itself goes through")
	assert.Empty(t, hints[0].Values("Set-Cookie"))
	assert.Empty(t, res.Header.Values("Set-Cookie"))
	assert.Equal(t, http.StatusOK, res.StatusCode)
}

func TestSetCookieDecisions(t *testing.T) {
	all := []string{"session", "_ga", "_ga_ABC123", "_fbp", "lang", "ajs_user_id", "_uetsid", "awc", "mystery"}
	tests := []struct {
		name    string
		form    func() url.Values
		opts    []Option
		allowed []string
	}{
		{"undecided: essential only", nil, nil, []string{"session"}},
		{"reject all", rejectAll, nil, []string{"session"}},
		{"accept all: declared and undeclared", acceptAll, nil, all},
		{"analytics only", func() url.Values { return save("analytics") }, nil, []string{"session", "_ga", "_ga_ABC123"}},
		{"functionality and partner", func() url.Values { return save("functionality", "partner") }, nil, []string{"session", "lang", "awc"}},
		{"undeclared as essential", nil, []Option{UndeclaredCategory("essential")}, []string{"session", "mystery"}},
		{"undeclared as analytics, analytics granted", func() url.Values { return save("analytics") },
			[]Option{UndeclaredCategory("analytics")}, []string{"session", "_ga", "_ga_ABC123", "mystery"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, _ := newTestMiddleware(t, tc.opts...)
			var cookies []*http.Cookie
			if tc.form != nil {
				cookies = append(cookies, decide(t, m, tc.form()))
			}
			rec := get(m, setsCookies(all...), "/", cookies...)
			assert.Equal(t, tc.allowed, setCookieNames(rec.Header()))
		})
	}
}

func TestUndeclaredCookieLoggedOnce(t *testing.T) {
	m, logs := newTestMiddleware(t)
	for range 5 {
		get(m, setsCookies("mystery", "other_mystery"), "/")
	}
	assert.Equal(t, 1, strings.Count(logs.String(), "cookie=mystery"), logs.String())
	assert.Equal(t, 1, strings.Count(logs.String(), "cookie=other_mystery"), logs.String())
}

func TestUndeclaredLogIsBounded(t *testing.T) {
	m, logs := newTestMiddleware(t)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: r.URL.Query().Get("n"), Value: "1"})
	})
	for i := range maxLoggedNames + 50 {
		get(m, h, "/?n=c"+strconv.Itoa(i))
	}
	out := logs.String()
	assert.Equal(t, maxLoggedNames, strings.Count(out, "undeclared cookie"))
	assert.Equal(t, 1, strings.Count(out, "no longer logging"))
}

func TestMalformedAndForeignSetCookieDropped(t *testing.T) {
	m, logs := newTestMiddleware(t, UndeclaredCategory("essential"))
	rec := get(m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Add("Set-Cookie", "=novalue")
		h.Add("Set-Cookie", "")
		h.Add("Set-Cookie", "bad name=1")
		h.Add("Set-Cookie", "consent=forged-by-handler; Path=/")
		h.Add("Set-Cookie", "session=ok")
	}), "/")
	assert.Equal(t, []string{"session=ok"}, rec.Header().Values("Set-Cookie"))
	assert.Contains(t, logs.String(), "malformed Set-Cookie")
	assert.Contains(t, logs.String(), "only the middleware sets it")
}

func TestWithdrawnCategoryCookiesExpired(t *testing.T) {
	m, _ := newTestMiddleware(t)
	analytics := decide(t, m, save("analytics"))

	req := httptest.NewRequest(http.MethodGet, "https://shop.example.co.uk/", nil)
	req.AddCookie(analytics)
	for _, n := range []string{"_ga", "_fbp", "session", "mystery", "_fbp"} {
		req.AddCookie(&http.Cookie{Name: n, Value: "1"})
	}
	rec := httptest.NewRecorder()
	m.Handler(setsCookies()).ServeHTTP(rec, req)

	// _ga is granted, session is essential, mystery is undeclared: untouched.
	// _fbp (targeting) is refused: expired host-only and on the registrable
	// domain, once however often the browser sent it.
	lines := rec.Header().Values("Set-Cookie")
	require.Len(t, lines, 2, lines)
	for _, line := range lines {
		c, err := http.ParseSetCookie(line)
		require.NoError(t, err)
		assert.Equal(t, "_fbp", c.Name)
		assert.Equal(t, "/", c.Path)
		assert.Contains(t, line, "Max-Age=0")
	}
	assert.NotContains(t, lines[0], "Domain=")
	assert.Contains(t, lines[1], "Domain=example.co.uk")
}

func TestWithdrawalExpiresOnThePostItself(t *testing.T) {
	m, _ := newTestMiddleware(t)
	all := decide(t, m, acceptAll())

	req := formRequest(rejectAll())
	req.AddCookie(all)
	req.AddCookie(&http.Cookie{Name: "_ga", Value: "1"})
	req.AddCookie(&http.Cookie{Name: "lang", Value: "de"})
	rec := httptest.NewRecorder()
	m.Handler(http.NotFoundHandler()).ServeHTTP(rec, req)
	require.Equal(t, http.StatusSeeOther, rec.Code)
	names := setCookieNames(rec.Header())
	assert.Equal(t, "consent", names[0])
	assert.Contains(t, names, "_ga")
	assert.Contains(t, names, "lang")
	for _, c := range rec.Result().Cookies()[1:] {
		assert.Equal(t, -1, c.MaxAge, "%s must be deleted", c.Name)
	}
}

// A handler may always delete a cookie, even one of a refused category.
func TestDeletingARefusedCookiePasses(t *testing.T) {
	m, _ := newTestMiddleware(t)
	rec := get(m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "_ga", Path: "/shop", MaxAge: -1})
		http.SetCookie(w, &http.Cookie{Name: "_fbp", Value: "x", Path: "/shop"})
	}), "/shop")
	lines := rec.Header().Values("Set-Cookie")
	require.Len(t, lines, 1)
	assert.Contains(t, lines[0], "_ga=; Path=/shop; Max-Age=0")
}
