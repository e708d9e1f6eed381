package store_test

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/consentgate/consent"
	"github.com/consentgate/consent/store"
	"github.com/gorilla/securecookie"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRoundTrip(t *testing.T) {
	p := consent.DefaultPolicy()
	clk := newClock(t0.Add(3 * day))
	tests := []struct {
		name    string
		method  consent.Method
		granted []consent.CategoryID
		want    []consent.CategoryID
	}{
		{"accept all", consent.AcceptAll, p.RefusableCategories(), []consent.CategoryID{
			consent.Essential, consent.Analytics, consent.Functionality, consent.Targeting,
			consent.Tracking, consent.Optimization, consent.Partner,
		}},
		{"reject all", consent.RejectAll, nil, []consent.CategoryID{consent.Essential}},
		{"custom, out of order, essential left out", consent.Custom,
			[]consent.CategoryID{consent.Targeting, consent.Analytics},
			[]consent.CategoryID{consent.Essential, consent.Analytics, consent.Targeting}},
		{"custom with unknown and repeated categories", consent.Custom,
			[]consent.CategoryID{"video", consent.Analytics, consent.Essential, consent.Analytics, "ads"},
			[]consent.CategoryID{consent.Essential, consent.Analytics}},
	}
	for _, keys := range map[string]store.KeyPair{"signed": signOnly, "encrypted": encrypted} {
		codec := newCodec(t, []store.KeyPair{keys}, store.Clock(clk.Now))
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				in := choice(tt.method, tt.granted...)
				in.Given = t0.Add(-10 * day)
				in.Updated = t0
				cookie, err := codec.Encode(p, in)
				require.NoError(t, err)

				got, rotated, err := codec.DecodeValue(cookie.Value, p)
				require.NoError(t, err)
				assert.False(t, rotated)
				assert.True(t, got.Decided())
				assert.Equal(t, in.ID, got.ID)
				assert.Equal(t, consent.DefaultVersion, got.PolicyVersion)
				assert.Equal(t, tt.method, got.Method)
				assert.Equal(t, t0.Add(-10*day), got.Given)
				assert.Equal(t, t0, got.Updated)
				assert.Equal(t, tt.want, got.Granted)
				assert.False(t, got.GPC)
			})
		}
	}
}

func TestRoundTripFollowsThePolicy(t *testing.T) {
	p := consent.DefaultPolicy()
	p.Categories = append(p.Categories, consent.Category{ID: "video", Name: "Embedded videos"})
	codec := newCodec(t, []store.KeyPair{signOnly}, store.Clock(newClock(t0).Now))
	cookie, err := codec.Encode(p, choice(consent.Custom, "video", consent.Analytics))
	require.NoError(t, err)

	got, _, err := codec.DecodeValue(cookie.Value, p)
	require.NoError(t, err)
	assert.Equal(t, []consent.CategoryID{consent.Essential, consent.Analytics, "video"}, got.Granted)

	// The site drops "video" and makes functionality required, same version:
	// the dropped grant disappears, the new required category is added.
	q := consent.DefaultPolicy()
	q.Categories[2].Required = true
	got, _, err = codec.DecodeValue(cookie.Value, q)
	require.NoError(t, err)
	assert.Equal(t, []consent.CategoryID{consent.Essential, consent.Analytics, consent.Functionality}, got.Granted)
	assert.False(t, got.Allowed("video"))
}

func TestTimesAreKeptInSeconds(t *testing.T) {
	p := consent.DefaultPolicy()
	codec := newCodec(t, []store.KeyPair{signOnly}, store.Clock(newClock(t0).Now))
	in := choice(consent.AcceptAll)
	in.Given = t0.Add(-time.Hour + 400*time.Millisecond).In(time.FixedZone("CET", 3600))
	in.Updated = t0.Add(-999 * time.Millisecond)
	cookie, err := codec.Encode(p, in)
	require.NoError(t, err)
	got, _, err := codec.DecodeValue(cookie.Value, p)
	require.NoError(t, err)
	assert.Equal(t, in.Given.Truncate(time.Second).UTC(), got.Given)
	assert.Equal(t, in.Updated.Truncate(time.Second).UTC(), got.Updated)
	assert.Equal(t, time.UTC, got.Given.Location())
}

