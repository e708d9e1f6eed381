package store_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/consentgate/consent/store"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOpenLedgerURLs(t *testing.T) {
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
	} {
		t.Run(c.url, func(t *testing.T) {
			_, err := store.OpenLedger(context.Background(), c.url)
			require.ErrorIs(t, err, store.ErrLedgerURL)
			assert.Contains(t, err.Error(), c.mentions)
			assert.NotContains(t, err.Error(), "secret", "a URL's password never reaches a log")
		})
	}
}

func TestOpenLedgerSQLitePaths(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	require.NoError(t, os.Mkdir("data", 0o700))
	for _, c := range []struct{ url, file string }{
		{"sqlite://" + filepath.Join(dir, "abs.db"), filepath.Join(dir, "abs.db")},
		{"sqlite://rel.db", filepath.Join(dir, "rel.db")},
		{"sqlite://data/nested.db", filepath.Join(dir, "data", "nested.db")},
		{"sqlite:opaque.db", filepath.Join(dir, "opaque.db")},
		{"SQLite:///" + filepath.Join(dir, "with%20space.db"), filepath.Join(dir, "with space.db")},
	} {
		t.Run(c.url, func(t *testing.T) {
			l := openLedger(t, c.url)
			require.NoError(t, l.Record(context.Background(), ledgerRecord("visitor", 1)))
			assert.FileExists(t, c.file)
		})
	}
}

func TestOpenLedgerUnavailable(t *testing.T) {
	_, err := store.OpenLedger(context.Background(), "sqlite://"+filepath.Join(t.TempDir(), "missing-dir", "ledger.db"))
	require.ErrorIs(t, err, store.ErrLedgerUnavailable, "a directory that does not exist")

	_, err = store.OpenLedger(context.Background(), "sqlite://"+t.TempDir())
	require.ErrorIs(t, err, store.ErrLedgerUnavailable, "a directory is not a database")

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err = store.OpenLedger(ctx, "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=2")
	require.ErrorIs(t, err, store.ErrLedgerUnavailable, "nothing listens on port 1")
}

func TestOpenLedgerChecksOptions(t *testing.T) {
	url := sqliteURL(t)
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
			_, err := store.OpenLedger(context.Background(), url, c.opt)
			require.Error(t, err)
		})
	}
}
