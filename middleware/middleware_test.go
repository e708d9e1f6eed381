package middleware

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"strings"
	"testing"
	"time"

	"github.com/consentgate/consent"
	"github.com/consentgate/consent/store"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewRejectsBadConfiguration(t *testing.T) {
	broken := testPolicy()
	broken.Cookies[0].Category = "nope"
	codec, err := store.NewCodec([]store.KeyPair{testKey})
	require.NoError(t, err)
	tests := []struct {
		name   string
		policy *consent.Policy
		opts   []Option
		names  string
	}{
		{"nil policy", nil, []Option{Keys(testKey)}, "policy is nil"},
		{"invalid policy", broken, []Option{Keys(testKey)}, "cookies[0].category"},
		{"no keys", testPolicy(), nil, "Keys"},
		{"short hash key", testPolicy(), []Option{Keys(store.KeyPair{Hash: make([]byte, 16)})}, "keys[0].Hash"},
		{"bad block key", testPolicy(), []Option{Keys(store.KeyPair{Hash: make([]byte, 32), Block: make([]byte, 20)})}, "keys[0].Block"},
		{"Codec and Keys", testPolicy(), []Option{Keys(testKey), Codec(codec)}, "Codec and Keys"},
		{"prefix without slash", testPolicy(), []Option{Keys(testKey), Prefix("consent")}, "Prefix"},
		{"prefix with trailing slash", testPolicy(), []Option{Keys(testKey), Prefix("/consent/")}, "Prefix"},
		{"unknown undeclared category", testPolicy(), []Option{Keys(testKey), UndeclaredCategory("spying")}, "UndeclaredCategory"},
		{"bad trusted origin", testPolicy(), []Option{Keys(testKey), TrustedOrigins("not a url")}, "TrustedOrigins"},
		{"tiny form limit", testPolicy(), []Option{Keys(testKey), MaxFormBytes(10)}, "MaxFormBytes"},
		{"nil logger", testPolicy(), []Option{Keys(testKey), Logger(nil)}, "Logger"},
		{"host prefix without TLS", testPolicy(), []Option{Keys(testKey), HostPrefix(), InsecureDev()}, "HostPrefix"},
		{"bad cookie name", testPolicy(), []Option{Keys(testKey), CookieName("a b")}, "CookieName"},
		{"short lifetime", testPolicy(), []Option{Keys(testKey), CookieLifetime(time.Second)}, "Lifetime"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := New(tc.policy, tc.opts...)
			require.Error(t, err)
			assert.Nil(t, m)
			assert.True(t, errors.Is(err, ErrConfig), "%v", err)
			assert.Contains(t, err.Error(), tc.names)
		})
	}
}

func TestHandlersSeeTheVisitorsConsent(t *testing.T) {
	m, _ := newTestMiddleware(t)
	var seen *consent.Consent
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen = consent.FromContext(r.Context()) })

	get(m, h, "/")
	assert.False(t, seen.Decided())
	assert.True(t, seen.Allowed(consent.Essential), "essential is always allowed")
	assert.False(t, seen.Allowed(consent.Analytics))

	get(m, h, "/", decide(t, m, save("analytics")))
	assert.True(t, seen.Decided())
	assert.True(t, seen.Allowed(consent.Analytics))
	assert.False(t, seen.Allowed(consent.Targeting))
}

// Broken cookies mean "no decision yet": a normal page, no error, nothing
// non-essential.
func TestBadConsentCookiesMeanUndecided(t *testing.T) {
	m, _ := newTestMiddleware(t)
	good := decide(t, m, acceptAll())
	otherKeys, _ := newTestMiddleware(t, Keys(store.KeyPair{Hash: bytes.Repeat([]byte{9}, 32)}))
	foreign := decide(t, otherKeys, acceptAll())
	expiredAt := time.Now().Add(-store.DefaultLifetime - time.Hour)
	old, _ := newTestMiddleware(t, Clock(func() time.Time { return expiredAt }))
	expired := decide(t, old, acceptAll())

	tampered := *good
	tampered.Value = good.Value[:20] + flip(good.Value[20]) + good.Value[21:]
	tests := map[string]*http.Cookie{
		"tampered":      &tampered,
		"other key set": foreign,
		"expired":       expired,
		"oversized":     {Name: "consent", Value: good.Value + strings.Repeat("A", 4000)},
		"garbage":       {Name: "consent", Value: "%%%not-base64%%%"},
		"empty":         {Name: "consent", Value: ""},
		"JSON in clear": {Name: "consent", Value: `eyJpIjoieCIsInYiOiIxIiwiZyI6WyJhbmFseXRpY3MiXSwibSI6ImFjY2VwdC1hbGwifQ`},
	}
	for name, c := range tests {
		t.Run(name, func(t *testing.T) {
			rec := get(m, setsCookies("session", "_ga"), "/", c)
			assert.Equal(t, http.StatusOK, rec.Code)
			assert.Equal(t, []string{"session"}, setCookieNames(rec.Header()))
		})
	}
	t.Run("the good one works", func(t *testing.T) {
		rec := get(m, setsCookies("session", "_ga"), "/", good)
		assert.Equal(t, []string{"session", "_ga"}, setCookieNames(rec.Header()))
	})
}

