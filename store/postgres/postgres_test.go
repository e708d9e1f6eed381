package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/consentgate/consent/internal/pgtest"
	"github.com/consentgate/consent/store"
	"github.com/consentgate/consent/store/internal/ledgertest"
	"github.com/consentgate/consent/store/postgres"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// countRows counts the ledger's rows and distinct request IDs in the
// schema that url's search_path names.
func countRows(t *testing.T, url string) (rows, distinct int) {
	t.Helper()
	conn := pgtest.Connect(t, url)
	require.NoError(t, conn.QueryRow(context.Background(),
		`SELECT count(*), count(DISTINCT request_id) FROM consent_ledger`).Scan(&rows, &distinct))
	return rows, distinct
}

func TestPostgresLedgerConcurrentOpen(t *testing.T) {
	url := pgtest.URL(t)
	var wg sync.WaitGroup
	for range 6 {
		wg.Go(func() {
			l, err := postgres.Open(context.Background(), url, store.LedgerRetention(0))
			if assert.NoError(t, err, "instances starting at once") {
				assert.NoError(t, l.Close())
			}
		})
	}
	wg.Wait()
	var versions, latest int
	require.NoError(t, pgtest.Connect(t, url).QueryRow(context.Background(),
		`SELECT count(*), max(version) FROM consent_ledger_schema_version`).Scan(&versions, &latest))
	assert.Equal(t, 1, versions, "each version applied once")
	assert.Equal(t, 1, latest)
}

// TestPostgresLedgerScaleOut is two instances behind a load balancer at
// store level: 10,000 decisions spread over both, a tenth of them retried
// on the other instance at the same time, and exactly 10,000 rows after.
func TestPostgresLedgerScaleOut(t *testing.T) {
	const records, goroutines = 10000, 128
	url := pgtest.URL(t)
	a, b := ledgertest.Open(t, postgres.Open, url), ledgertest.Open(t, postgres.Open, url)
	ledgers := [2]store.Ledger{a, b}

	var next atomic.Int64
	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= records {
					return
				}
				rec := ledgertest.Record(fmt.Sprintf("visitor-%d", i%997), i)
				if i%10 == 0 {
					// A retry racing the first try, on the other instance.
					var retry sync.WaitGroup
					retry.Go(func() { assert.NoError(t, ledgers[(i+1)%2].Record(context.Background(), rec)) })
					assert.NoError(t, ledgers[i%2].Record(context.Background(), rec))
					retry.Wait()
					continue
				}
				if err := ledgers[i%2].Record(context.Background(), rec); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	rows, distinct := countRows(t, url)
	assert.Equal(t, records, rows, "none lost, none duplicated")
	assert.Equal(t, records, distinct)
	got, err := b.Lookup(context.Background(), "visitor-5")
	require.NoError(t, err)
	assert.Len(t, got, 11, "records 5, 1002, … 9975 written through either instance")
}

