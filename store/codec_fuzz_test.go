package store_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/consentgate/consent"
	"github.com/consentgate/consent/store"
	"github.com/stretchr/testify/require"
)

// FuzzDecodeValue decodes arbitrary cookie values, directly and from a
// request's Cookie header. Nothing panics, and the only inputs that yield a
// consent are the genuine cookies made below (or encodings that carry the
// very same signed bytes); every failure is one of the documented errors and
// comes without consent. A decoded consent is current for the policy and
// grants its required categories.
func FuzzDecodeValue(f *testing.F) {
	p := consent.DefaultPolicy()
	now := func() time.Time { return t0 }

	type genuine struct {
		codec *store.Codec
		want  *consent.Consent
	}
	var codecs []genuine
	var seeds []string
	for i, keys := range [][]store.KeyPair{{signOnly}, {encrypted}, {newPair, oldPair}} {
		codec := newCodec(f, keys, store.Clock(now))
		v := choice(consent.Custom, consent.Analytics, consent.Partner)
		v.ID = strings.Repeat(string(rune('a'+i)), 32)
		cookie, err := codec.Encode(p, v)
		require.NoError(f, err)
		want, _, err := codec.DecodeValue(cookie.Value, p)
		require.NoError(f, err)
		codecs = append(codecs, genuine{codec, want})
		seeds = append(seeds, cookie.Value)
	}
	// A cookie of the old key, which the rotating codec accepts.
	old, err := newCodec(f, []store.KeyPair{oldPair}, store.Clock(now)).Encode(p, codecs[2].want)
	require.NoError(f, err)
	seeds = append(seeds, old.Value)

	real := seeds[1]
	seeds = append(seeds, []string{
		real[:len(real)/2], real[:len(real)-1], real[1:], real + "A", `"` + real + `"`,
		strings.ToUpper(real), strings.Replace(real, "=", "", -1), real[:20] + "\n" + real[20:],
		"", `"quoted"`, "garbage", "||", "MTc5NTg4NzA0OXx8", strings.Repeat("A", store.MaxCookieBytes+1),
		strings.Repeat("=", 5000), "\x00\xff",
	}...)
	for i := 0; i < len(real); i += len(real) / 8 {
		b := []byte(real)
		b[i] ^= 1
		seeds = append(seeds, string(b))
	}
	for _, s := range seeds {
		f.Add(s)
	}

	known := []error{store.ErrInvalid, store.ErrTooLarge, store.ErrExpired, store.ErrStalePolicy}
	f.Fuzz(func(t *testing.T, raw string) {
		for _, g := range codecs {
			check := func(v *consent.Consent, rotated bool, err error) {
				if err != nil {
					require.Nil(t, v)
					require.False(t, rotated)
					require.True(t, slices.ContainsFunc(known, func(e error) bool { return errors.Is(err, e) }), "unexpected error %v", err)
					return
				}
				require.Equal(t, g.want, v, "consent from an input the codec did not make: %q", raw)
				require.True(t, p.CurrentFor(v.PolicyVersion))
				for _, id := range p.RequiredCategories() {
					require.True(t, v.Allowed(id))
				}
			}
			check(g.codec.DecodeValue(raw, p))

			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.Header.Set("Cookie", "lang=en; "+g.codec.Name()+"="+raw)
			v, rotated, err := g.codec.Decode(r, p)
			if errors.Is(err, store.ErrNoCookie) {
				continue
			}
			check(v, rotated, err)
		}
	})
}