func flip(b byte) string {
	if b == 'A' {
		return "B"
	}
	return "A"
}

func TestKeyRotation(t *testing.T) {
	oldKey := store.KeyPair{Hash: bytes.Repeat([]byte{7}, 32)}
	newKey := store.KeyPair{Hash: bytes.Repeat([]byte{8}, 32), Block: bytes.Repeat([]byte{9}, 16)}
	before, _ := newTestMiddleware(t, Keys(oldKey))
	c := decide(t, before, save("analytics"))

	rotated, err := New(testPolicy(), Keys(newKey, oldKey))
	require.NoError(t, err)
	rec := get(rotated, setsCookies("_ga"), "/", c)
	names := setCookieNames(rec.Header())
	assert.Equal(t, []string{"_ga", "consent"}, names, "still honoured, and re-signed with the new key")
	renewed := rec.Result().Cookies()[1]

	only, err := New(testPolicy(), Keys(newKey))
	require.NoError(t, err)
	assert.Equal(t, []string{"_ga", ""}[:1], setCookieNames(get(only, setsCookies("_ga"), "/", renewed).Header()),
		"the renewed cookie works once the old key is gone")
	assert.Empty(t, setCookieNames(get(only, setsCookies("_ga"), "/", c).Header()), "the old cookie does not")
	assert.LessOrEqual(t, renewed.MaxAge, c.MaxAge, "re-signing never extends consent")
}

func TestPolicyRevisionAsksAgain(t *testing.T) {
	v1 := testPolicy()
	m1, err := New(v1, Keys(testKey))
	require.NoError(t, err)
	c := decide(t, m1, acceptAll())

	revise := func(material bool) *Middleware {
		p := testPolicy()
		p.Version = "2"
		p.Revisions = append(p.Revisions, consent.Revision{Version: "2", Date: consent.DateOf(2027, 1, 10), Summary: "Added a partner.", Material: material})
		m, err := New(p, Keys(testKey))
		require.NoError(t, err)
		return m
	}
	assert.Equal(t, []string{"_ga"}, setCookieNames(get(revise(false), setsCookies("_ga"), "/", c).Header()),
		"a non-material revision keeps consent")
	assert.Empty(t, setCookieNames(get(revise(true), setsCookies("_ga"), "/", c).Header()),
		"a material revision asks again")
}

// The policy says Do Not Track is not honoured: responses are byte-identical
// with and without DNT: 1, whatever the visitor decided.
func TestDNTIsIgnored(t *testing.T) {
	fixed := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	m, _ := newTestMiddleware(t, Clock(func() time.Time { return fixed }))
	accepted := decide(t, m, acceptAll())
	site := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "_ga", Value: "1"})
		http.SetCookie(w, &http.Cookie{Name: "session", Value: "1"})
		fmt.Fprintf(w, "<p>granted: %v</p>", consent.FromContext(r.Context()).Granted)
	})
	requests := []struct {
		name   string
		method string
		path   string
		body   string
		cookie *http.Cookie
	}{
		{"page, undecided", http.MethodGet, "/", "", nil},
		{"page, accepted", http.MethodGet, "/", "", accepted},
		{"state", http.MethodGet, "/consent", "", accepted},
		{"preferences", http.MethodGet, "/consent/preferences", "", accepted},
		{"policy", http.MethodGet, "/consent/policy", "", nil},
		{"reject all", http.MethodPost, "/consent", "action=reject-all", accepted},
	}
	for _, tc := range requests {
		t.Run(tc.name, func(t *testing.T) {
			dump := func(dnt bool) []byte {
				req := httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				if tc.cookie != nil {
					req.AddCookie(tc.cookie)
				}
				if dnt {
					req.Header.Set("DNT", "1")
				}
				rec := httptest.NewRecorder()
				m.Handler(site).ServeHTTP(rec, req)
				res := rec.Result()
				// The consent cookie is encrypted with a random IV: compare
				// what it holds instead of its bytes.
				for i, line := range res.Header["Set-Cookie"] {
					if c, err := http.ParseSetCookie(line); err == nil && c.Name == "consent" {
						v, _, err := m.codec.DecodeValue(c.Value, m.policy)
						require.NoError(t, err)
						res.Header["Set-Cookie"][i] = strings.Replace(line, c.Value, fmt.Sprintf("%+v", *v), 1)
					}
				}
				b, err := httputil.DumpResponse(res, true)
				require.NoError(t, err)
				return b
			}
			without, with := dump(false), dump(true)
			if tc.method == http.MethodPost {
				require.Contains(t, string(without), "Set-Cookie: consent={ID:")
			}
			assert.Equal(t, string(without), string(with))
		})
	}
}

