package store_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/consentgate/consent"
	"github.com/consentgate/consent/store"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
)

// postgresEnv names the PostgreSQL server the PostgreSQL tests use; CI sets
// it, and without it they skip.
const postgresEnv = "CONSENT_TEST_POSTGRES_URL"

const skipPostgres = postgresEnv + " is not set: skipping PostgreSQL ledger tests"

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

// postgresURL returns the test server's URL with search_path set to a new
// schema that is dropped after the test, so that tests and packages running
// in parallel never see each other's tables. It skips without the server.
func postgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(postgresEnv)
	if base == "" {
		t.Skip(skipPostgres)
	}
	schema := "ledger_test_" + store.NewID()[:16]
	conn := pgConnect(t, base)
	_, err := conn.Exec(context.Background(), "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize())
	require.NoError(t, err)
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), base)
		if err != nil {
			t.Errorf("drop test schema %s: %v", schema, err)
			return
		}
		defer func() { _ = c.Close(context.Background()) }()
		if _, err := c.Exec(context.Background(), "DROP SCHEMA "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
			t.Errorf("drop test schema %s: %v", schema, err)
		}
	})
	return withQuery(t, base, "search_path", schema)
}

// pgConnect opens a plain connection, closed after the test.
func pgConnect(t testing.TB, rawURL string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), rawURL)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

// withQuery sets one query parameter of a URL.
func withQuery(t testing.TB, rawURL, key, value string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	require.NoError(t, err)
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
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
