package store_test

import (
	"crypto/sha256"
	"encoding/hex"
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

func TestPseudonymizerTruncatesIPs(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"198.51.100.77", "198.51.100.0/24"},
		{"198.51.100.77:5555", "198.51.100.0/24"},
		{"[::ffff:198.51.100.77]:80", "198.51.100.0/24"},
		{"2001:db8:abcd:12:1::5", "2001:db8:abcd::/48"},
		{"[2001:db8:abcd:ffff::1]:443", "2001:db8:abcd::/48"},
		{"fe80::1%eth0", "fe80::/48"},
		{"::1", "::/48"},
		{"", ""},
		{"not-an-ip", ""},
		{"@", ""},
	} {
		t.Run(c.in, func(t *testing.T) {
			assert.Equal(t, c.want, (*store.Pseudonymizer)(nil).IP(c.in))
			ps, err := store.NewPseudonymizer(store.PseudonymConfig{})
			require.NoError(t, err)
			assert.Equal(t, c.want, ps.IP(c.in))
		})
	}
}

func TestPseudonymizerHashesIPs(t *testing.T) {
	a, err := store.NewPseudonymizer(store.PseudonymConfig{IP: store.IPHash, Key: key(0x61, 32)})
	require.NoError(t, err)
	b, err := store.NewPseudonymizer(store.PseudonymConfig{IP: store.IPHash, Key: key(0x62, 32)})
	require.NoError(t, err)

	h := a.IP("198.51.100.77")
	require.True(t, strings.HasPrefix(h, "hmac-sha256:"), h)
	assert.Len(t, h, len("hmac-sha256:")+64)
	assert.Equal(t, h, a.IP("198.51.100.77:1234"), "stable: the port does not count")
	assert.Equal(t, h, a.IP("::ffff:198.51.100.77"), "stable: one client, one value")
	assert.NotEqual(t, h, a.IP("198.51.100.78"), "the whole address counts")
	assert.NotEqual(t, h, b.IP("198.51.100.77"), "another key, another hash")
	sum := sha256.Sum256([]byte("198.51.100.77"))
	assert.NotContains(t, h, hex.EncodeToString(sum[:]), "keyed, not a plain hash anyone can recompute")
	assert.Empty(t, a.IP("garbage"))
}

func TestPseudonymizerHashesUserAgent(t *testing.T) {
	const ua = "Mozilla/5.0 Test"
	sum := sha256.Sum256([]byte(ua))
	assert.Equal(t, hex.EncodeToString(sum[:]), (*store.Pseudonymizer)(nil).UserAgent(ua), "no key: plain SHA-256")
	keyed, err := store.NewPseudonymizer(store.PseudonymConfig{Key: key(0x63, 32)})
	require.NoError(t, err)
	assert.NotEqual(t, hex.EncodeToString(sum[:]), keyed.UserAgent(ua), "with a key: HMAC")
	assert.Equal(t, keyed.UserAgent(ua), keyed.UserAgent(ua))
	assert.Len(t, keyed.UserAgent(ua), 64)
	assert.Empty(t, keyed.UserAgent(""))
	assert.Equal(t, "198.51.100.0/24", keyed.IP("198.51.100.1"), "a key alone does not switch to hashing IPs")
}

func TestNewPseudonymizerChecksConfig(t *testing.T) {
	for _, c := range []struct {
		name string
		cfg  store.PseudonymConfig
	}{
		{"IPHash without key", store.PseudonymConfig{IP: store.IPHash}},
		{"short key", store.PseudonymConfig{IP: store.IPHash, Key: key(1, 16)}},
		{"unknown mode", store.PseudonymConfig{IP: 7}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := store.NewPseudonymizer(c.cfg)
			require.ErrorIs(t, err, store.ErrBadKey)
		})
	}
}

// decisionRequest is a consent form POST as the endpoint sees it after
// parsing the form.
func decisionRequest(form url.Values, header map[string]string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/consent", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		r.Header.Set(k, v)
	}
	_ = r.ParseForm()
	return r
}

