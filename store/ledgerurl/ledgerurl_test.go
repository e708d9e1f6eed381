package ledgerurl_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/consentgate/consent/internal/pgtest"
	"github.com/consentgate/consent/store"
	"github.com/consentgate/consent/store/internal/ledgertest"
	"github.com/consentgate/consent/store/ledgerurl"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOpenURLs(t *testing.T) {
	for _, c := range []struct {
		url      string
		mentions string
	}{
		{"mysql://user:secret@host/db", `"mysql"`},
		{"file:///tmp/ledger.db", `"file"`},
		{"/var/lib/ledger.db", "no scheme"},
		{"sqlite://", "file path"},
		{"sqlite:///", "file path"},
		{"sqlite:///tmp/ledger.db?cache=shared", "no query"},
		{"sqlite:///tmp/ledger.db#x", "no query"},
		{"sqlite://user@ledger.db", "no query"},
		{"sqlite::memory:", "plain file path"},
		{"postgres://host:notaport/db", ""},
		{"PostgreSQL://user:secret@host:notaport/db", ""},
	} {
		t.Run(c.url, func(t *testing.T) {
			_, err := ledgerurl.Open(context.Background(), c.url)
			require.ErrorIs(t, err, store.ErrLedgerURL)
			assert.Contains(t, err.Error(), c.mentions)
			assert.NotContains(t, err.Error(), "secret", "a URL's password never reaches a log")
		})
	}
}

// TestOpenPicksTheDriver writes through a ledger of each scheme and reads
// the record back.
func TestOpenPicksTheDriver(t *testing.T) {
	for _, c := range []struct {
		name string
		url  func(testing.TB) string
	}{
		{"sqlite", ledgertest.SQLiteURL},
		{"SQLite upper case", func(t testing.TB) string { return "SQLite://" + filepath.Join(t.TempDir(), "ledger.db") }},
		{"postgres", pgtest.URL},
	} {
		t.Run(c.name, func(t *testing.T) {
			l := ledgertest.Open(t, ledgerurl.Open, c.url(t))
			require.NoError(t, l.Record(context.Background(), ledgertest.Record("visitor", 1)))
			got, err := l.Lookup(context.Background(), "visitor")
			require.NoError(t, err)
			assert.Len(t, got, 1)
		})
	}
}

func TestOpenUnavailable(t *testing.T) {
	_, err := ledgerurl.Open(context.Background(), "sqlite://"+filepath.Join(t.TempDir(), "missing-dir", "ledger.db"))
	require.ErrorIs(t, err, store.ErrLedgerUnavailable, "a directory that does not exist")

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err = ledgerurl.Open(ctx, "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=2")
	require.ErrorIs(t, err, store.ErrLedgerUnavailable, "nothing listens on port 1")
}

func TestOpenChecksOptions(t *testing.T) {
	url := ledgertest.SQLiteURL(t)
	for _, c := range []struct {
		name string
		opt  store.LedgerOption
	}{
		{"zero batch", store.LedgerBatch(0, 0)},
		{"huge batch", store.LedgerBatch(100000, 0)},
		{"negative wait", store.LedgerBatch(10, -time.Millisecond)},
		{"zero write timeout", store.LedgerWriteTimeout(0)},
		{"negative busy timeout", store.LedgerBusyTimeout(-time.Second)},
		{"zero purge interval", store.LedgerPurgeInterval(0)},
		{"nil logger", store.LedgerLogger(nil)},
		{"nil clock", store.LedgerClock(nil)},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ledgerurl.Open(context.Background(), url, c.opt)
			require.Error(t, err)
		})
	}
}