// TestPostgresLedgerConnectionKilled terminates the pool's server
// connections again and again during a burst: Record either succeeds or
// says ErrLedgerUnavailable, never panics, never acknowledges a record it
// lost, and the ledger recovers once the killing stops.
func TestPostgresLedgerConnectionKilled(t *testing.T) {
	const goroutines, rounds = 32, 10
	app := "ledger_fault_" + store.NewID()[:12]
	url := pgtest.WithQuery(t, pgtest.URL(t), "application_name", app)
	l := ledgertest.Open(t, postgres.Open, url, store.LedgerWriteTimeout(3*time.Second))
	admin := pgtest.Connect(t, url)

	var (
		stop   = make(chan struct{})
		mu     sync.Mutex
		acked  []string
		failed atomic.Int64
		wg     sync.WaitGroup
	)
	for g := range goroutines {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				rec := ledgertest.Record(fmt.Sprintf("visitor-%d", g), i)
				if err := l.Record(context.Background(), rec); err != nil {
					assert.ErrorIs(t, err, store.ErrLedgerUnavailable)
					failed.Add(1)
					continue
				}
				mu.Lock()
				acked = append(acked, rec.RequestID)
				mu.Unlock()
			}
		})
	}
	var killed int64
	for range rounds {
		time.Sleep(100 * time.Millisecond)
		var n int64
		require.NoError(t, admin.QueryRow(context.Background(), `SELECT count(*) FROM
			(SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()) k`, app).Scan(&n))
		killed += n
	}
	time.Sleep(100 * time.Millisecond)
	close(stop)
	wg.Wait()
	t.Logf("%d backends terminated in %d rounds; %d records acknowledged, %d refused with ErrLedgerUnavailable", killed, rounds, len(acked), failed.Load())
	require.Positive(t, killed, "the test killed no connection")

	// Recovery: the pool reconnects and writes go through again.
	require.NoError(t, l.Record(context.Background(), ledgertest.Record("after", 1)))

	present := map[string]bool{}
	rows, err := pgtest.Connect(t, url).Query(context.Background(), `SELECT request_id FROM consent_ledger`)
	require.NoError(t, err)
	for rows.Next() {
		var id string
		require.NoError(t, rows.Scan(&id))
		present[id] = true
	}
	require.NoError(t, rows.Err())
	for _, id := range acked {
		require.True(t, present[id], "acknowledged record %s is missing", id)
	}
	assert.True(t, present[ledgertest.Record("after", 1).RequestID])
}

// TestPostgresLedgerSchemaGone takes the ledger's table away under a running
// ledger: Record and Lookup say ErrLedgerUnavailable, and writes resume once
// the table is back.
func TestPostgresLedgerSchemaGone(t *testing.T) {
	url := pgtest.URL(t)
	l := ledgertest.Open(t, postgres.Open, url, store.LedgerWriteTimeout(2*time.Second))
	require.NoError(t, l.Record(context.Background(), ledgertest.Record("visitor", 1)))
	_, err := pgtest.Connect(t, url).Exec(context.Background(), `ALTER TABLE consent_ledger RENAME TO consent_ledger_moved`)
	require.NoError(t, err)

	err = l.Record(context.Background(), ledgertest.Record("visitor", 2))
	require.ErrorIs(t, err, store.ErrLedgerUnavailable)
	_, err = l.Lookup(context.Background(), "visitor")
	require.ErrorIs(t, err, store.ErrLedgerUnavailable)

	_, err = pgtest.Connect(t, url).Exec(context.Background(), `ALTER TABLE consent_ledger_moved RENAME TO consent_ledger`)
	require.NoError(t, err)
	require.NoError(t, l.Record(context.Background(), ledgertest.Record("visitor", 2)), "writes resume when the table is back")
	got, err := l.Lookup(context.Background(), "visitor")
	require.NoError(t, err)
	assert.Len(t, got, 2)
}

func TestOpenPostgresURLs(t *testing.T) {
	for _, c := range []struct {
		url      string
		mentions string
	}{
		{"sqlite:///tmp/ledger.db", "not a postgres: or postgresql: URL"},
		{"host=db user=consent password=secret", "not a postgres: or postgresql: URL"},
		{"postgres://user:secret@host:notaport/db", ""},
	} {
		t.Run(c.url, func(t *testing.T) {
			_, err := postgres.Open(context.Background(), c.url)
			require.ErrorIs(t, err, store.ErrLedgerURL)
			assert.Contains(t, err.Error(), c.mentions)
			assert.NotContains(t, err.Error(), "secret", "a URL's password never reaches a log")
		})
	}
	assert.True(t, postgres.IsURL("PostgreSQL://db/consent"))
	assert.False(t, postgres.IsURL("postgresx://db/consent"))
}

func TestOpenPostgresUnavailable(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := postgres.Open(ctx, "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=2")
	require.ErrorIs(t, err, store.ErrLedgerUnavailable, "nothing listens on port 1")
}
