package middleware

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/consentgate/consent"
	"github.com/consentgate/consent/store"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// FuzzConsentForm posts arbitrary bodies to the consent endpoint. Whatever
// arrives, the endpoint never fails with a 5xx, and it records consent only
// for a well-formed form, granting exactly what that form asked for.
func FuzzConsentForm(f *testing.F) {
	for _, seed := range []string{
		"action=accept-all", "action=reject-all", "action=save&category=analytics",
		"action=save&category=analytics&category=targeting&return=/x",
		"action=save&category=nope", "action=accept-all&action=save", "action=%zz",
		"action=save&category=essential", "category=analytics", "", "action=save&category=",
		"action=accept-all&return=//evil.example", "action=save;category=analytics", "\x00=\xff",
	} {
		f.Add(seed, false)
		f.Add(seed, true)
	}
	m, _ := newTestMiddleware(f)
	h := m.Handler(http.NotFoundHandler())
	f.Fuzz(func(t *testing.T, body string, multipart bool) {
		req := httptest.NewRequest(http.MethodPost, "/consent", strings.NewReader(body))
		if multipart {
			req.Header.Set("Content-Type", "multipart/form-data; boundary=X")
		} else {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		require.Less(t, rec.Code, 500)
		if rec.Code != http.StatusSeeOther {
			require.Equal(t, http.StatusBadRequest, rec.Code)
			require.Empty(t, rec.Header().Values("Set-Cookie"), "a refused form records nothing")
			return
		}
		loc := rec.Header().Get("Location")
		require.Equal(t, loc, SafeReturn(loc))

		var cookie *http.Cookie
		for _, c := range rec.Result().Cookies() {
			if c.Name == "consent" {
				cookie = c
			}
		}
		require.NotNil(t, cookie)
		v, _, err := m.codec.DecodeValue(cookie.Value, m.policy)
		require.NoError(t, err)

		if multipart {
			return // the standard library parsed it; the urlencoded branch checks the mapping
		}
		form, err := url.ParseQuery(body)
		require.NoError(t, err, "a form accepted by the endpoint parses")
		require.Len(t, form["action"], 1)
		var want []consent.CategoryID
		switch form.Get("action") {
		case "accept-all":
			want = store.Grants(m.policy, m.policy.RefusableCategories())
		case "reject-all":
			want = store.Grants(m.policy, nil)
		case "save":
			var asked []consent.CategoryID
			for _, c := range form["category"] {
				asked = append(asked, consent.CategoryID(c))
			}
			want = store.Grants(m.policy, asked)
		default:
			t.Fatalf("consent recorded for action %q", form.Get("action"))
		}
		assert.True(t, slices.Equal(want, v.Granted), "granted %v, asked %v", v.Granted, want)
	})
}

// FuzzSafeReturn checks that an accepted return path can only lead to this
// site: read as a URL reference against https://site.example/, it never
// leaves the site.
func FuzzSafeReturn(f *testing.F) {
	for _, seed := range []string{"/", "/a?b=c#d", "//evil", "/\\evil", "https://x", "/%2F/x", "/\t/x", "/.//x", " /x", "/x\x00"} {
		f.Add(seed)
	}
	base, _ := url.Parse("https://site.example/")
	f.Fuzz(func(t *testing.T, in string) {
		out := SafeReturn(in)
		if out == "/" {
			return
		}
		require.Equal(t, in, out, "a path is returned as it came or replaced by /")
		ref, err := url.Parse(out)
		if err != nil {
			return // browsers get no usable URL out of it either; http.Header keeps it one line
		}
		got := base.ResolveReference(ref)
		require.Equal(t, "site.example", got.Host, "%q leaves the site", in)
		require.Equal(t, "https", got.Scheme)
		require.False(t, strings.ContainsAny(out, "\r\n\\"))
	})
}
