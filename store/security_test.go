package store_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/consentgate/consent"
	"github.com/consentgate/consent/internal/pgtest"
	"github.com/consentgate/consent/store"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLedgerPseudonymisedExport checks the exports; this checks what the
// database itself holds after records made from requests full of client
// data, on both backends.
func TestStoredRecordsHoldNoRawClientData(t *testing.T) {
	hashed, err := store.NewPseudonymizer(store.PseudonymConfig{IP: store.IPHash, Key: key(0x71, 32)})
	require.NoError(t, err)
	behindProxy, err := store.NewPseudonymizer(store.PseudonymConfig{ClientIP: func(r *http.Request) string { return r.Header.Get("X-Real-IP") }})
	require.NoError(t, err)

	const (
		peerIP    = "198.51.100.77"
		realIP    = "203.0.113.45"
		peerIP6   = "2001:db8:abcd:12::77"
		forwarded = "192.0.2.99"
		userAgent = "Mozilla/5.0 (RawAgent 1.2.3)"
	)
	secrets := []string{peerIP, realIP, peerIP6, "2001:db8:abcd:12:0:0:0:77", forwarded, userAgent, "RawAgent",
		"COOKIESECRET", "IDEMPOTENCYSECRET", "alice@example.com", "token=", "TOKENSECRET"}
	request := func(remote string) *http.Request {
		r := decisionRequest(url.Values{"action": {"accept-all"}, "return": {"/account?token=TOKENSECRET"}}, map[string]string{
			"User-Agent":      userAgent,
			"X-Forwarded-For": forwarded,
			"X-Real-IP":       realIP,
			"Cookie":          "session=COOKIESECRET; consent=COOKIESECRET",
			"Idempotency-Key": "IDEMPOTENCYSECRET",
			"Referer":         "https://shop.example/cart?email=alice@example.com",
		})
		r.RemoteAddr = remote
		return r
	}
	for _, be := range ledgerBackends {
		t.Run(be.name, func(t *testing.T) {
			rawURL := be.url(t)
			l, err := be.open(context.Background(), rawURL, store.LedgerRetention(0))
			require.NoError(t, err)
			p := consent.DefaultPolicy()
			n := 0
			for _, ps := range []*store.Pseudonymizer{nil, hashed, behindProxy} {
				for _, remote := range []string{peerIP + ":5555", "[" + peerIP6 + "]:443"} {
					n++
					v := &consent.Consent{ID: "visitor-" + strings.Repeat("x", n), PolicyVersion: p.Version, Method: consent.AcceptAll,
						Granted: p.RefusableCategories(), Given: t0, Updated: t0}
					rec := store.NewRecord(request(remote), p, v, store.ActionAcceptAll, "en", ps)
					require.NoError(t, l.Record(context.Background(), rec))
				}
			}
			stored := storedBytes(t, be.name, rawURL, l)
			require.Contains(t, stored, "visitor-x", "the dump holds the records")
			assert.Contains(t, stored, "198.51.100.0/24")
			assert.Contains(t, stored, "203.0.113.0/24", "the proxy-reported address, truncated too")
			assert.Contains(t, stored, hashed.IP(peerIP))
			for _, s := range secrets {
				assert.NotContains(t, stored, s)
			}
		})
	}
}

// storedBytes closes l and returns everything the backend keeps: the
// SQLite files, or the PostgreSQL rows as text.
func storedBytes(t *testing.T, backend, rawURL string, l store.Ledger) string {
	t.Helper()
	if backend == "postgres" {
		defer func() { require.NoError(t, l.Close()) }()
		var dump string
		err := pgtest.Connect(t, rawURL).QueryRow(context.Background(),
			`SELECT string_agg(t::text, E'\n') FROM consent_ledger t`).Scan(&dump)
		require.NoError(t, err)
		return dump
	}
	require.NoError(t, l.Close())
	dir := filepath.Dir(strings.TrimPrefix(rawURL, "sqlite://"))
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var all bytes.Buffer
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		require.NoError(t, err)
		all.Write(b)
	}
	return all.String()
}
