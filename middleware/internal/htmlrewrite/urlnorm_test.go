package htmlrewrite

import (
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
)

// Every spelling the URL parser turns into a declared tracker's URL
// matches the declaration; spellings of other URLs do not.
func TestMatchURLSpellings(t *testing.T) {
	m := testMatcher(t)
	for _, tc := range []struct{ in, want string }{
		{"https://WWW.GoogleTagManager.COM/gtm.js", "Google Tag Manager"},
		{"https://www.googletagmanager.com./gtm.js", "Google Tag Manager"},
		{"https://www.googletagmanager.com.../gtm.js", "Google Tag Manager"},
		{"https://www.googletagmanager%2Ecom/gtm.js", "Google Tag Manager"},
		{"https://%77ww.googletagmanager.com/gtm.js", "Google Tag Manager"},
		{"https://www.google\u00adtagmanager.com/gtm.js", "Google Tag Manager"}, // soft hyphen: ignored by UTS 46
		{"https://www.googletagmanager\uff0ecom/gtm.js", "Google Tag Manager"},  // fullwidth full stop
		{"https://www.googletagmanager\u3002com/gtm.js", "Google Tag Manager"},  // ideographic full stop
		{"https://ｗｗｗ.googletagmanager.com/gtm.js", "Google Tag Manager"},       // fullwidth letters
		{"https://www.googletagmanager.%E3%80%82com/gtm.js", ""},                // "..": an empty label, not that host
		{"https://www.googletagmanager%E3%80%82com/gtm.js", "Google Tag Manager"},
		{"https://user:pw@www.googletagmanager.com:443/gtm.js", "Google Tag Manager"},
		{`https:\\www.googletagmanager.com\gtm.js`, "Google Tag Manager"},
		{" \x01https://www.googletagmanager.com/gtm.js \x1f", "Google Tag Manager"},
		{"https://www.facebook.com/./tr?id=1", "Meta Pixel"},
		{"https://www.facebook.com/x/../tr?id=1", "Meta Pixel"},
		{"https://www.facebook.com/x/%2e%2E/tr?id=1", "Meta Pixel"},
		{"https://www.facebook.com/%2e/tr", "Meta Pixel"},
		{`https://www.facebook.com\x\..\tr`, "Meta Pixel"},
		{"https://www.facebook.com/%74r?id=1", "Meta Pixel"},
		{"https://www.facebook.com//tr?id=1", "Meta Pixel"},
		{"https://www.facebook.com/../../tr", "Meta Pixel"},
		{"https://www.facebook.com/tr/../brand.png", ""},
		{"https://www.facebook.com/t%2Fr", ""},
		{"https://www.facebook.com/.tr", ""},
		{"https://www.google.com/recaptcha/../pagead/x", "Google Ads"},
		{"https://www.notgoogletagmanager.com/gtm.js", ""},
		{"https://googletagmanager.com.evil.example/gtm.js", ""},
	} {
		t.Run(tc.in, func(t *testing.T) {
			tr, ok := m.MatchURL([]byte(tc.in))
			if tc.want == "" {
				assert.False(t, ok, "matched %v", tr)
				return
			}
			if assert.True(t, ok) {
				assert.Equal(t, tc.want, tr.Name)
			}
		})
	}
}

func TestNormPath(t *testing.T) {
	for in, want := range map[string]string{
		"":              "/",
		"/":             "/",
		"/a/b":          "/a/b",
		"/a/./b":        "/a/b",
		"/a/../b":       "/b",
		"/../../b":      "/b",
		"/a/b/..":       "/a/",
		"/a/b/.":        "/a/b/",
		`\a\.\b`:        "/a/b",
		"/%2e%2e/x":     "/x",
		"/%41%2f":       "/A%2f",
		"/a//b":         "/a/b",
		"/...":          "/...",
		"/a.b/c.d/./e.": "/a.b/c.d/e.",
	} {
		assert.Equal(t, want, string(normPath(nil, []byte(in))), "%q", in)
	}
}

// FuzzNormURL: the normaliser never panics, never grows a host beyond what
// it was given, and agrees with net/url on the host of plain ASCII URLs.
func FuzzNormURL(f *testing.F) {
	for _, s := range []string{"https://WWW.Example.COM./a/../b", "//a%2Eb.c/x", "https://ｗｗｗ.a.com/", "http://[::1]/", "https://a.b\u00ad.c/%2e%2e/", "https:\\\\a.b\\c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u := []byte(s)
		if hasTabNL(u) {
			u = stripTabNL(nil, u)
		}
		host, path, ok := splitURL(u)
		if !ok {
			return
		}
		h, hok := normHostBytes(nil, host)
		p := normPath(nil, path)
		if !strings.HasPrefix(string(p), "/") {
			t.Fatalf("path %q from %q does not start with /", p, path)
		}
		if strings.Contains(string(p)+"/", "/../") || strings.Contains(string(p)+"/", "/./") {
			t.Fatalf("dot segment left in %q (from %q)", p, path)
		}
		if !hok {
			return
		}
		// Idempotent: a normalised host normalises to itself.
		if utf8.Valid(h) && !strings.Contains(string(h), "%") {
			h2, _ := normHostBytes(nil, h)
			if string(h2) != string(h) && !strings.ContainsRune(string(h), utf8.RuneError) {
				// IDNA may fail on mapped output it rejects; only ASCII must be stable.
				if isASCIIBytes(h) {
					t.Fatalf("host %q normalises to %q", h, h2)
				}
			}
		}
		// On plain lowercase-able ASCII hosts, net/url agrees.
		if isASCIIBytes(host) && !strings.ContainsAny(string(host), "%@:[]\\ \"<>^`{|}") && len(host) > 0 {
			pu, err := url.Parse("https://" + string(host) + "/")
			if err == nil && pu.Hostname() != "" {
				want := strings.TrimRight(strings.ToLower(pu.Hostname()), ".")
				if want != string(h) {
					t.Fatalf("host %q: got %q, net/url %q", host, h, want)
				}
			}
		}
	})
}

func isASCIIBytes(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}
