// Package pgtest gives tests a PostgreSQL schema of their own on the server
// named by CONSENT_TEST_POSTGRES_URL, and skips them with a clear message
// when it is not set (a newcomer's machine has no PostgreSQL; CI sets it).
package pgtest

import (
	"context"
	"crypto/rand"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
)

// Env names the PostgreSQL server the PostgreSQL tests use.
const Env = "CONSENT_TEST_POSTGRES_URL"

// SkipMessage is why PostgreSQL tests skip without Env.
const SkipMessage = Env + " is not set: skipping PostgreSQL ledger tests"

// BaseURL returns the server URL, skipping t without it.
func BaseURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(Env)
	if base == "" {
		t.Skip(SkipMessage)
	}
	return base
}

// URL returns the server's URL with search_path set to a new schema that is
// dropped after the test, so that tests and packages running in parallel
// never see each other's tables. It skips without the server.
func URL(t testing.TB) string {
	t.Helper()
	base := BaseURL(t)
	schema := "consent_test_" + strings.ToLower(rand.Text()[:16])
	conn := Connect(t, base)
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
	return WithQuery(t, base, "search_path", schema)
}

// Connect opens a plain connection, closed after the test.
func Connect(t testing.TB, rawURL string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), rawURL)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

// WithQuery sets one query parameter of a URL.
func WithQuery(t testing.TB, rawURL, key, value string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	require.NoError(t, err)
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}
