package store_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/consentgate/consent/store"
	"github.com/consentgate/consent/store/internal/ledgertest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// memBackend is a third driver, in memory, as someone adding a database
// would write one: what NewLedger promises a driver, it must keep for this
// one too.
type memBackend struct {
	mu       sync.Mutex
	recs     []store.Record
	inserted [][]store.Record // every Insert call's batch
	failures int              // Insert fails this many more times
	closed   int
}

var errDisk = errors.New("disk full")

func (m *memBackend) Insert(_ context.Context, recs []store.Record) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.inserted = append(m.inserted, slices.Clone(recs))
	if m.failures > 0 {
		m.failures--
		return errDisk
	}
	for _, r := range recs {
		if !slices.ContainsFunc(m.recs, func(have store.Record) bool { return have.RequestID == r.RequestID }) {
			m.recs = append(m.recs, r)
		}
	}
	return nil
}

func (m *memBackend) Lookup(_ context.Context, consentID string) ([]store.Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []store.Record
	for _, r := range m.recs {
		if r.ConsentID == consentID {
			out = append(out, r)
		}
	}
	return out, nil
}

func (m *memBackend) Scan(_ context.Context, from, to time.Time, fn func(*store.Record) error) error {
	m.mu.Lock()
	recs := slices.Clone(m.recs)
	m.mu.Unlock()
	for i := range recs {
		if !recs[i].Time.Before(from) && recs[i].Time.Before(to) {
			if err := fn(&recs[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

func (m *memBackend) Purge(_ context.Context, before time.Time) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := len(m.recs)
	m.recs = slices.DeleteFunc(m.recs, func(r store.Record) bool { return r.Time.Before(before) })
	return int64(n - len(m.recs)), nil
}

func (m *memBackend) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed++
	return nil
}

func TestNewLedgerWithAThirdBackend(t *testing.T) {
	b := &memBackend{}
	cfg, err := store.NewLedgerConfig(store.LedgerRetention(0))
	require.NoError(t, err)
	l := store.NewLedger(b, cfg)
	ctx := context.Background()

	rec := ledgertest.Record("visitor", 1)
	rec.Time = rec.Time.In(time.FixedZone("CET", 3600)).Add(1234 * time.Nanosecond)
	require.NoError(t, l.Record(ctx, rec))
	require.Len(t, b.inserted, 1)
	assert.Equal(t, time.UTC, b.inserted[0][0].Time.Location(), "the backend gets normalised records")
	assert.Zero(t, b.inserted[0][0].Time.Nanosecond()%1000, "microseconds")

	bad := ledgertest.Record("visitor", 2)
	bad.IP = "198.51.100.77"
	require.ErrorIs(t, l.Record(ctx, bad), store.ErrBadRecord)
	assert.Len(t, b.inserted, 1, "a record that can never be stored never reaches the backend")

	b.mu.Lock()
	b.failures = 2
	b.mu.Unlock()
	require.NoError(t, l.Record(ctx, ledgertest.Record("visitor", 3)), "two failures, then the third attempt")
	b.mu.Lock()
	b.failures = 10
	b.mu.Unlock()
	err = l.Record(ctx, ledgertest.Record("visitor", 4))
	require.ErrorIs(t, err, store.ErrLedgerUnavailable)
	require.ErrorIs(t, err, errDisk, "the backend's error is wrapped")

	got, err := l.Lookup(ctx, "visitor")
	require.NoError(t, err)
	assert.Len(t, got, 2)
	none, err := l.Lookup(ctx, "nobody")
	require.NoError(t, err)
	assert.NotNil(t, none, "an empty history is an empty slice, whatever the backend returns")

	assert.Contains(t, exportAll(t, l, store.ExportCSV), "visitor-req-000003")
	require.NoError(t, l.Close())
	require.NoError(t, l.Close())
	assert.Equal(t, 1, b.closed, "the backend is closed once")
}

func TestNewLedgerConfig(t *testing.T) {
	cfg, err := store.NewLedgerConfig()
	require.NoError(t, err)
	assert.Equal(t, store.DefaultLedgerBusyTimeout, cfg.BusyTimeout())
	cfg, err = store.NewLedgerConfig(store.LedgerBusyTimeout(time.Second))
	require.NoError(t, err)
	assert.Equal(t, time.Second, cfg.BusyTimeout())
	_, err = store.NewLedgerConfig(store.LedgerWriteTimeout(0))
	require.ErrorContains(t, err, "LedgerWriteTimeout")

	l := store.NewLedger(&memBackend{}, nil) // nil: the defaults
	require.NoError(t, l.Record(context.Background(), ledgertest.Record("visitor", 1)))
	require.NoError(t, l.Close())
}
