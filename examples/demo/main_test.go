package main

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/consentgate/consent/store"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var testKeys = []store.KeyPair{{Hash: []byte(strings.Repeat("h", 32)), Block: []byte(strings.Repeat("b", 32))}}

// browser is a cookie-keeping client of the demo that does not follow
// redirects, so each step sees its own response.
type browser struct {
	t      *testing.T
	srv    *httptest.Server
	client *http.Client
}

func newBrowser(t *testing.T, h http.Handler) *browser {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &browser{t: t, srv: srv, client: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) do(method, path string, form url.Values, header ...string) (*http.Response, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.srv.URL+path, body)
	require.NoError(b.t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", b.srv.URL)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := b.client.Do(req)
	require.NoError(b.t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(b.t, err)
	return resp, string(data)
}

func setCookies(resp *http.Response) []string {
	var names []string
	for _, c := range resp.Cookies() {
		if c.MaxAge >= 0 {
			names = append(names, c.Name)
		}
	}
	return names
}

const bannerMark = `<div id="consentgate-banner"`

func TestDemoEndToEnd(t *testing.T) {
	d, err := newDemo(slog.New(slog.DiscardHandler), testKeys, true, true)
	require.NoError(t, err)
	t.Cleanup(d.close)
	b := newBrowser(t, d.handler)
	origin := map[string]string{}
	var origins []string
	for _, tr := range d.trackers {
		origins = append(origins, tr.origin)
		origin[tr.name] = tr.origin
	}
	tags := newTagSnippets(origin)
	noTracker := func(t *testing.T, body string) {
		for _, o := range origins {
			assert.NotContains(t, body, strings.TrimPrefix(o, "http://"))
		}
	}

	t.Run("no consent: banner once, no tracker, essential cookies only", func(t *testing.T) {
		resp, body := b.do("GET", "/courses/go-basics", nil)
		assert.Equal(t, 200, resp.StatusCode)
		assert.Equal(t, 1, strings.Count(body, bannerMark))
		noTracker(t, body)
		assert.NotContains(t, setCookies(resp), "_ga")
		assert.Contains(t, resp.Header.Get("Consent-Removed"), "script analytics.localhost")
		assert.Contains(t, resp.Header.Get("Consent-Removed"), "iframe video.localhost")
	})
	t.Run("sign-in sets the essential session cookie without consent", func(t *testing.T) {
		resp, _ := b.do("POST", "/signin", url.Values{"email": {"a@example.com"}, "password": {"x"}})
		assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
		assert.Contains(t, setCookies(resp), "session")
	})
	t.Run("the language switch's functionality cookie needs consent", func(t *testing.T) {
		resp, _ := b.do("GET", "/lang?to=de&return=/", nil)
		assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
		assert.NotContains(t, setCookies(resp), "lang")
	})
	t.Run("DNT changes nothing", func(t *testing.T) {
		_, without := b.do("GET", "/", nil)
		_, with := b.do("GET", "/", nil, "DNT", "1")
		assert.Equal(t, without, with)
	})
	t.Run("accept all: the tags as the site wrote them, every cookie", func(t *testing.T) {
		resp, _ := b.do("POST", "/consent", url.Values{"action": {"accept-all"}, "return": {"/courses/go-basics"}})
		require.Equal(t, http.StatusSeeOther, resp.StatusCode)
		assert.Equal(t, "/courses/go-basics", resp.Header.Get("Location"))
		resp, body := b.do("GET", "/courses/go-basics", nil)
		assert.NotContains(t, body, bannerMark)
		assert.Contains(t, body, string(tags.Head))
		assert.Contains(t, body, string(tags.Body))
		assert.Contains(t, body, string(tags.Video))
		assert.Contains(t, setCookies(resp), "_ga")
		assert.Empty(t, resp.Header.Get("Consent-Removed"))
		resp, _ = b.do("GET", "/lang?to=de&return=/", nil)
		assert.Contains(t, setCookies(resp), "lang")
	})
	t.Run("reject all: like no consent, without the banner", func(t *testing.T) {
		resp, _ := b.do("POST", "/consent", url.Values{"action": {"reject-all"}})
		require.Equal(t, http.StatusSeeOther, resp.StatusCode)
		resp, body := b.do("GET", "/courses/go-basics", nil)
		assert.NotContains(t, body, bannerMark)
		assert.Contains(t, body, `<a id="consentgate-settings"`)
		noTracker(t, body)
		assert.NotContains(t, setCookies(resp), "_ga")
	})
	t.Run("a tampered consent cookie is no decision", func(t *testing.T) {
		u, _ := url.Parse(b.srv.URL)
		for _, c := range b.client.Jar.Cookies(u) {
			if c.Name == "consent" {
				c.Value = "x" + c.Value[1:]
				b.client.Jar.SetCookies(u, []*http.Cookie{c})
			}
		}
		_, body := b.do("GET", "/", nil)
		assert.Equal(t, 1, strings.Count(body, bannerMark))
		noTracker(t, body)
	})
	t.Run("the fake trackers log what reaches them", func(t *testing.T) {
		// Browsers resolve *.localhost to loopback; Go's resolver does not.
		addr := strings.Replace(d.trackers[0].origin, "analytics.localhost", "127.0.0.1", 1)
		req, err := http.NewRequest("GET", addr+"/gtag/js?id=G-DEMO", nil)
		require.NoError(t, err)
		req.Host = strings.TrimPrefix(d.trackers[0].origin, "http://")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Contains(t, resp.Header.Get("Set-Cookie"), "_analytics_id=")
		_, body := b.do("GET", "/demo/trackers.json", nil)
		var hits []Hit
		require.NoError(t, json.Unmarshal([]byte(body), &hits))
		require.Len(t, hits, 1)
		assert.Equal(t, "analytics.localhost", hits[0].Tracker)
		assert.Equal(t, "/gtag/js?id=G-DEMO", hits[0].Path)
		_, page := b.do("GET", "/demo/trackers", nil)
		assert.Contains(t, page, "<code>GET /gtag/js?id=G-DEMO</code>")
	})
	t.Run("unknown pages get the banner too", func(t *testing.T) {
		b2 := newBrowser(t, d.handler)
		resp, body := b2.do("GET", "/nope", nil)
		assert.Equal(t, http.StatusNotFound, resp.StatusCode)
		assert.Equal(t, 1, strings.Count(body, bannerMark))
	})
}

func TestDemoWithoutTrackers(t *testing.T) {
	d, err := newDemo(slog.New(slog.DiscardHandler), testKeys, false, false)
	require.NoError(t, err)
	assert.Empty(t, d.trackers)
	resp, body := newBrowser(t, d.handler).do("GET", "/", nil)
	assert.Equal(t, 200, resp.StatusCode)
	assert.Contains(t, body, bannerMark)
	assert.Empty(t, resp.Header.Get("Consent-Removed"), "debug off")
}