func TestEncodeRefusesUndecided(t *testing.T) {
	p := consent.DefaultPolicy()
	codec := newCodec(t, []store.KeyPair{signOnly}, store.Clock(newClock(t0).Now))
	tests := []struct {
		name   string
		mutate func(v *consent.Consent)
	}{
		{"undecided", func(v *consent.Consent) { *v = *consent.Undecided(p) }},
		{"no method", func(v *consent.Consent) { v.Method = "" }},
		{"no ID", func(v *consent.Consent) { v.ID = "" }},
		{"no update time", func(v *consent.Consent) { v.Updated = time.Time{} }},
		// A cookie that could never be decoded must not be handed out.
		{"no policy version", func(v *consent.Consent) { v.PolicyVersion = "" }},
		{"no first-decision time", func(v *consent.Consent) { v.Given = time.Time{} }},
		{"first decision after the last", func(v *consent.Consent) { v.Given = v.Updated.Add(time.Hour) }},
		{"unknown method", func(v *consent.Consent) { v.Method = "accept-some" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := choice(consent.Custom, consent.Analytics)
			tt.mutate(v)
			cookie, err := codec.Encode(p, v)
			assert.Error(t, err)
			assert.Nil(t, cookie)
		})
	}
}

func TestCookieAttributes(t *testing.T) {
	p := consent.DefaultPolicy()
	tests := []struct {
		name     string
		opts     []store.CodecOption
		wantName string
		secure   bool
	}{
		{"default", nil, "consent", true},
		{"insecure", []store.CodecOption{store.Insecure()}, "consent", false},
		{"host prefix", []store.CodecOption{store.HostPrefix()}, "__Host-consent", true},
		{"custom name", []store.CodecOption{store.CookieName("cg_choice")}, "cg_choice", true},
		{"custom name with host prefix", []store.CodecOption{store.CookieName("cg"), store.HostPrefix()}, "__Host-cg", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			codec := newCodec(t, []store.KeyPair{signOnly}, append(tt.opts, store.Clock(newClock(t0).Now))...)
			assert.Equal(t, tt.wantName, codec.Name())
			assert.Equal(t, store.DefaultLifetime, codec.Lifetime())
			cookie, err := codec.Encode(p, choice(consent.RejectAll))
			require.NoError(t, err)
			assert.Equal(t, tt.wantName, cookie.Name)
			assert.True(t, cookie.HttpOnly)
			assert.Equal(t, http.SameSiteLaxMode, cookie.SameSite)
			assert.Equal(t, "/", cookie.Path)
			assert.Empty(t, cookie.Domain, "a host-only cookie")
			assert.Equal(t, tt.secure, cookie.Secure)
			require.NoError(t, cookie.Valid())

			// What the browser receives.
			line := cookie.String()
			assert.True(t, strings.HasPrefix(line, tt.wantName+"="))
			for _, attr := range []string{"Path=/", "HttpOnly", "SameSite=Lax", "Max-Age=15552000"} {
				assert.Contains(t, line, "; "+attr)
			}
			assert.Equal(t, tt.secure, strings.Contains(line, "; Secure"))
			assert.NotContains(t, line, "Domain=")
			parsed, err := http.ParseSetCookie(line)
			require.NoError(t, err)
			assert.Equal(t, cookie.Value, parsed.Value)

			// Expire deletes the same cookie.
			gone := codec.Expire()
			assert.Equal(t, tt.wantName, gone.Name)
			assert.Empty(t, gone.Value)
			assert.Equal(t, "/", gone.Path)
			assert.Less(t, gone.MaxAge, 0)
			assert.Equal(t, tt.secure, gone.Secure)
			assert.Contains(t, gone.String(), "Max-Age=0")
		})
	}
}

