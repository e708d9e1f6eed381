package middleware

import (
	"bytes"
	"github.com/consentgate/consent/internal/syncbuf"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/consentgate/consent"
	"github.com/consentgate/consent/store"
	"github.com/stretchr/testify/require"
)

var testKey = store.KeyPair{
	Hash:  bytes.Repeat([]byte{1}, 32),
	Block: bytes.Repeat([]byte{2}, 32),
}

// testPolicy is the default policy plus a first-party session cookie.
func testPolicy() *consent.Policy {
	p := consent.DefaultPolicy()
	p.Cookies = append(p.Cookies, consent.Cookie{Name: "session", Category: consent.Essential, Purpose: "Keeps you signed in."},
		consent.Cookie{Name: "lang", Category: consent.Functionality, Purpose: "Remembers your language.", Lifetime: consent.Lifetime(365 * 24 * time.Hour)})
	return p
}

func newTestMiddleware(t testing.TB, opts ...Option) (*Middleware, *syncbuf.Buffer) {
	t.Helper()
	logs := &syncbuf.Buffer{}
	base := []Option{Keys(testKey), Logger(slog.New(slog.NewTextHandler(logs, nil)))}
	m, err := New(testPolicy(), append(base, opts...)...)
	require.NoError(t, err)
	return m, logs
}

// setsCookies is a handler that sets the given cookies and writes a page.
func setsCookies(names ...string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, n := range names {
			http.SetCookie(w, &http.Cookie{Name: n, Value: "v", Path: "/"})
		}
		_, _ = io.WriteString(w, "<p>page</p>")
	})
}

// setCookieNames returns the names of the cookies a response sets, in order.
func setCookieNames(h http.Header) []string {
	var names []string
	for _, line := range h.Values("Set-Cookie") {
		c, err := http.ParseSetCookie(line)
		if err == nil {
			names = append(names, c.Name)
		}
	}
	return names
}

// decide posts a consent form to m and returns the consent cookie it set.
func decide(t testing.TB, m *Middleware, form url.Values) *http.Cookie {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler(http.NotFoundHandler()).ServeHTTP(rec, formRequest(form))
	require.Equal(t, http.StatusSeeOther, rec.Code, rec.Body.String())
	for _, c := range rec.Result().Cookies() {
		if c.Name == m.codec.Name() {
			return c
		}
	}
	t.Fatalf("no consent cookie in %v", rec.Header())
	return nil
}

func formRequest(form url.Values) *http.Request {
	req := httptest.NewRequest(http.MethodPost, "/consent", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return req
}

func acceptAll() url.Values { return url.Values{"action": {"accept-all"}} }
func rejectAll() url.Values { return url.Values{"action": {"reject-all"}} }
func save(cats ...string) url.Values {
	return url.Values{"action": {"save"}, "category": cats}
}

// getWithHeader serves a GET of "/" through m around h, with the given
// request header fields and cookies.
func getWithHeader(m *Middleware, h http.Handler, header map[string]string, cookies ...*http.Cookie) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	for _, c := range cookies {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	m.Handler(h).ServeHTTP(rec, req)
	return rec
}

// get serves a GET of path through m around h, with the given cookies.
func get(m *Middleware, h http.Handler, path string, cookies ...*http.Cookie) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for _, c := range cookies {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	m.Handler(h).ServeHTTP(rec, req)
	return rec
}

func timeNowPlusSecond() time.Time { return time.Now().Add(time.Second) }