func TestGPC(t *testing.T) {
	page := setsCookies("_ga", "_fbp", "ajs_id", "awc", "_vwo_uuid")
	request := func(m *Middleware, gpc string, c *http.Cookie) []string {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		if gpc != "" {
			req.Header.Set("Sec-GPC", gpc)
		}
		if c != nil {
			req.AddCookie(c)
		}
		rec := httptest.NewRecorder()
		m.Handler(page).ServeHTTP(rec, req)
		return setCookieNames(rec.Header())
	}
	everything := []string{"_ga", "_fbp", "ajs_id", "awc", "_vwo_uuid"}
	noSale := []string{"_ga", "_vwo_uuid"} // targeting, tracking and partner refused; optimization kept

	t.Run("off by default: the signal changes nothing", func(t *testing.T) {
		m, _ := newTestMiddleware(t)
		c := decide(t, m, acceptAll())
		assert.Equal(t, everything, request(m, "1", c))
		assert.Equal(t, http.StatusNotFound, serve(m, httptest.NewRequest(http.MethodGet, "/.well-known/gpc.json", nil)).Code)
	})
	t.Run("on: accept all is narrowed by the signal", func(t *testing.T) {
		m, _ := newTestMiddleware(t, GPC(true))
		c := decide(t, m, acceptAll())
		assert.Equal(t, noSale, request(m, "1", c))
		assert.Equal(t, everything, request(m, "", c), "without the signal the choice stands")
		assert.Equal(t, everything, request(m, "0", c))
		assert.Equal(t, everything, request(m, "1 ", c), "only the exact value 1 is a signal")
	})
	t.Run("on: an explicit opt-in wins", func(t *testing.T) {
		m, _ := newTestMiddleware(t, GPC(true))
		c := decide(t, m, save("analytics", "targeting"))
		assert.Equal(t, []string{"_ga", "_fbp"}, request(m, "1", c))
	})
	t.Run("on: the state says so", func(t *testing.T) {
		m, _ := newTestMiddleware(t, GPC(true))
		req := httptest.NewRequest(http.MethodGet, "/consent", nil)
		req.Header.Set("Sec-GPC", "1")
		s := decodeState(t, serve(m, req))
		assert.True(t, s.Consent.GPC)
		assert.False(t, s.Decided, "the banner still asks about the other categories")
	})
	t.Run("on: gpc.json is served", func(t *testing.T) {
		m, _ := newTestMiddleware(t, GPC(true))
		rec := serve(m, httptest.NewRequest(http.MethodGet, "/.well-known/gpc.json", nil))
		require.Equal(t, http.StatusOK, rec.Code)
		assert.JSONEq(t, `{"gpc":true,"lastUpdate":"2026-11-28"}`, rec.Body.String())
		assert.Equal(t, "application/json", rec.Header().Get("Content-Type"))
	})
}

func TestVaryCookie(t *testing.T) {
	m, _ := newTestMiddleware(t)
	tests := map[string]struct {
		existing []string
		want     []string
	}{
		"none":          {nil, []string{"Cookie"}},
		"other":         {[]string{"Accept-Encoding"}, []string{"Accept-Encoding", "Cookie"}},
		"already there": {[]string{"Accept-Encoding, cookie"}, []string{"Accept-Encoding, cookie"}},
		"star":          {[]string{"*"}, []string{"*"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			rec := get(m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				for _, v := range tc.existing {
					w.Header().Add("Vary", v)
				}
				_, _ = w.Write([]byte("x"))
			}), "/")
			assert.Equal(t, tc.want, rec.Header().Values("Vary"))
		})
	}
}

// A panicking handler is not turned into a quiet, half-written page: the
// panic reaches net/http, which logs it and drops the connection.
func TestPanicPropagates(t *testing.T) {
	m, _ := newTestMiddleware(t)
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "_ga", Value: "1"})
		panic("boom")
	}))
	rec := httptest.NewRecorder()
	assert.PanicsWithValue(t, "boom", func() { h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil)) })
	assert.False(t, rec.Flushed)
	assert.Empty(t, rec.Header().Values("Vary"), "nothing was committed")
}