func TestMaxAgeNeverExtendsConsent(t *testing.T) {
	p := consent.DefaultPolicy()
	clk := newClock(t0)
	codec := newCodec(t, []store.KeyPair{signOnly}, store.Clock(clk.Now))

	cookie, err := codec.Encode(p, choice(consent.AcceptAll, p.RefusableCategories()...))
	require.NoError(t, err)
	assert.Equal(t, int(store.DefaultLifetime/time.Second), cookie.MaxAge)
	assert.Equal(t, t0.Add(store.DefaultLifetime), cookie.Expires)

	// Re-encoding later (after a key rotation, say) keeps the deadline.
	for _, after := range []time.Duration{10 * day, 100 * day, 179 * day, store.DefaultLifetime - time.Second} {
		clk.Set(t0.Add(after))
		v, _, err := codec.DecodeValue(cookie.Value, p)
		require.NoError(t, err)
		again, err := codec.Encode(p, v)
		require.NoError(t, err)
		assert.Equal(t, int((store.DefaultLifetime-after)/time.Second), again.MaxAge, "after %s", after)
		assert.Equal(t, t0.Add(store.DefaultLifetime), again.Expires)
		assert.Equal(t, t0, v.Updated)
	}

	// At the deadline there is nothing left to encode.
	clk.Set(t0.Add(store.DefaultLifetime))
	again, err := codec.Encode(p, choice(consent.AcceptAll))
	assert.ErrorIs(t, err, store.ErrExpired)
	assert.Nil(t, again)

	// A shorter lifetime is followed the same way.
	clk.Set(t0.Add(2 * day))
	short := newCodec(t, []store.KeyPair{signOnly}, store.Lifetime(30*day), store.Clock(clk.Now))
	assert.Equal(t, 30*day, short.Lifetime())
	cookie, err = short.Encode(p, choice(consent.RejectAll))
	require.NoError(t, err)
	assert.Equal(t, int((28*day)/time.Second), cookie.MaxAge)
}

func TestCookieSize(t *testing.T) {
	p := consent.DefaultPolicy()
	codec := newCodec(t, []store.KeyPair{{Hash: key(1, 64), Block: key(2, 32)}}, store.HostPrefix(), store.Clock(newClock(t0).Now))
	v := choice(consent.AcceptAll, p.RefusableCategories()...)
	v.ID = store.NewID()
	cookie, err := codec.Encode(p, v)
	require.NoError(t, err)
	line := cookie.String()
	t.Logf("Set-Cookie: %s (%d bytes)", line, len(line))
	assert.Less(t, len(line), 1024)
}

func TestDecodeFailures(t *testing.T) {
	p := consent.DefaultPolicy()
	clk := newClock(t0)
	codec := newCodec(t, []store.KeyPair{encrypted}, store.Clock(clk.Now))
	cookie, err := codec.Encode(p, choice(consent.AcceptAll, p.RefusableCategories()...))
	require.NoError(t, err)
	good := cookie.Value

	flip := func(s string, at int) string {
		b := []byte(s)
		if b[at] == 'A' {
			b[at] = 'B'
		} else {
			b[at] = 'A'
		}
		return string(b)
	}
	other := newCodec(t, []store.KeyPair{newPair}, store.Clock(clk.Now))
	otherCookie, err := other.Encode(p, choice(consent.AcceptAll))
	require.NoError(t, err)
	renamed := newCodec(t, []store.KeyPair{encrypted}, store.CookieName("choice"), store.Clock(clk.Now))
	renamedCookie, err := renamed.Encode(p, choice(consent.AcceptAll))
	require.NoError(t, err)

	tests := []struct {
		name   string
		value  string
		now    time.Time
		policy *consent.Policy
		want   error
	}{
		{"genuine", good, t0, p, nil},
		{"tampered at the start", flip(good, 0), t0, p, store.ErrInvalid},
		{"tampered in the middle", flip(good, len(good)/2), t0, p, store.ErrInvalid},
		{"tampered near the end", flip(good, len(good)-8), t0, p, store.ErrInvalid},
		{"truncated", good[:len(good)-10], t0, p, store.ErrInvalid},
		{"doubled", good + good, t0, p, store.ErrInvalid},
		{"signed with another key", otherCookie.Value, t0, p, store.ErrInvalid},
		{"made for another cookie name", renamedCookie.Value, t0, p, store.ErrInvalid},
		{"empty", "", t0, p, store.ErrInvalid},
		{"garbage", "garbage", t0, p, store.ErrInvalid},
		{"quoted", `"quoted"`, t0, p, store.ErrInvalid},
		{"pipes", base64.URLEncoding.EncodeToString([]byte("1|2|3")), t0, p, store.ErrInvalid},
		{"JSON", `{"i":"x","v":"1","m":"accept-all"}`, t0, p, store.ErrInvalid},
		{"at the size limit", strings.Repeat("A", store.MaxCookieBytes), t0, p, store.ErrInvalid},
		{"oversized", strings.Repeat("A", store.MaxCookieBytes+1), t0, p, store.ErrTooLarge},
		{"oversized genuine prefix", good + strings.Repeat("=", store.MaxCookieBytes), t0, p, store.ErrTooLarge},
		{"one second before expiry", good, t0.Add(store.DefaultLifetime - time.Second), p, nil},
		{"expired", good, t0.Add(store.DefaultLifetime), p, store.ErrExpired},
		{"long expired", good, t0.Add(3 * store.DefaultLifetime), p, store.ErrExpired},
		{"from the future (clock skew under a minute)", good, t0.Add(-59 * time.Second), p, nil},
		{"from the future", good, t0.Add(-2 * time.Minute), p, store.ErrInvalid},
		{"material revision since", good, t0, revised(true), store.ErrStalePolicy},
		{"non-material revision since", good, t0, revised(false), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk.Set(tt.now)
			v, rotated, err := codec.DecodeValue(tt.value, tt.policy)
			assert.False(t, rotated)
			if tt.want == nil {
				require.NoError(t, err)
				require.NotNil(t, v)
				assert.True(t, v.Decided())
				assert.Equal(t, consent.DefaultVersion, v.PolicyVersion)
				return
			}
			require.ErrorIs(t, err, tt.want)
			assert.Nil(t, v, "a decode error never comes with consent")
		})
	}
}

