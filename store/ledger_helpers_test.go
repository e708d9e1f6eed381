package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/consentgate/consent"
	"github.com/consentgate/consent/internal/pgtest"
	"github.com/consentgate/consent/store"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
)

// ledgerBackend makes a fresh, empty ledger URL for one test.
type ledgerBackend struct {
	name string
	url  func(testing.TB) string
}

// ledgerBackends is the table the behaviour suite runs on.
var ledgerBackends = []ledgerBackend{
	{"sqlite", sqliteURL},
	{"postgres", postgresURL},
}

// sqliteURL returns the URL of a new SQLite file in the test's temporary
// directory.
func sqliteURL(t testing.TB) string {
	return "sqlite://" + filepath.Join(t.TempDir(), "ledger.db")
}

// postgresURL returns a URL of the test server with a schema of its own
// (see pgtest.URL); it skips without the server.
func postgresURL(t testing.TB) string { return pgtest.URL(t) }

// pgConnect opens a plain connection, closed after the test.
func pgConnect(t testing.TB, rawURL string) *pgx.Conn { return pgtest.Connect(t, rawURL) }

// withQuery sets one query parameter of a URL.
func withQuery(t testing.TB, rawURL, key, value string) string {
	return pgtest.WithQuery(t, rawURL, key, value)
}

// openLedger opens a ledger without the background purge (tests that want
// it pass LedgerRetention), closed after the test.
func openLedger(t testing.TB, rawURL string, opts ...store.LedgerOption) store.Ledger {
	t.Helper()
	l, err := store.OpenLedger(context.Background(), rawURL, append([]store.LedgerOption{store.LedgerRetention(0)}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, l.Close()) })
	return l
}

// ledgerRecord is a valid record: number i of consent ID consentID, i
// seconds after t0.
func ledgerRecord(consentID string, i int) store.Record {
	return store.Record{
		RequestID:     fmt.Sprintf("%s-req-%06d", consentID, i),
		ConsentID:     consentID,
		Time:          t0.Add(time.Duration(i) * time.Second),
		PolicyVersion: consent.DefaultVersion,
		Action:        store.ActionCustom,
		Channel:       store.ChannelForm,
		Language:      "en",
		Granted:       []consent.CategoryID{consent.Essential, consent.Analytics},
		Refused:       []consent.CategoryID{consent.Targeting},
		IP:            "203.0.113.0/24",
		UserAgentHash: strings.Repeat("ab", 32),
		Path:          "/",
	}
}

// exportAll exports every record in format.
func exportAll(t testing.TB, l store.Ledger, format store.ExportFormat) string {
	t.Helper()
	var b strings.Builder
	require.NoError(t, l.Export(context.Background(), time.Time{}, time.Time{}, &b, format))
	return b.String()
}
