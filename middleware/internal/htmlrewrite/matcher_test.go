package htmlrewrite

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewMatcherErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		t    Tracker
		want string
	}{
		{"category out of range", Tracker{Name: "x", Hosts: []string{"a.com"}, Category: 64}, "category 64 out of range"},
		{"nothing declared", Tracker{Name: "x"}, "declares no host and no URL"},
		{"empty host", Tracker{Name: "x", Hosts: []string{" "}}, "empty host"},
		{"no dot", Tracker{Name: "x", Hosts: []string{"localhost"}}, "has no dot"},
		{"empty label", Tracker{Name: "x", Hosts: []string{"a..com"}}, "empty label"},
		{"invalid character", Tracker{Name: "x", Hosts: []string{"a b.com"}}, "invalid character"},
		{"path in host", Tracker{Name: "x", Hosts: []string{"a.com/x"}}, "invalid character"},
		{"url query", Tracker{Name: "x", URLs: []string{"a.com/x?y"}}, "query and fragment"},
		{"url fragment", Tracker{Name: "x", URLs: []string{"a.com/x#y"}}, "query and fragment"},
		{"url whitespace", Tracker{Name: "x", URLs: []string{"a.com/x y"}}, "whitespace"},
		{"url bad host", Tracker{Name: "x", URLs: []string{"a_com/x"}}, "has no dot"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewMatcher([]Tracker{tc.t})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestNewMatcherNormalizes(t *testing.T) {
	m, err := NewMatcher([]Tracker{
		{Name: "a", Hosts: []string{"*.Tracker-A.com", ".b.tracker.net", "https://C.Example.org", "d.example.org."}},
		{Name: "u", URLs: []string{"HTTPS://Pix.Example.com/p/", "//e.example.com/"}},
	})
	require.NoError(t, err)
	for _, u := range []string{"https://x.tracker-a.com/", "https://b.tracker.net", "//c.example.org", "https://d.example.org", "https://pix.example.com/p/1", "https://e.example.com/any"} {
		_, ok := m.MatchURL([]byte(u))
		assert.True(t, ok, u)
	}
	_, ok := m.MatchURL([]byte("https://pix.example.com/q"))
	assert.False(t, ok)
	assert.Len(t, m.Trackers(), 2)
}

func TestMatchURL(t *testing.T) {
	m := testMatcher(t)
	for _, tc := range []struct {
		url, want string // want: tracker name, "" for no match
	}{
		{"https://www.googletagmanager.com/gtm.js?id=1", "Google Tag Manager"},
		{"http://googletagmanager.com", "Google Tag Manager"},
		{"//www.googletagmanager.com/gtm.js", "Google Tag Manager"},
		{"HTTPS://WWW.GOOGLETAGMANAGER.COM/", "Google Tag Manager"},
		{"  https://www.googletagmanager.com/  ", "Google Tag Manager"},
		{"https://www.google\ttag\nmanager.com/", "Google Tag Manager"},
		{"https://user:pw@www.googletagmanager.com:443/x", "Google Tag Manager"},
		{"https://www.googletagmanager.com./x", "Google Tag Manager"},
		{`https:\\www.googletagmanager.com\gtm.js`, "Google Tag Manager"},
		{`\\www.googletagmanager.com`, "Google Tag Manager"},
		{"https:www.googletagmanager.com/x", "Google Tag Manager"},
		{"https:/www.googletagmanager.com/x", "Google Tag Manager"},
		{"https:///www.googletagmanager.com/x", "Google Tag Manager"},
		{"https://a.b.googletagmanager.com", "Google Tag Manager"},
		{"https://www.googletagmanager.com#frag", "Google Tag Manager"},
		{"https://www.googletagmanager%2Ecom/", "Google Tag Manager"},
		{"https://%57ww.GoogleTagManager.com%2e/", "Google Tag Manager"},
		{"https://www.googletagmanager%2/", ""},
		{"https://www.googletagmanager.com%zz/", ""},
		{"https://notgoogletagmanager.com/", ""},
		{"https://googletagmanager.com.evil.example/", ""},
		{"https://evil.example/www.googletagmanager.com", ""},
		{"https://evil.example/?u=https://www.googletagmanager.com", ""},
		{"/www.googletagmanager.com/gtm.js", ""},
		{"www.googletagmanager.com/gtm.js", ""},
		{"javascript:'//www.googletagmanager.com'", ""},
		{"data:text/html,//www.googletagmanager.com", ""},
		{"ftp://www.googletagmanager.com", ""},
		{"httpx://www.googletagmanager.com", ""},
		{"https://[::1]/", ""},
		{"https://", ""},
		{"", ""},
		// Path patterns.
		{"https://www.facebook.com/tr?id=1", "Meta Pixel"},
		{"https://www.facebook.com/tr/", "Meta Pixel"},
		{"https://www.facebook.com/TR", ""},
		{"https://www.facebook.com/brand", ""},
		{"https://www.facebook.com", ""},
		{`https://www.facebook.com\tr`, "Meta Pixel"},
		{"https://facebook.com/tr", ""},
		{"https://a.www.facebook.com/tr", "Meta Pixel"},
		// Most specific wins: a path under www.google.com, else nothing
		// (google.com itself is not declared in the test policy).
		{"https://www.google.com/recaptcha/api.js", "reCAPTCHA"},
		{"https://www.google.com/pagead/1p-conversion", "Google Ads"},
		{"https://www.google.com/maps", ""},
	} {
		t.Run(tc.url, func(t *testing.T) {
			tr, ok := m.MatchURL([]byte(tc.url))
			assertMatch(t, tr, ok, tc.want)
		})
	}
}

func TestMatchURLMostSpecific(t *testing.T) {
	m, err := NewMatcher([]Tracker{
		{Name: "google", Hosts: []string{"google.com"}, Category: 2},
		{Name: "www", Hosts: []string{"www.google.com"}, Category: 1},
		{Name: "short path", URLs: []string{"www.google.com/a/"}, Category: 3},
		{Name: "long path", URLs: []string{"www.google.com/a/b/"}, Category: 4},
		{Name: "first", Hosts: []string{"dup.example.com"}, Category: 5},
		{Name: "second", Hosts: []string{"dup.example.com"}, Category: 6},
	})
	require.NoError(t, err)
	for url, want := range map[string]string{
		"https://mail.google.com/":        "google",
		"https://www.google.com/":         "www",
		"https://www.google.com/a/x":      "short path",
		"https://www.google.com/a/b/x":    "long path",
		"https://x.www.google.com/a/b/":   "long path",
		"https://dup.example.com/":        "first",
		"https://www.google.com/b/a/b/":   "www",
		"https://sub.mail.google.com/a/b": "google",
	} {
		tr, ok := m.MatchURL([]byte(url))
		require.True(t, ok, url)
		assert.Equal(t, want, tr.Name, url)
	}
}

func TestMatchText(t *testing.T) {
	m := testMatcher(t)
	for _, tc := range []struct {
		name, text string
		granted    uint64
		want       string
	}{
		{"gtm", gtmSnippet, 0, "Google Tag Manager"},
		{"meta pixel", metaPixelSnippet, 0, "Meta Pixel"},
		{"linkedin", linkedInSnippet, 0, "LinkedIn Insight"},
		{"hotjar", hotjarSnippet, 0, "Hotjar"},
		{"tiktok", tiktokSnippet, 0, "TikTok Pixel"},
		{"clarity", claritySnippet, 0, "Microsoft Clarity"},
		{"app script", appScript, 0, ""},
		{"granted", gtmSnippet, 1 << catAnalytics, ""},
		{"first in text order", `a="static.hotjar.com";b="connect.facebook.net"`, 0, "Hotjar"},
		{"first refused in text order", `a="static.hotjar.com";b="connect.facebook.net"`, 1 << catAnalytics, "Meta Pixel"},
		{"upper case", `"STATIC.HOTJAR.COM"`, 0, "Hotjar"},
		{"subdomain", `"x.connect.facebook.net"`, 0, "Meta Pixel"},
		{"bare host", `google-analytics.com`, 0, "Google Analytics"},
		{"letter before", `xgoogle-analytics.com`, 0, ""},
		{"dash before", `my-google-analytics.com`, 0, ""},
		{"dot before is a subdomain", `a.google-analytics.com`, 0, "Google Analytics"},
		{"longer host after", `google-analytics.com.evil.example`, 0, ""},
		{"letter after", `google-analytics.comx`, 0, ""},
		{"dot at end", `google-analytics.com.`, 0, "Google Analytics"},
		{"path after", `google-analytics.com/collect`, 0, "Google Analytics"},
		{"escaped slash %2F", `u=https%3A%2F%2Fgoogle-analytics.com`, 0, "Google Analytics"},
		{"escaped slash \\x2F", `u="https:\x2F\x2Fgoogle-analytics.com"`, 0, "Google Analytics"},
		{"escaped slash \\u002F", `u="https:\u002F\u002Fgoogle-analytics.com"`, 0, "Google Analytics"},
		{"digits before are not an escape", `a12google-analytics.com`, 0, ""},
		{"url pattern", `"https://www.facebook.com/tr?id="+id`, 0, "Meta Pixel"},
		{"url pattern path differs", `"https://www.facebook.com/sharer.php"`, 0, ""},
		{"url pattern path at end", `"www.facebook.com/t`, 0, ""},
		{"most specific granted", `"https://www.google.com/recaptcha/api.js"`, 1 << catNecessary, ""},
		{"most specific refused", `"https://www.google.com/pagead/x"`, 1 << catNecessary, "Google Ads"},
		{"empty", ``, 0, ""},
		{"dots only", `....`, 0, ""},
		{"ends at a dot", `google-analytics.`, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, ok := m.MatchText([]byte(tc.text), tc.granted)
			assertMatch(t, tr, ok, tc.want)
		})
	}
}

func TestMatchTextMostSpecific(t *testing.T) {
	m, err := NewMatcher([]Tracker{
		{Name: "google", Hosts: []string{"google.com"}, Category: catMarketing},
		{Name: "reCAPTCHA", URLs: []string{"www.google.com/recaptcha/"}, Category: catNecessary},
	})
	require.NoError(t, err)
	const granted = 1 << catNecessary
	_, ok := m.MatchText([]byte(`load("https://www.google.com/recaptcha/api.js")`), granted)
	assert.False(t, ok, "the granted declaration is the most specific")
	tr, ok := m.MatchText([]byte(`load("https://www.google.com/recaptcha/api.js");fetch("https://www.google.com/x")`), granted)
	require.True(t, ok)
	assert.Equal(t, "google", tr.Name)
}

func TestNilMatcherMatchesNothing(t *testing.T) {
	var m *Matcher
	_, ok := m.MatchURL([]byte("https://www.googletagmanager.com/"))
	assert.False(t, ok)
	_, ok = m.MatchText([]byte("www.googletagmanager.com"), 0)
	assert.False(t, ok)
	assert.Nil(t, m.Trackers())
}

func TestMatcherCopiesTrackers(t *testing.T) {
	ts := testTrackers()
	m, err := NewMatcher(ts)
	require.NoError(t, err)
	ts[0].Category = catMarketing
	ts[0].Name = "changed"
	tr, ok := m.MatchURL([]byte("https://www.googletagmanager.com/"))
	require.True(t, ok)
	assert.Equal(t, "Google Tag Manager", tr.Name)
	assert.Equal(t, uint8(catAnalytics), tr.Category)
}

func FuzzMatchURL(f *testing.F) {
	for _, s := range []string{"https://www.facebook.com/tr", `\\x.googletagmanager.com`, "https://[::1]", "https:", "//a@b:1/"} {
		f.Add(s)
	}
	m := testMatcher(f)
	f.Fuzz(func(t *testing.T, u string) {
		tr, ok := m.MatchURL([]byte(u))
		if ok != (tr != nil) {
			t.Fatalf("ok %v with tracker %v", ok, tr)
		}
		_, _ = m.MatchText([]byte(u), 0)
	})
}

// assertMatch checks a match against the expected tracker name, "" for none.
func assertMatch(t *testing.T, tr *Tracker, ok bool, want string) {
	t.Helper()
	if want == "" {
		assert.False(t, ok)
		assert.Nil(t, tr)
		return
	}
	require.True(t, ok)
	assert.Equal(t, want, tr.Name)
}

// naiveMatchText is MatchText's definition, position by position: at each
// end of a label run, the most specific verified pattern decides.
func naiveMatchText(m *Matcher, text []byte, granted uint64) *Tracker {
	for k := 1; k <= len(text); k++ {
		if k < len(text) && isLabelByte[text[k]] {
			continue
		}
		for i := range m.pats {
			p := &m.pats[i]
			if !verifyText(text, k, p) {
				continue
			}
			if granted&(1<<p.t.Category) == 0 {
				return p.t
			}
			break
		}
	}
	return nil
}

// FuzzMatchTextIndex checks the indexed scan (keyed by the last two
// labels) against the naive definition, with hosts that share last labels,
// short second-level labels and escapes of '/' before hosts.
func FuzzMatchTextIndex(f *testing.F) {
	trackers := append(testTrackers(),
		Tracker{Name: "t.co", URLs: []string{"t.co/i/adsct"}, Category: catMarketing},
		Tracker{Name: "x.co", Hosts: []string{"x.co", "a.x.co"}, Category: catAnalytics},
		Tracker{Name: "2f", Hosts: []string{"2fx.com", "f2f.net"}, Category: catMedia},
		Tracker{Name: "sub", Hosts: []string{"cdn.connect.facebook.net"}, Category: catNecessary},
	)
	m, err := NewMatcher(trackers)
	require.NoError(f, err)
	for _, s := range []string{
		`load("https://www.google-analytics.com/analytics.js")`,
		`"%2Fwww.googletagmanager.com%2Fgtm.js"`, `\x2Fconnect.facebook.net`, `\u002Fsnap.licdn.com/x`,
		`a02Fgoogle-analytics.com`, `x2F2fx.com`, `%2F2fx.com`, `t.co/i/adsct?x`, `xt.co/i/adsct`,
		`cdn.connect.facebook.net/en_US/fbevents.js`, `www.youtube.com.evil.example`, `ANALYTICS.TIKTOK.COM`,
		`https://www.google.com/recaptcha/api.js https://www.google.com/pagead/x`,
	} {
		f.Add(s, uint64(0))
		f.Add(s, uint64(1<<catAnalytics|1<<catNecessary))
	}
	f.Fuzz(func(t *testing.T, text string, granted uint64) {
		want := naiveMatchText(m, []byte(text), granted)
		got, _ := m.MatchText([]byte(text), granted)
		if got != want {
			t.Fatalf("%q granted %b: MatchText %v, definition %v", text, granted, got, want)
		}
	})
}
