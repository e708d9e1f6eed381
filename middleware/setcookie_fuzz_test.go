package middleware

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/consentgate/consent"
	"github.com/stretchr/testify/require"
)

// FuzzSetCookieFilter filters random Set-Cookie lines, under random header
// key spellings, for a random consent: a kept line is one of the handler's,
// unchanged and in order, and is either allowed for the visitor or deletes
// its cookie; a dropped line is malformed, refused, or the consent
// cookie's; the consent is never changed.
func FuzzSetCookieFilter(f *testing.F) {
	f.Add("_ga=GA1.1.1; Path=/; Max-Age=63072000\nsession=abc; HttpOnly\n_fbp=1; Max-Age=-1", "Set-Cookie", uint8(0))
	f.Add("consent=forged; Path=/\n=novalue\n;;;\nbad name=1\nlang=de; Expires=Thu, 01 Jan 1970 00:00:00 GMT", "set-cookie", uint8(3))
	f.Add("_hjSessionUser_1=x; Domain=.example.com\n_ga_ABC=1\nshop_ab=b\n\"quoted\"=1", "SET-COOKIE", uint8(0xff))
	f.Add("a=\x00\nb=\r\n c=1\n"+strings.Repeat("x", 5000)+"=1", "Set-Cookie", uint8(1))
	m, _ := newTestMiddleware(f)
	categories := m.policy.Categories
	f.Fuzz(func(t *testing.T, lines, key string, grants uint8) {
		if len(key) != len("Set-Cookie") || !strings.EqualFold(key, "Set-Cookie") {
			key = "Set-Cookie"
		}
		v := &consent.Consent{Method: consent.Custom}
		for i, c := range categories {
			if c.Required || grants&(1<<(i%8)) != 0 {
				v.Granted = append(v.Granted, c.ID)
			}
		}
		granted := slices.Clone(v.Granted)
		in := strings.Split(lines, "\n")
		h := http.Header{key: slices.Clone(in)}
		m.filterSetCookies(h, v, "/fuzz")

		require.Equal(t, granted, v.Granted, "the consent is not changed")
		kept := h[key]
		require.LessOrEqual(t, len(kept), len(in))
		if len(kept) == 0 {
			require.NotContains(t, h, key, "an emptied header is removed")
		}
		next := 0
		for _, line := range kept {
			// An unchanged line of the handler's, in order.
			i := slices.Index(in[next:], line)
			require.GreaterOrEqual(t, i, 0, "kept line %q was not the handler's", line)
			next += i + 1
			c, err := http.ParseSetCookie(line)
			require.NoError(t, err, "a malformed line is never kept")
			require.NotEqual(t, m.codec.Name(), c.Name, "a handler cannot set the consent cookie")
			allowed, _ := m.cookieAllowed(c.Name, v)
			require.True(t, allowed || deletes(line, m.now()), "kept %q against the visitor's consent", line)
		}
		// Every line the visitor allows is kept.
		for _, line := range in {
			c, err := http.ParseSetCookie(line)
			if err != nil || c.Name == m.codec.Name() {
				continue
			}
			if allowed, _ := m.cookieAllowed(c.Name, v); allowed || deletes(line, m.now()) {
				require.Contains(t, kept, line)
			}
		}
		inv := m.Inventory()
		require.LessOrEqual(t, len(inv.Cookies), MaxInventoryCookies)
	})
}