func TestNewRecord(t *testing.T) {
	p := consent.DefaultPolicy()
	v := &consent.Consent{
		ID: "9f86d081884c7d659a2feaa0c55ad015", PolicyVersion: p.Version, Method: consent.Custom,
		Granted: []consent.CategoryID{consent.Essential, consent.Analytics}, Given: t0.Add(-day), Updated: t0, GPC: true,
	}
	r := decisionRequest(url.Values{"action": {"save"}, "return": {"/shop/cart?coupon=alice@example.com#top"}},
		map[string]string{"User-Agent": "UA", "Accept": "application/json"})
	r.RemoteAddr = "192.0.2.200:40000"

	rec := store.NewRecord(r, p, v, store.ActionCustom, "fr", nil)
	assert.Len(t, rec.RequestID, 32)
	assert.Equal(t, v.ID, rec.ConsentID)
	assert.Equal(t, t0, rec.Time)
	assert.Equal(t, p.Version, rec.PolicyVersion)
	assert.Equal(t, store.ActionCustom, rec.Action)
	assert.Equal(t, store.ChannelScript, rec.Channel)
	assert.Equal(t, "fr", rec.Language)
	assert.Equal(t, v.Granted, rec.Granted)
	assert.Equal(t, slices.DeleteFunc(p.RefusableCategories(), func(id consent.CategoryID) bool { return id == consent.Analytics }), rec.Refused)
	assert.Contains(t, rec.Refused, consent.Targeting)
	assert.True(t, rec.GPC)
	assert.Equal(t, "192.0.2.0/24", rec.IP)
	assert.Len(t, rec.UserAgentHash, 64)
	assert.Equal(t, "/shop/cart", rec.Path, "query and fragment can carry personal data")

	rec.Granted[0] = "changed"
	assert.Equal(t, consent.Essential, v.Granted[0], "the record owns its slices")
	assert.NotEqual(t, rec.RequestID, store.NewRecord(r, p, v, store.ActionCustom, "fr", nil).RequestID, "random per call")
}

func TestNewRecordPathAndChannel(t *testing.T) {
	p := consent.DefaultPolicy()
	v := &consent.Consent{ID: "c1", PolicyVersion: p.Version, Method: consent.AcceptAll, Updated: t0}
	for _, c := range []struct {
		name        string
		form        url.Values
		header      map[string]string
		wantPath    string
		wantChannel store.Channel
	}{
		{"form return", url.Values{"return": {"/a/b"}}, nil, "/a/b", store.ChannelForm},
		{"referer fallback", nil, map[string]string{"Referer": "https://shop.example/x/y?id=1"}, "/x/y", store.ChannelForm},
		{"unsafe return, referer", url.Values{"return": {"//evil.example/"}}, map[string]string{"Referer": "https://shop.example/ok"}, "/ok", store.ChannelForm},
		{"nothing", nil, nil, "/", store.ChannelForm},
		{"control character", url.Values{"return": {"/a\nb"}}, nil, "/", store.ChannelForm},
		{"json refused", nil, map[string]string{"Accept": "application/json;q=0, text/html"}, "/", store.ChannelForm},
		{"json among others", nil, map[string]string{"Accept": "text/html, application/json;q=0.5"}, "/", store.ChannelScript},
		{"long path cut", url.Values{"return": {"/" + strings.Repeat("é", 400)}}, nil, "/" + strings.Repeat("é", 255), store.ChannelForm},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec := store.NewRecord(decisionRequest(c.form, c.header), p, v, store.ActionAcceptAll, "en", nil)
			assert.Equal(t, c.wantPath, rec.Path)
			assert.Equal(t, c.wantChannel, rec.Channel)
		})
	}
}

func TestNewRecordIdempotencyKey(t *testing.T) {
	p := consent.DefaultPolicy()
	v := &consent.Consent{ID: "c1", PolicyVersion: p.Version, Method: consent.AcceptAll, Updated: t0}
	w := &consent.Consent{ID: "c2", PolicyVersion: p.Version, Method: consent.AcceptAll, Updated: t0}
	r := decisionRequest(nil, map[string]string{"Idempotency-Key": "retry-me"})
	a := store.NewRecord(r, p, v, store.ActionAcceptAll, "en", nil)
	assert.Equal(t, a.RequestID, store.NewRecord(r, p, v, store.ActionAcceptAll, "en", nil).RequestID, "a retried POST is one record")
	assert.NotEqual(t, a.RequestID, store.NewRecord(r, p, w, store.ActionAcceptAll, "en", nil).RequestID, "keys are per consent ID")
	assert.NotContains(t, a.RequestID, "retry-me")
}

func TestNewRecordClientIP(t *testing.T) {
	ps, err := store.NewPseudonymizer(store.PseudonymConfig{ClientIP: func(r *http.Request) string { return r.Header.Get("X-Real-IP") }})
	require.NoError(t, err)
	r := decisionRequest(nil, map[string]string{"X-Real-IP": "2001:db8:7:8::1"})
	rec := store.NewRecord(r, nil, &consent.Consent{ID: "c1"}, store.ActionWithdraw, "en", ps)
	assert.Equal(t, "2001:db8:7::/48", rec.IP)
	assert.Nil(t, rec.Refused, "no policy, no refused list")
	assert.False(t, rec.Time.IsZero())
}

func TestActionFor(t *testing.T) {
	for m, want := range map[consent.Method]store.Action{
		consent.AcceptAll: store.ActionAcceptAll, consent.RejectAll: store.ActionRejectAll,
		consent.Custom: store.ActionCustom, "": "",
	} {
		assert.Equal(t, want, store.ActionFor(m), m)
	}
}
