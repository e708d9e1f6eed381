package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/consentgate/consent/internal/pgtest"
	"github.com/consentgate/consent/store"
	"github.com/consentgate/consent/store/internal/ledgertest"
	"github.com/consentgate/consent/store/postgres"
	"github.com/consentgate/consent/store/sqlite"
	"github.com/stretchr/testify/require"
)

// The behaviour suite of the shared ledger (writer, purge, exports, record
// checks) runs on both drivers; each driver's own tests are in its package.

// ledgerBackend makes a fresh, empty ledger URL for one test, and names the
// driver that opens it.
type ledgerBackend struct {
	name string
	url  func(testing.TB) string
	open ledgertest.OpenFunc
}

// ledgerBackends is the table the behaviour suite runs on.
var ledgerBackends = []ledgerBackend{
	{"sqlite", ledgertest.SQLiteURL, sqlite.Open},
	{"postgres", pgtest.URL, postgres.Open},
}

// openLedger opens a ledger of be without the background purge (tests that
// want it pass LedgerRetention), closed after the test.
func (be ledgerBackend) openLedger(t testing.TB, opts ...store.LedgerOption) store.Ledger {
	t.Helper()
	return ledgertest.Open(t, be.open, be.url(t), opts...)
}

// ledgerRecord is a valid record: number i of consent ID consentID, i
// seconds after t0.
func ledgerRecord(consentID string, i int) store.Record { return ledgertest.Record(consentID, i) }

// exportAll exports every record in format.
func exportAll(t testing.TB, l store.Ledger, format store.ExportFormat) string {
	t.Helper()
	var b strings.Builder
	require.NoError(t, l.Export(context.Background(), time.Time{}, time.Time{}, &b, format))
	return b.String()
}
