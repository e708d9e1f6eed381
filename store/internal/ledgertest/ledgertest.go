// Package ledgertest holds what the tests of the ledger's packages share
// (store, store/sqlite, store/postgres, store/ledgerurl): a valid record to
// write and a ledger closed after the test.
package ledgertest

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/consentgate/consent"
	"github.com/consentgate/consent/store"
	"github.com/stretchr/testify/require"
)

// T0 is the time the records are made around.
var T0 = time.Date(2026, time.December, 1, 12, 0, 0, 0, time.UTC)

// OpenFunc is a driver's Open.
type OpenFunc func(ctx context.Context, rawURL string, opts ...store.LedgerOption) (store.Ledger, error)

// Open opens a ledger with open, without the background purge (tests that
// want it pass store.LedgerRetention), closed after the test.
func Open(t testing.TB, open OpenFunc, rawURL string, opts ...store.LedgerOption) store.Ledger {
	t.Helper()
	l, err := open(context.Background(), rawURL, append([]store.LedgerOption{store.LedgerRetention(0)}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, l.Close()) })
	return l
}

// SQLiteURL returns the URL of a new SQLite file in the test's temporary
// directory.
func SQLiteURL(t testing.TB) string {
	return "sqlite://" + filepath.Join(t.TempDir(), "ledger.db")
}

// Record is a valid record: number i of consent ID consentID, i seconds
// after T0.
func Record(consentID string, i int) store.Record {
	return store.Record{
		RequestID:     fmt.Sprintf("%s-req-%06d", consentID, i),
		ConsentID:     consentID,
		Time:          T0.Add(time.Duration(i) * time.Second),
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
