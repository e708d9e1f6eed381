package main

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/consentgate/consent/middleware"
	"github.com/consentgate/consent/store"
	"github.com/gorilla/mux"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var testKeys = []store.KeyPair{{Hash: bytes.Repeat([]byte{1}, 32), Block: bytes.Repeat([]byte{2}, 32)}}

// allCategories are the default policy's categories, in policy order.
var allCategories = []string{"essential", "analytics", "functionality", "targeting", "tracking", "optimization", "partner"}

// What a response does with a cookie.
const (
	set     = "set"     // a Set-Cookie that stores it
	expired = "expired" // a Set-Cookie that deletes it (Max-Age=0)
	absent  = "absent"  // no Set-Cookie of that name
)

const undecided = "You have not made a cookie choice yet"

// step is one request of a visitor and what its response must show.
type step struct {
	name    string
	prep    func(*visitor, *testing.T)
	path    string
	form    url.Values        // POSTed when set, with the headers a same-origin browser form sends
	header  map[string]string // added to the request; "" removes a header
	status  int
	loc     string            // the Location header
	cookies map[string]string // cookie name → set, expired or absent
	body    []string          // substrings of the body
	check   func(*testing.T, *http.Response, []byte)
	unseen  bool // the consent middleware never saw the request
}

// visitor is a browser: a cookie jar, and redirects left for the test to see.
type visitor struct {
	srv    *httptest.Server
	jar    *cookiejar.Jar
	client *http.Client
}

// site is the example's handler, in -dev mode since the test server is
// plain HTTP.
func site(t *testing.T) http.Handler {
	h, err := newHandler(slog.New(slog.NewTextHandler(t.Output(), nil)), testKeys, true)
	require.NoError(t, err)
	return h
}

func newVisitor(t *testing.T, h http.Handler) *visitor {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	noRedirect := func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &visitor{srv: srv, jar: jar, client: &http.Client{Jar: jar, CheckRedirect: noRedirect}}
}

// run runs the steps in order as subtests, stopping at the first failure
// since each step builds on the cookies of the ones before.
func (v *visitor) run(t *testing.T, steps []step) {
	for _, s := range steps {
		if !t.Run(s.name, func(t *testing.T) { v.do(t, s) }) {
			t.FailNow()
		}
	}
}

func (v *visitor) do(t *testing.T, s step) {
	if s.prep != nil {
		s.prep(v, t)
	}
	method, body := http.MethodGet, io.Reader(nil)
	if s.form != nil {
		method, body = http.MethodPost, strings.NewReader(s.form.Encode())
	}
	req, err := http.NewRequest(method, v.srv.URL+s.path, body)
	require.NoError(t, err)
	if s.form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", v.srv.URL)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	for k, val := range s.header {
		if req.Header.Del(k); val != "" {
			req.Header.Set(k, val)
		}
	}
	resp, err := v.client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)

	assert.Equal(t, s.status, resp.StatusCode, "body: %s", b)
	assert.Equal(t, s.loc, resp.Header.Get("Location"))
	if vary := strings.Join(resp.Header.Values("Vary"), ","); s.unseen {
		assert.NotContains(t, vary, "Cookie")
	} else {
		assert.Contains(t, vary, "Cookie")
	}
	got := map[string]string{}
	for _, line := range resp.Header.Values("Set-Cookie") {
		c, err := http.ParseSetCookie(line)
		require.NoError(t, err)
		if got[c.Name] = set; c.MaxAge < 0 {
			got[c.Name] = expired
			assert.Contains(t, line, "Max-Age=0")
		}
	}
	for name, want := range s.cookies {
		state, ok := got[name]
		if !ok {
			state = absent
		}
		assert.Equal(t, want, state, "cookie %s; Set-Cookie: %q", name, resp.Header.Values("Set-Cookie"))
	}
	for _, sub := range s.body {
		assert.Contains(t, string(b), sub)
	}
	if s.check != nil {
		s.check(t, resp, b)
	}
}