// TestDecodeSignedButMalformed forges payloads with the codec's own key (as a
// bug in an older version might have written them): well signed, but not a
// consent the codec would have made.
func TestDecodeSignedButMalformed(t *testing.T) {
	p := consent.DefaultPolicy()
	codec := newCodec(t, []store.KeyPair{signOnly}, store.Clock(newClock(t0).Now))
	forger := securecookie.New(signOnly.Hash, nil)
	forger.SetSerializer(securecookie.JSONEncoder{})
	sign := func(payload map[string]any) string {
		v, err := forger.Encode(store.DefaultCookieName, payload)
		require.NoError(t, err)
		return v
	}
	base := func() map[string]any {
		return map[string]any{"i": "abc", "v": "1", "g": []string{"analytics"}, "m": "custom", "f": t0.Unix(), "u": t0.Unix()}
	}

	v, _, err := codec.DecodeValue(sign(base()), p)
	require.NoError(t, err, "the forged format matches the codec's")
	assert.Equal(t, []consent.CategoryID{consent.Essential, consent.Analytics}, v.Granted)

	tests := []struct {
		name   string
		mutate func(m map[string]any)
	}{
		{"no ID", func(m map[string]any) { delete(m, "i") }},
		{"no version", func(m map[string]any) { m["v"] = "" }},
		{"no method", func(m map[string]any) { delete(m, "m") }},
		{"unknown method", func(m map[string]any) { m["m"] = "accept-some" }},
		{"no update time", func(m map[string]any) { delete(m, "u") }},
		{"no first-decision time", func(m map[string]any) { m["f"] = 0 }},
		{"first decision after the last", func(m map[string]any) { m["f"] = t0.Unix() + 1 }},
		{"wrong types", func(m map[string]any) { m["g"] = "analytics" }},
		{"not an object", func(m map[string]any) { clear(m) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := base()
			tt.mutate(m)
			v, _, err := codec.DecodeValue(sign(m), p)
			assert.ErrorIs(t, err, store.ErrInvalid)
			assert.Nil(t, v)
		})
	}
}

func TestDecodeChecksTimeAndPolicyEveryTime(t *testing.T) {
	// A cookie that decoded once is not trusted for longer than its lifetime
	// or under a policy that has since replaced its version.
	p := consent.DefaultPolicy()
	clk := newClock(t0)
	codec := newCodec(t, []store.KeyPair{encrypted}, store.Clock(clk.Now))
	cookie, err := codec.Encode(p, choice(consent.AcceptAll))
	require.NoError(t, err)

	for range 3 {
		_, _, err = codec.DecodeValue(cookie.Value, p)
		require.NoError(t, err)
	}
	_, _, err = codec.DecodeValue(cookie.Value, revised(true))
	assert.ErrorIs(t, err, store.ErrStalePolicy)
	clk.Set(t0.Add(store.DefaultLifetime))
	_, _, err = codec.DecodeValue(cookie.Value, p)
	assert.ErrorIs(t, err, store.ErrExpired)
	clk.Set(t0)
	_, _, err = codec.DecodeValue(cookie.Value, p)
	assert.NoError(t, err)
}

