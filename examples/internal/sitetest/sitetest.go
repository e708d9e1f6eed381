// Package sitetest holds the tests the example sites share: a visitor
// walking through a site's pages and its consent endpoint, and the checks of
// what each response shows.
package sitetest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// allCategories are the default policy's categories, in policy order.
var allCategories = []string{"essential", "analytics", "functionality", "targeting", "tracking", "optimization", "partner"}

// What a response does with a cookie.
const (
	Set     = "set"     // a Set-Cookie that stores it
	Expired = "expired" // a Set-Cookie that deletes it (Max-Age=0)
	Absent  = "absent"  // no Set-Cookie of that name
)

// Undecided is the notice the site's pages show a visitor who has not chosen.
const Undecided = "You have not made a cookie choice yet"

// What the middleware does to the example pages: the banner it injects for
// an undecided visitor, and the Google Analytics loader and Meta pixel the
// pages carry, removed until their categories are granted.
const (
	Banner  = `<div id="consentgate-banner"`
	Tracker = `<script async src="https://www.googletagmanager.com/gtag/js?id=G-EXAMPLE"></script>`
	Pixel   = `https://www.facebook.com/tr?id=EXAMPLE`
)

// Step is one request of a visitor and what its response must show.
type Step struct {
	Name    string
	Prep    func(*Visitor, *testing.T)
	Path    string
	Form    url.Values        // POSTed when set, with the headers a same-origin browser form sends
	Header  map[string]string // added to the request; "" removes a header
	Status  int
	Loc     string            // the Location header
	Cookies map[string]string // cookie name → Set, Expired or Absent
	Body    []string          // substrings of the body
	NoBody  []string          // substrings the body must not hold
	Check   func(*testing.T, *http.Response, []byte)
	Unseen  bool // the consent middleware never saw the request
}

// Visitor is a browser: a cookie jar, and redirects left for the test to see.
type Visitor struct {
	srv    *httptest.Server
	jar    *cookiejar.Jar
	client *http.Client
}

// NewVisitor starts a test server for h, closed when t ends, and returns a
// visitor of it with an empty cookie jar.
func NewVisitor(t *testing.T, h http.Handler) *Visitor {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	noRedirect := func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &Visitor{srv: srv, jar: jar, client: &http.Client{Jar: jar, CheckRedirect: noRedirect}}
}

// Run runs the steps in order as subtests, stopping at the first failure
// since each step builds on the cookies of the ones before.
func (v *Visitor) Run(t *testing.T, steps []Step) {
	for _, s := range steps {
		if !t.Run(s.Name, func(t *testing.T) { v.do(t, s) }) {
			t.FailNow()
		}
	}
}

func (v *Visitor) do(t *testing.T, s Step) {
	if s.Prep != nil {
		s.Prep(v, t)
	}
	method, body := http.MethodGet, io.Reader(nil)
	if s.Form != nil {
		method, body = http.MethodPost, strings.NewReader(s.Form.Encode())
	}
	req, err := http.NewRequest(method, v.srv.URL+s.Path, body)
	require.NoError(t, err)
	if s.Form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", v.srv.URL)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	for k, val := range s.Header {
		if req.Header.Del(k); val != "" {
			req.Header.Set(k, val)
		}
	}
	resp, err := v.client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)

	assert.Equal(t, s.Status, resp.StatusCode, "body: %s", b)
	assert.Equal(t, s.Loc, resp.Header.Get("Location"))
	if vary := strings.Join(resp.Header.Values("Vary"), ","); s.Unseen {
		assert.NotContains(t, vary, "Cookie")
	} else {
		assert.Contains(t, vary, "Cookie")
	}
	got := map[string]string{}
	for _, line := range resp.Header.Values("Set-Cookie") {
		c, err := http.ParseSetCookie(line)
		require.NoError(t, err)
		if got[c.Name] = Set; c.MaxAge < 0 {
			got[c.Name] = Expired
			assert.Contains(t, line, "Max-Age=0")
		}
	}
	for name, want := range s.Cookies {
		state, ok := got[name]
		if !ok {
			state = Absent
		}
		assert.Equal(t, want, state, "cookie %s; Set-Cookie: %q", name, resp.Header.Values("Set-Cookie"))
	}
	for _, sub := range s.Body {
		assert.Contains(t, string(b), sub)
	}
	for _, sub := range s.NoBody {
		assert.NotContains(t, string(b), sub)
	}
	if s.Check != nil {
		s.Check(t, resp, b)
	}
}