// tamper flips one character of the consent cookie in the jar.
func (v *visitor) tamper(t *testing.T) {
	u, err := url.Parse(v.srv.URL)
	require.NoError(t, err)
	for _, c := range v.jar.Cookies(u) {
		if c.Name == "consent" {
			b, i := []byte(c.Value), len(c.Value)/2
			b[i] = map[bool]byte{true: 'B', false: 'A'}[b[i] == 'A'] // still base64, no longer signed
			v.jar.SetCookies(u, []*http.Cookie{{Name: c.Name, Value: string(b), Path: "/"}})
			return
		}
	}
	t.Fatal("no consent cookie in the jar")
}

// wantState checks the JSON of the consent endpoint.
func wantState(decided bool, granted ...string) func(*testing.T, *http.Response, []byte) {
	return func(t *testing.T, resp *http.Response, body []byte) {
		assert.Equal(t, "application/json; charset=utf-8", resp.Header.Get("Content-Type"))
		var st struct {
			Decided    bool
			Categories []struct {
				ID      string
				Granted bool
			}
		}
		require.NoError(t, json.Unmarshal(body, &st), "%s", body)
		assert.Equal(t, decided, st.Decided)
		var ids, got []string
		for _, c := range st.Categories {
			if ids = append(ids, c.ID); c.Granted {
				got = append(got, c.ID)
			}
		}
		assert.Equal(t, allCategories, ids)
		assert.Equal(t, granted, got)
	}
}

// wantBoxes checks the preferences page's checkboxes: exactly checked are
// ticked, besides essential (ticked and disabled).
func wantBoxes(checked ...string) func(*testing.T, *http.Response, []byte) {
	return func(t *testing.T, _ *http.Response, body []byte) {
		assert.Contains(t, string(body), `value="essential" checked disabled>`)
		for _, id := range allCategories[1:] {
			box := `value="` + id + `">`
			if slices.Contains(checked, id) {
				box = `value="` + id + `" checked>`
			}
			assert.Contains(t, string(body), box)
		}
	}
}

// consentCookie checks the consent cookie's attributes.
func consentCookie(t *testing.T, resp *http.Response, _ []byte) {
	i := slices.IndexFunc(resp.Cookies(), func(c *http.Cookie) bool { return c.Name == "consent" })
	require.GreaterOrEqual(t, i, 0)
	c := resp.Cookies()[i]
	assert.True(t, c.HttpOnly)
	assert.Equal(t, http.SameSiteLaxMode, c.SameSite)
	assert.Equal(t, "/", c.Path)
	assert.False(t, c.Secure, "-dev sends it without Secure")
	assert.InDelta(t, 180*24*60*60, c.MaxAge, 5)
}

func form(action string, kv ...string) url.Values {
	f := url.Values{"action": {action}}
	for i := 0; i+1 < len(kv); i += 2 {
		f.Add(kv[i], kv[i+1])
	}
	return f
}