func TestDecodeConcurrently(t *testing.T) {
	p := consent.DefaultPolicy()
	codec := newCodec(t, []store.KeyPair{newPair, oldPair}, store.Clock(newClock(t0).Now))
	oldCodec := newCodec(t, []store.KeyPair{oldPair}, store.Clock(newClock(t0).Now))
	var values []string
	for i := range 20 {
		enc := codec
		if i%2 == 1 {
			enc = oldCodec
		}
		v := choice(consent.Custom, consent.Analytics)
		v.ID = store.NewID()
		c, err := enc.Encode(p, v)
		require.NoError(t, err)
		values = append(values, c.Value)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				k := (g + i) % len(values)
				v, rotated, err := codec.DecodeValue(values[k], p)
				if !assert.NoError(t, err) {
					return
				}
				assert.Equal(t, k%2 == 1, rotated)
				assert.True(t, v.Allowed(consent.Analytics))
				_, _, err = codec.DecodeValue(values[k][1:], p)
				assert.ErrorIs(t, err, store.ErrInvalid)
			}
		})
	}
	wg.Wait()
}

func TestKeyRotation(t *testing.T) {
	p := consent.DefaultPolicy()
	clk := newClock(t0)
	before := newCodec(t, []store.KeyPair{oldPair}, store.Clock(clk.Now))
	during := newCodec(t, []store.KeyPair{newPair, oldPair}, store.Clock(clk.Now))
	after := newCodec(t, []store.KeyPair{newPair}, store.Clock(clk.Now))

	oldCookie, err := before.Encode(p, choice(consent.Custom, consent.Analytics))
	require.NoError(t, err)

	clk.Set(t0.Add(day))
	v, rotated, err := during.DecodeValue(oldCookie.Value, p)
	require.NoError(t, err)
	assert.True(t, rotated, "signed with an older key: re-encode it")
	assert.True(t, v.Allowed(consent.Analytics))

	newCookie, err := during.Encode(p, v)
	require.NoError(t, err)
	assert.NotEqual(t, oldCookie.Value, newCookie.Value)
	assert.Less(t, newCookie.MaxAge, oldCookie.MaxAge, "re-encoding keeps the deadline")
	v2, rotated, err := during.DecodeValue(newCookie.Value, p)
	require.NoError(t, err)
	assert.False(t, rotated)
	assert.Equal(t, v, v2)

	// Once the old key is removed, its cookies are worthless.
	_, _, err = after.DecodeValue(oldCookie.Value, p)
	assert.ErrorIs(t, err, store.ErrInvalid)
	_, rotated, err = after.DecodeValue(newCookie.Value, p)
	assert.NoError(t, err)
	assert.False(t, rotated)

	// The old codec does not read cookies signed with the new key.
	_, _, err = before.DecodeValue(newCookie.Value, p)
	assert.ErrorIs(t, err, store.ErrInvalid)
}

// innerPayload peels securecookie's layers: base64(date|value|mac), where
// value is base64 of the (possibly encrypted) serialized consent.
func innerPayload(t *testing.T, value string) []byte {
	t.Helper()
	outer, err := base64.URLEncoding.DecodeString(value)
	require.NoError(t, err)
	parts := bytes.SplitN(outer, []byte("|"), 3)
	require.Len(t, parts, 3)
	inner, err := base64.URLEncoding.DecodeString(string(parts[1]))
	require.NoError(t, err)
	return inner
}

func TestEncryption(t *testing.T) {
	p := consent.DefaultPolicy()
	granted := []consent.CategoryID{consent.Analytics, consent.Targeting, consent.Partner}

	sealed := newCodec(t, []store.KeyPair{encrypted}, store.Clock(newClock(t0).Now))
	c, err := sealed.Encode(p, choice(consent.Custom, granted...))
	require.NoError(t, err)
	inner := innerPayload(t, c.Value)
	for _, word := range []string{"analytics", "targeting", "partner", "custom", "9f86d081884c7d659a2feaa0c55ad015"} {
		assert.NotContains(t, string(inner), word)
		assert.NotContains(t, c.Value, word)
	}
	v, _, err := sealed.DecodeValue(c.Value, p)
	require.NoError(t, err)
	assert.True(t, v.Allowed(consent.Partner))

	// Without a block key the cookie is readable but still signed.
	signed := newCodec(t, []store.KeyPair{signOnly}, store.Clock(newClock(t0).Now))
	c, err = signed.Encode(p, choice(consent.Custom, granted...))
	require.NoError(t, err)
	inner = innerPayload(t, c.Value)
	for _, word := range []string{"analytics", "targeting", "partner", "custom"} {
		assert.Contains(t, string(inner), word)
	}
	assert.NotContains(t, string(inner), "essential", "required categories are not stored")
	v, _, err = signed.DecodeValue(c.Value, p)
	require.NoError(t, err)
	assert.True(t, v.Allowed(consent.Partner))

	// Neither codec reads the other's cookie.
	_, _, err = sealed.DecodeValue(c.Value, p)
	assert.ErrorIs(t, err, store.ErrInvalid)
}

