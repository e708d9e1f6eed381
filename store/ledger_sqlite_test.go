package store_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/consentgate/consent/store"
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
	l := openLedger(t, "sqlite://"+path, store.LedgerBusyTimeout(50*time.Millisecond))
	ctx := context.Background()
	require.NoError(t, l.Record(ctx, ledgerRecord("visitor", 1)))

	other, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	t.Cleanup(func() { _ = other.Close() })
	lock, err := other.Conn(ctx)
	require.NoError(t, err)
	_, err = lock.ExecContext(ctx, "BEGIN EXCLUSIVE")
	require.NoError(t, err)

	start := time.Now()
	err = l.Record(ctx, ledgerRecord("visitor", 2))
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

	require.NoError(t, l.Record(ctx, ledgerRecord("visitor", 2)), "the retry succeeds once the lock is gone")
	require.NoError(t, l.Record(ctx, ledgerRecord("visitor", 3)))
	got, err = l.Lookup(ctx, "visitor")
	require.NoError(t, err)
	assert.Len(t, got, 3)
}

// TestSQLiteLedgerSettings checks the file the ledger leaves: in WAL mode
// (a property of the file, unlike synchronous, which is per connection) and
// at schema version 1.
func TestSQLiteLedgerSettings(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.db")
	l := openLedger(t, "sqlite://"+path)
	require.NoError(t, l.Record(context.Background(), ledgerRecord("visitor", 1)))

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
	l := openLedger(t, "sqlite://"+path, store.LedgerBusyTimeout(5*time.Second))
	require.NoError(t, l.Record(context.Background(), ledgerRecord("visitor", 1)))

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
	require.ErrorIs(t, l.Record(ctx, ledgerRecord("visitor", 2)), context.DeadlineExceeded)
	assert.Less(t, time.Since(start), time.Second)

	_, err = lock.ExecContext(context.Background(), "ROLLBACK")
	require.NoError(t, err)
	require.NoError(t, lock.Close())
	require.NoError(t, l.Record(context.Background(), ledgerRecord("visitor", 3)), "the writer is free again")
}