// tamper flips one character of the consent cookie in the jar.
func (v *Visitor) tamper(t *testing.T) {
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

// WantState checks the JSON of the consent endpoint.
func WantState(decided bool, granted ...string) func(*testing.T, *http.Response, []byte) {
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

// WantBoxes checks the preferences page's checkboxes: exactly checked are
// ticked, besides essential (ticked and disabled).
func WantBoxes(checked ...string) func(*testing.T, *http.Response, []byte) {
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

// ConsentCookie checks the consent cookie's attributes.
func ConsentCookie(t *testing.T, resp *http.Response, _ []byte) {
	i := slices.IndexFunc(resp.Cookies(), func(c *http.Cookie) bool { return c.Name == "consent" })
	require.GreaterOrEqual(t, i, 0)
	c := resp.Cookies()[i]
	assert.True(t, c.HttpOnly)
	assert.Equal(t, http.SameSiteLaxMode, c.SameSite)
	assert.Equal(t, "/", c.Path)
	assert.False(t, c.Secure, "-dev sends it without Secure")
	assert.InDelta(t, 180*24*60*60, c.MaxAge, 5)
}

// Form is a consent form posting action, plus the key/value pairs kv.
func Form(action string, kv ...string) url.Values {
	f := url.Values{"action": {action}}
	for i := 0; i+1 < len(kv); i += 2 {
		f.Add(kv[i], kv[i+1])
	}
	return f
}

// Visit walks one visitor through the site h: undecided, refused forgeries
// and bad forms, then accept all, a custom choice, reject all and a tampered
// cookie, checking which cookies reach the browser at each step.
func Visit(t *testing.T, h http.Handler) {
	VisitNotFound(t, h, Step{Name: "unknown page: 404, still filtered", Path: "/nope", Status: 404,
		Cookies: map[string]string{"_ga": Absent, "_fbp": Absent}})
}

// VisitNotFound is Visit with notFound as its step for /nope, a path no
// route matches, for a router that answers such a path without its
// middleware.
func VisitNotFound(t *testing.T, h http.Handler, notFound Step) {
	evil := "https://evil.example"
	NewVisitor(t, h).Run(t, []Step{
		{Name: "first visit is undecided: session only", Path: "/", Status: 200,
			Cookies: map[string]string{"session": Set, "_ga": Absent, "_fbp": Absent, "consent": Absent},
			Body:    []string{Undecided, Banner, `href="/consent/preferences?return=%2f"`, `href="/consent/policy"`},
			NoBody:  []string{Tracker, Pixel, "<noscript>"}},
		{Name: "about page", Path: "/about", Status: 200,
			Cookies: map[string]string{"session": Absent, "_ga": Absent, "_fbp": Absent}, Body: []string{"<h1>About</h1>", Undecided}},
		{Name: "JSON API", Path: "/api/hello", Status: 200,
			Cookies: map[string]string{"_ga": Absent, "_fbp": Absent}, Body: []string{`"analytics":false`}},
		notFound,
		{Name: "GET consent: undecided", Path: "/consent", Status: 200, Check: WantState(false, "essential")},
		{Name: "preferences: nothing pre-ticked", Path: "/consent/preferences", Status: 200, Check: WantBoxes()},
		{Name: "policy page lists the site's cookies", Path: "/consent/policy", Status: 200,
			Body: []string{"<code>session</code>", "Keeps your visit together", "<code>_ga</code>", "<code>_fbp</code>"}},

		{Name: "cross-site POST refused", Path: "/consent", Form: Form("accept-all"),
			Header: map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": evil}, Status: 403,
			Cookies: map[string]string{"consent": Absent}},
		{Name: "POST from another Origin refused", Path: "/consent", Form: Form("accept-all"),
			Header: map[string]string{"Sec-Fetch-Site": "", "Origin": evil}, Status: 403,
			Cookies: map[string]string{"consent": Absent}},
		{Name: "unknown action", Path: "/consent", Form: Form("accept-everything"), Status: 400,
			Cookies: map[string]string{"consent": Absent}, Body: []string{"unknown action"}},
		{Name: "unknown category", Path: "/consent", Form: Form("save", "category", "analytics", "category", "spying"), Status: 400,
			Cookies: map[string]string{"consent": Absent}, Body: []string{"unknown category"}},
		{Name: "no action", Path: "/consent", Form: url.Values{"category": {"analytics"}}, Status: 400,
			Cookies: map[string]string{"consent": Absent}},
		{Name: "huge body", Path: "/consent", Form: Form("accept-all", "pad", strings.Repeat("x", 20<<10)), Status: 400,
			Cookies: map[string]string{"consent": Absent}},
		{Name: "still undecided", Path: "/", Status: 200,
			Cookies: map[string]string{"_ga": Absent, "_fbp": Absent}, Body: []string{Undecided}},

		{Name: "accept all, back to about", Path: "/consent", Form: Form("accept-all", "return", "/about"),
			Status: 303, Loc: "/about", Cookies: map[string]string{"consent": Set}, Check: ConsentCookie},
		{Name: "accepted: trackers set", Path: "/", Status: 200, Cookies: map[string]string{"_ga": Set, "_fbp": Set},
			Body:   []string{"(accept-all) grants: essential analytics functionality targeting tracking optimization partner", Tracker, Pixel},
			NoBody: []string{Banner}},
		{Name: "GET consent: all granted", Path: "/consent", Status: 200, Check: WantState(true, allCategories...)},

		{Name: "save analytics only: _fbp expired", Path: "/consent", Form: Form("save", "category", "analytics"),
			Status: 303, Loc: "/", Cookies: map[string]string{"consent": Set, "_ga": Absent, "_fbp": Expired}},
		{Name: "saved: _ga passes, _fbp dropped", Path: "/", Status: 200,
			Cookies: map[string]string{"_ga": Set, "_fbp": Absent}, Body: []string{"(custom) grants: essential analytics </p>", Tracker},
			NoBody: []string{Pixel, Banner}},
		{Name: "preferences show the choice", Path: "/consent/preferences", Status: 200, Check: WantBoxes("analytics")},

		{Name: "accept all as JSON", Path: "/consent", Form: Form("accept-all"), Header: map[string]string{"Accept": "application/json"},
			Status: 200, Cookies: map[string]string{"consent": Set}, Check: WantState(true, allCategories...)},
		{Name: "accepted again: trackers set", Path: "/", Status: 200, Cookies: map[string]string{"_ga": Set, "_fbp": Set}},
		{Name: "reject all: trackers expired", Path: "/consent", Form: Form("reject-all"),
			Status: 303, Loc: "/", Cookies: map[string]string{"consent": Set, "_ga": Expired, "_fbp": Expired}},
		{Name: "rejected: trackers dropped", Path: "/", Status: 200,
			Cookies: map[string]string{"_ga": Absent, "_fbp": Absent}, Body: []string{"(reject-all) grants: essential </p>"},
			NoBody: []string{Tracker, Pixel, Banner}},

		{Name: "accept all before tampering", Path: "/consent", Form: Form("accept-all"), Status: 303, Loc: "/"},
		{Name: "trackers set before tampering", Path: "/", Status: 200, Cookies: map[string]string{"_ga": Set, "_fbp": Set}},
		{Name: "tampered consent cookie: undecided, trackers expired", Prep: (*Visitor).tamper, Path: "/", Status: 200,
			Cookies: map[string]string{"_ga": Expired, "_fbp": Expired, "consent": Absent}, Body: []string{Undecided, Banner},
			NoBody: []string{Tracker, Pixel}},
		{Name: "GET consent after tampering: undecided", Path: "/consent", Status: 200, Check: WantState(false, "essential")},
	})
}

// OpenRedirect posts consent to the site h with return paths that could
// send the visitor to another site or inject headers: all land on "/".
func OpenRedirect(t *testing.T, h http.Handler) {
	v := NewVisitor(t, h)
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
			v.do(t, Step{Path: "/consent", Form: Form("reject-all", "return", tc.ret), Status: 303, Loc: tc.loc,
				Cookies: map[string]string{"consent": Set, "x": Absent}})
		})
	}
}