func TestNewCodecErrors(t *testing.T) {
	tests := []struct {
		name  string
		keys  []store.KeyPair
		opts  []store.CodecOption
		badKy bool
		msg   string
	}{
		{"no keys", nil, nil, true, "no key pair"},
		{"empty key list", []store.KeyPair{}, nil, true, "no key pair"},
		{"hash 16 bytes", []store.KeyPair{{Hash: key(1, 16)}}, nil, true, "keys[0].Hash is 16 bytes"},
		{"second hash 31 bytes", []store.KeyPair{signOnly, {Hash: key(1, 31)}}, nil, true, "keys[1].Hash is 31 bytes"},
		{"no hash", []store.KeyPair{{Block: key(2, 32)}}, nil, true, "keys[0].Hash is 0 bytes"},
		{"block 20 bytes", []store.KeyPair{{Hash: key(1, 32), Block: key(2, 20)}}, nil, true, "keys[0].Block is 20 bytes"},
		{"third block 33 bytes", []store.KeyPair{signOnly, encrypted, {Hash: key(1, 64), Block: key(2, 33)}}, nil, true, "keys[2].Block is 33 bytes"},
		{"empty cookie name", []store.KeyPair{signOnly}, []store.CodecOption{store.CookieName("")}, false, "CookieName"},
		{"cookie name with a space", []store.KeyPair{signOnly}, []store.CodecOption{store.CookieName("my consent")}, false, "CookieName"},
		{"cookie name with a semicolon", []store.KeyPair{signOnly}, []store.CodecOption{store.CookieName("a;b")}, false, "CookieName"},
		{"cookie name with an equals sign", []store.KeyPair{signOnly}, []store.CodecOption{store.CookieName("a=b")}, false, "CookieName"},
		{"lifetime under a minute", []store.KeyPair{signOnly}, []store.CodecOption{store.Lifetime(59 * time.Second)}, false, "Lifetime"},
		{"negative lifetime", []store.KeyPair{signOnly}, []store.CodecOption{store.Lifetime(-day)}, false, "Lifetime"},
		{"host prefix over plain HTTP", []store.KeyPair{signOnly}, []store.CodecOption{store.HostPrefix(), store.Insecure()}, false, "HostPrefix"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := store.NewCodec(tt.keys, tt.opts...)
			require.Error(t, err)
			assert.Nil(t, c)
			assert.Contains(t, err.Error(), tt.msg)
			if tt.badKy {
				assert.ErrorIs(t, err, store.ErrBadKey)
			} else {
				assert.NotErrorIs(t, err, store.ErrBadKey)
			}
		})
	}

	t.Run("accepted sizes", func(t *testing.T) {
		for _, hash := range []int{32, 64} {
			for _, block := range []int{0, 16, 24, 32} {
				_, err := store.NewCodec([]store.KeyPair{{Hash: key(1, hash), Block: key(2, block)}})
				assert.NoError(t, err, "hash %d, block %d", hash, block)
			}
		}
		_, err := store.NewCodec([]store.KeyPair{signOnly}, store.Lifetime(time.Minute))
		assert.NoError(t, err)
	})
}