// TestVisitor walks one visitor through the site: undecided, refused
// forgeries and bad forms, then accept all, a custom choice, reject all and
// a tampered cookie, checking which cookies reach the browser at each step.
func TestVisitor(t *testing.T) {
	evil := "https://evil.example"
	newVisitor(t, site(t)).run(t, []step{
		{name: "first visit is undecided: session only", path: "/", status: 200,
			cookies: map[string]string{"session": set, "_ga": absent, "_fbp": absent, "consent": absent},
			body:    []string{undecided, `href="/consent/preferences?return=%2f"`, `href="/consent/policy"`}},
		{name: "about page", path: "/about", status: 200,
			cookies: map[string]string{"session": absent, "_ga": absent, "_fbp": absent}, body: []string{"<h1>About</h1>", undecided}},
		{name: "JSON API", path: "/api/hello", status: 200,
			cookies: map[string]string{"_ga": absent, "_fbp": absent}, body: []string{`"analytics":false`}},
		// gorilla/mux answers unmatched paths itself, without the Use
		// middleware (harmless here: its 404 sets no cookie).
		{name: "unknown page: the router's 404", path: "/nope", status: 404, unseen: true,
			cookies: map[string]string{"_ga": absent, "_fbp": absent}},
		{name: "GET consent: undecided", path: "/consent", status: 200, check: wantState(false, "essential")},
		{name: "preferences: nothing pre-ticked", path: "/consent/preferences", status: 200, check: wantBoxes()},
		{name: "policy page lists the site's cookies", path: "/consent/policy", status: 200,
			body: []string{"<code>session</code>", "Keeps your visit together", "<code>_ga</code>", "<code>_fbp</code>"}},

		{name: "cross-site POST refused", path: "/consent", form: form("accept-all"),
			header: map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": evil}, status: 403,
			cookies: map[string]string{"consent": absent}},
		{name: "POST from another Origin refused", path: "/consent", form: form("accept-all"),
			header: map[string]string{"Sec-Fetch-Site": "", "Origin": evil}, status: 403,
			cookies: map[string]string{"consent": absent}},
		{name: "unknown action", path: "/consent", form: form("accept-everything"), status: 400,
			cookies: map[string]string{"consent": absent}, body: []string{"unknown action"}},
		{name: "unknown category", path: "/consent", form: form("save", "category", "analytics", "category", "spying"), status: 400,
			cookies: map[string]string{"consent": absent}, body: []string{"unknown category"}},
		{name: "no action", path: "/consent", form: url.Values{"category": {"analytics"}}, status: 400,
			cookies: map[string]string{"consent": absent}},
		{name: "huge body", path: "/consent", form: form("accept-all", "pad", strings.Repeat("x", 20<<10)), status: 400,
			cookies: map[string]string{"consent": absent}},
		{name: "still undecided", path: "/", status: 200,
			cookies: map[string]string{"_ga": absent, "_fbp": absent}, body: []string{undecided}},

		{name: "accept all, back to about", path: "/consent", form: form("accept-all", "return", "/about"),
			status: 303, loc: "/about", cookies: map[string]string{"consent": set}, check: consentCookie},
		{name: "accepted: trackers set", path: "/", status: 200, cookies: map[string]string{"_ga": set, "_fbp": set},
			body: []string{"(accept-all) grants: essential analytics functionality targeting tracking optimization partner"}},
		{name: "GET consent: all granted", path: "/consent", status: 200, check: wantState(true, allCategories...)},

		{name: "save analytics only: _fbp expired", path: "/consent", form: form("save", "category", "analytics"),
			status: 303, loc: "/", cookies: map[string]string{"consent": set, "_ga": absent, "_fbp": expired}},
		{name: "saved: _ga passes, _fbp dropped", path: "/", status: 200,
			cookies: map[string]string{"_ga": set, "_fbp": absent}, body: []string{"(custom) grants: essential analytics </p>"}},
		{name: "preferences show the choice", path: "/consent/preferences", status: 200, check: wantBoxes("analytics")},

		{name: "accept all as JSON", path: "/consent", form: form("accept-all"), header: map[string]string{"Accept": "application/json"},
			status: 200, cookies: map[string]string{"consent": set}, check: wantState(true, allCategories...)},
		{name: "accepted again: trackers set", path: "/", status: 200, cookies: map[string]string{"_ga": set, "_fbp": set}},
		{name: "reject all: trackers expired", path: "/consent", form: form("reject-all"),
			status: 303, loc: "/", cookies: map[string]string{"consent": set, "_ga": expired, "_fbp": expired}},
		{name: "rejected: trackers dropped", path: "/", status: 200,
			cookies: map[string]string{"_ga": absent, "_fbp": absent}, body: []string{"(reject-all) grants: essential </p>"}},

		{name: "accept all before tampering", path: "/consent", form: form("accept-all"), status: 303, loc: "/"},
		{name: "trackers set before tampering", path: "/", status: 200, cookies: map[string]string{"_ga": set, "_fbp": set}},
		{name: "tampered consent cookie: undecided, trackers expired", prep: (*visitor).tamper, path: "/", status: 200,
			cookies: map[string]string{"_ga": expired, "_fbp": expired, "consent": absent}, body: []string{undecided}},
		{name: "GET consent after tampering: undecided", path: "/consent", status: 200, check: wantState(false, "essential")},
	})
}

