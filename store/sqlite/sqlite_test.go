package sqlite_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/consentgate/consent/store"
	"github.com/consentgate/consent/store/internal/ledgertest"
	"github.com/consentgate/consent/store/sqlite"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSQLiteLedgerCannotWrite makes the database refuse writes while the
// ledger runs. Read-only permissions would not do it here: the tests run as
// root, who ignores them, and a file already open stays writable anyway. A
// second connection holding the write lock (BEGIN EXCLUSIVE) is a genuine
// failure that every user meets — a backup or a stuck process doing the
// same — and SQLite reports it as SQLITE_BUSY once the busy timeout runs
// out.
func TestSQLiteLedgerCannotWrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.db")
	l := ledgertest.Open(t, sqlite.Open, "sqlite://"+path, store.LedgerBusyTimeout(50*time.Millisecond))
	ctx := context.Background()
	require.NoError(t, l.Record(ctx, ledgertest.Record("visitor", 1)))

	other, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	t.Cleanup(func() { _ = other.Close() })
	lock, err := other.Conn(ctx)
	require.NoError(t, err)
	_, err = lock.ExecContext(ctx, "BEGIN EXCLUSIVE")
	require.NoError(t, err)

	start := time.Now()
	err = l.Record(ctx, ledgertest.Record("visitor", 2))
	require.ErrorIs(t, err, store.ErrLedgerUnavailable)
	assert.Contains(t, err.Error(), "locked")
	assert.Less(t, time.Since(start), 2*time.Second, "refused within the busy timeout and retries, not hung")

	// Readers are not blocked by a writer in WAL mode: the preferences page
	// still shows the history.
	got, err := l.Lookup(ctx, "visitor")
	require.NoError(t, err)
	assert.Len(t, got, 1, "the refused record was not written")

	_, err = lock.ExecContext(ctx, "ROLLBACK")
	require.NoError(t, err)
	require.NoError(t, lock.Close())

	require.NoError(t, l.Record(ctx, ledgertest.Record("visitor", 2)), "the retry succeeds once the lock is gone")
	require.NoError(t, l.Record(ctx, ledgertest.Record("visitor", 3)))
	got, err = l.Lookup(ctx, "visitor")
	require.NoError(t, err)
	assert.Len(t, got, 3)
}

// TestSQLiteLedgerSettings checks the file the ledger leaves: in WAL mode
// (a property of the file, unlike synchronous, which is per connection) and
// at schema version 1.
func TestSQLiteLedgerSettings(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.db")
	l := ledgertest.Open(t, sqlite.Open, "sqlite://"+path)
	require.NoError(t, l.Record(context.Background(), ledgertest.Record("visitor", 1)))

	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	defer func() { _ = db.Close() }()
	var mode string
	require.NoError(t, db.QueryRow("PRAGMA journal_mode").Scan(&mode))
	assert.Equal(t, "wal", mode, "WAL is a property of the file")
	var version int
	require.NoError(t, db.QueryRow("SELECT max(version) FROM consent_ledger_schema_version").Scan(&version))
	assert.Equal(t, 1, version)
	assert.FileExists(t, path+"-wal")
}

// TestSQLiteLedgerRecordGivesUpWithContext waits behind a held lock with a
// long busy timeout: the caller's deadline, not the database, ends the wait.
func TestSQLiteLedgerRecordGivesUpWithContext(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.db")
	l := ledgertest.Open(t, sqlite.Open, "sqlite://"+path, store.LedgerBusyTimeout(5*time.Second))
	require.NoError(t, l.Record(context.Background(), ledgertest.Record("visitor", 1)))

	other, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	t.Cleanup(func() { _ = other.Close() })
	lock, err := other.Conn(context.Background())
	require.NoError(t, err)
	_, err = lock.ExecContext(context.Background(), "BEGIN EXCLUSIVE")
	require.NoError(t, err)

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	require.ErrorIs(t, l.Record(ctx, ledgertest.Record("visitor", 2)), context.DeadlineExceeded)
	assert.Less(t, time.Since(start), time.Second)

	_, err = lock.ExecContext(context.Background(), "ROLLBACK")
	require.NoError(t, err)
	require.NoError(t, lock.Close())
	require.NoError(t, l.Record(context.Background(), ledgertest.Record("visitor", 3)), "the writer is free again")
}

func TestOpenSQLitePaths(t *testing.T) {
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
			path, err := sqlite.Path(c.url)
			require.NoError(t, err)
			if !filepath.IsAbs(path) {
				path = filepath.Join(dir, path) // relative to the working directory
			}
			assert.Equal(t, c.file, filepath.Clean(path))
			l := ledgertest.Open(t, sqlite.Open, c.url)
			require.NoError(t, l.Record(context.Background(), ledgertest.Record("visitor", 1)))
			assert.FileExists(t, c.file)
		})
	}
}

func TestOpenSQLiteURLs(t *testing.T) {
	for _, c := range []struct {
		url      string
		mentions string
	}{
		{"postgres://user:secret@host/db", "not a sqlite: URL"},
		{"/var/lib/ledger.db", "not a sqlite: URL"},
		{"sqlite://", "file path"},
		{"sqlite:///", "file path"},
		{"sqlite:///tmp/ledger.db?cache=shared", "no query"},
		{"sqlite:///tmp/ledger.db#x", "no query"},
		{"sqlite://user@ledger.db", "no query"},
		{"sqlite::memory:", "plain file path"},
		{"sqlite:file:ledger.db", "plain file path"},
	} {
		t.Run(c.url, func(t *testing.T) {
			_, err := sqlite.Open(context.Background(), c.url)
			require.ErrorIs(t, err, store.ErrLedgerURL)
			assert.Contains(t, err.Error(), c.mentions)
			assert.NotContains(t, err.Error(), "secret", "a URL's password never reaches a log")
		})
	}
}

func TestOpenSQLiteUnavailable(t *testing.T) {
	_, err := sqlite.Open(context.Background(), "sqlite://"+filepath.Join(t.TempDir(), "missing-dir", "ledger.db"))
	require.ErrorIs(t, err, store.ErrLedgerUnavailable, "a directory that does not exist")

	_, err = sqlite.Open(context.Background(), "sqlite://"+t.TempDir())
	require.ErrorIs(t, err, store.ErrLedgerUnavailable, "a directory is not a database")
}

func TestOpenSQLiteChecksOptions(t *testing.T) {
	_, err := sqlite.Open(context.Background(), ledgertest.SQLiteURL(t), store.LedgerBatch(0, 0))
	require.ErrorContains(t, err, "LedgerBatch")
}