func TestDecodeFromRequest(t *testing.T) {
	p := consent.DefaultPolicy()
	clk := newClock(t0)
	plain := newCodec(t, []store.KeyPair{encrypted}, store.Clock(clk.Now))
	prefixed := newCodec(t, []store.KeyPair{encrypted}, store.HostPrefix(), store.Clock(clk.Now))

	plainCookie, err := plain.Encode(p, choice(consent.Custom, consent.Functionality))
	require.NoError(t, err)
	prefixedCookie, err := prefixed.Encode(p, choice(consent.AcceptAll, p.RefusableCategories()...))
	require.NoError(t, err)

	request := func(lines ...string) *http.Request {
		r := httptest.NewRequest(http.MethodGet, "https://shop.example/", nil)
		for _, l := range lines {
			r.Header.Add("Cookie", l)
		}
		return r
	}

	t.Run("no cookie", func(t *testing.T) {
		for _, r := range []*http.Request{
			request(),
			request("_ga=GA1.2.3.4; lang=en"),
			request("consent_old=" + plainCookie.Value + "; xconsent=" + plainCookie.Value),
			request("consent"),
		} {
			v, rotated, err := plain.Decode(r, p)
			assert.ErrorIs(t, err, store.ErrNoCookie)
			assert.Nil(t, v)
			assert.False(t, rotated)
		}
	})

	t.Run("among many cookies", func(t *testing.T) {
		r := request("_ga=GA1.2.3.4; _gid=GA1.2.5.6", "lang=en; consent="+plainCookie.Value+"; cart=42; __Host-consent="+prefixedCookie.Value)
		v, _, err := plain.Decode(r, p)
		require.NoError(t, err)
		assert.Equal(t, consent.Custom, v.Method)
		assert.True(t, v.Allowed(consent.Functionality))

		v, _, err = prefixed.Decode(r, p)
		require.NoError(t, err)
		assert.Equal(t, consent.AcceptAll, v.Method)
	})

	t.Run("with AddCookie", func(t *testing.T) {
		r := request()
		r.AddCookie(&http.Cookie{Name: "session", Value: "s3cr3t"})
		r.AddCookie(&http.Cookie{Name: plainCookie.Name, Value: plainCookie.Value})
		v, _, err := plain.Decode(r, p)
		require.NoError(t, err)
		assert.True(t, v.Allowed(consent.Functionality))
	})

	t.Run("quoted value", func(t *testing.T) {
		v, _, err := plain.Decode(request(`consent="`+plainCookie.Value+`"`), p)
		require.NoError(t, err)
		assert.True(t, v.Allowed(consent.Functionality))
	})

	t.Run("under the other name", func(t *testing.T) {
		// A plain cookie is not read by the __Host- codec and vice versa.
		_, _, err := prefixed.Decode(request("consent="+plainCookie.Value), p)
		assert.ErrorIs(t, err, store.ErrNoCookie)
		_, _, err = plain.Decode(request("__Host-consent="+prefixedCookie.Value), p)
		assert.ErrorIs(t, err, store.ErrNoCookie)
		// Renaming the cookie does not help: the name is signed too.
		_, _, err = prefixed.Decode(request("__Host-consent="+plainCookie.Value), p)
		assert.ErrorIs(t, err, store.ErrInvalid)
		_, _, err = plain.Decode(request("consent="+prefixedCookie.Value), p)
		assert.ErrorIs(t, err, store.ErrInvalid)
	})

	t.Run("sent twice", func(t *testing.T) {
		// One copy was planted (cookie tossing): which is the visitor's
		// cannot be told, so neither counts, even when both are genuine.
		twice := request("consent=" + plainCookie.Value + "; consent=" + plainCookie.Value)
		v, _, err := plain.Decode(twice, p)
		assert.ErrorIs(t, err, store.ErrDuplicate)
		assert.Nil(t, v)
		assert.True(t, plain.Duplicated(twice))
		lines := request("consent=" + plainCookie.Value)
		lines.Header.Add("Cookie", "consent=other")
		_, _, err = plain.Decode(lines, p)
		assert.ErrorIs(t, err, store.ErrDuplicate, "across Cookie header lines too")
		assert.False(t, plain.Duplicated(request("consent="+plainCookie.Value+"; __Host-consent=x")))
	})

	t.Run("tampered cookie in a request", func(t *testing.T) {
		v, _, err := plain.Decode(request("consent="+plainCookie.Value[:40]), p)
		assert.ErrorIs(t, err, store.ErrInvalid)
		assert.Nil(t, v)
	})
}

func TestNewID(t *testing.T) {
	seen := make(map[string]bool)
	for range 100 {
		id := store.NewID()
		assert.Len(t, id, 32)
		assert.Equal(t, strings.ToLower(id), id)
		assert.NotContains(t, seen, id)
		seen[id] = true
	}
}

func TestGrants(t *testing.T) {
	p := consent.DefaultPolicy()
	assert.Equal(t, []consent.CategoryID{consent.Essential}, store.Grants(p, nil))
	assert.Equal(t, []consent.CategoryID{consent.Essential, consent.Analytics, consent.Partner},
		store.Grants(p, []consent.CategoryID{consent.Partner, "nope", consent.Analytics, consent.Partner}))
}