// TestOpenRedirectRefused posts consent with return paths that could send
// the visitor to another site or inject headers: all land on "/".
func TestOpenRedirectRefused(t *testing.T) {
	v := newVisitor(t, site(t))
	for _, tc := range []struct{ name, ret, loc string }{
		{"own path kept", "/about?tab=1#top", "/about?tab=1#top"},
		{"empty", "", "/"},
		{"scheme-relative", "//evil.example/", "/"},
		{"absolute URL", "https://evil.example", "/"},
		{"backslash", `/\evil.example`, "/"},
		{"tab, which browsers strip", "/\t/evil.example", "/"},
		{"javascript URL", "javascript:alert(1)", "/"},
		{"CR LF, sent as %0D%0A", "/\r\nSet-Cookie: x=1", "/"},
		// The value holds the six characters "%0d%0a", not control
		// characters: a harmless path on this site, so it is kept as is.
		{"literal %0d%0a", "/%0d%0aSet-Cookie:x=1", "/%0d%0aSet-Cookie:x=1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v.do(t, step{path: "/consent", form: form("reject-all", "return", tc.ret), status: 303, loc: tc.loc,
				cookies: map[string]string{"consent": set, "x": absent}})
		})
	}
}

// TestDevFlag checks that without -dev the site's cookies are Secure.
func TestDevFlag(t *testing.T) {
	h, err := newHandler(slog.New(slog.DiscardHandler), testKeys, false)
	require.NoError(t, err)
	for _, req := range []*http.Request{
		httptest.NewRequest(http.MethodGet, "/", nil),
		httptest.NewRequest(http.MethodPost, "/consent", strings.NewReader("action=reject-all")),
	} {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		require.NotEmpty(t, rec.Result().Cookies(), req.URL.Path)
		for _, c := range rec.Result().Cookies() {
			assert.True(t, c.Secure, "%s %s: cookie %s", req.Method, req.URL.Path, c.Name)
		}
	}
}

// TestEndpointMount shows why the example mounts the consent endpoint:
// gorilla/mux runs r.Use middleware only for requests that match a route.
func TestEndpointMount(t *testing.T) {
	t.Run("mounted", func(t *testing.T) {
		newVisitor(t, site(t)).run(t, []step{
			{name: "POST consent", path: "/consent", form: form("save", "category", "targeting", "return", "/about"),
				status: 303, loc: "/about", cookies: map[string]string{"consent": set}, check: consentCookie},
			{name: "choice applied", path: "/about", status: 200, cookies: map[string]string{"_ga": absent, "_fbp": set}},
			{name: "GET consent", path: "/consent", status: 200, check: wantState(true, "essential", "targeting")},
			{name: "preferences", path: "/consent/preferences", status: 200, check: wantBoxes("targeting")},
			// PathPrefix("/consent") also matches /consentx; the endpoint answers 404.
			{name: "prefix lookalike", path: "/consentx", status: 404, cookies: map[string]string{"_ga": absent}},
		})
	})

	t.Run("without the mount line", func(t *testing.T) {
		mw, err := middleware.New(sitePolicy(), middleware.Keys(testKeys...), middleware.InsecureDev())
		require.NoError(t, err)
		r := mux.NewRouter()
		r.Use(mw.Handler, siteCookies(false))
		addRoutes(r, mw.Prefix()) // no r.PathPrefix(mw.Prefix()).Handler(mw.Endpoint())
		newVisitor(t, r).run(t, []step{
			{name: "routed pages are still filtered", path: "/", status: 200,
				cookies: map[string]string{"session": set, "_ga": absent, "_fbp": absent}, body: []string{undecided}},
			{name: "POST consent is not handled", path: "/consent", form: form("accept-all"), status: 404, unseen: true,
				cookies: map[string]string{"consent": absent}},
			{name: "GET consent is not handled", path: "/consent", status: 404, unseen: true},
			{name: "preferences page is not handled", path: "/consent/preferences", status: 404, unseen: true},
			{name: "so the visitor stays undecided", path: "/", status: 200,
				cookies: map[string]string{"_ga": absent, "_fbp": absent}, body: []string{undecided}},
		})
	})
}
