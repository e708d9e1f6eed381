package store_test

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/consentgate/consent"
	"github.com/consentgate/consent/store"
	"github.com/consentgate/consent/store/internal/ledgertest"
	"github.com/consentgate/consent/store/sqlite"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The behaviour suite: every test runs on every backend.

func TestLedgerRoundTrip(t *testing.T) {
	for _, be := range ledgerBackends {
		t.Run(be.name, func(t *testing.T) {
			l := be.openLedger(t)
			ctx := context.Background()
			var want []store.Record
			for i, a := range []store.Action{store.ActionAcceptAll, store.ActionCustom, store.ActionWithdraw} {
				rec := ledgerRecord("visitor-a", 10-i) // recorded newest first
				rec.Action = a
				rec.Time = rec.Time.Add(123456789 * time.Nanosecond)
				require.NoError(t, l.Record(ctx, rec))
				rec.Time = rec.Time.Truncate(time.Microsecond)
				want = append([]store.Record{rec}, want...)
			}
			require.NoError(t, l.Record(ctx, ledgerRecord("visitor-b", 1)))

			got, err := l.Lookup(ctx, "visitor-a")
			require.NoError(t, err)
			require.Equal(t, want, got, "oldest first, every field as recorded, time in UTC microseconds")

			none, err := l.Lookup(ctx, "nobody")
			require.NoError(t, err)
			assert.NotNil(t, none)
			assert.Empty(t, none)
		})
	}
}

func TestLedgerRecordNormalizes(t *testing.T) {
	for _, be := range ledgerBackends {
		t.Run(be.name, func(t *testing.T) {
			now := t0.Add(time.Hour)
			l := be.openLedger(t, store.LedgerClock(func() time.Time { return now }))
			rec := ledgerRecord("visitor", 0)
			rec.Time = time.Time{}
			rec.Granted, rec.Refused = nil, nil
			rec.Language = "e\x00n\xff"
			require.NoError(t, l.Record(context.Background(), rec))

			got, err := l.Lookup(context.Background(), "visitor")
			require.NoError(t, err)
			require.Len(t, got, 1)
			assert.Equal(t, now, got[0].Time, "a zero time is the ledger's now")
			assert.Equal(t, []consent.CategoryID{}, got[0].Granted)
			assert.Equal(t, []consent.CategoryID{}, got[0].Refused)
			assert.Equal(t, "en\uFFFD", got[0].Language, "NUL and invalid UTF-8 cannot be stored as text")
		})
	}
}

func TestLedgerIdempotentRequestID(t *testing.T) {
	for _, be := range ledgerBackends {
		t.Run(be.name, func(t *testing.T) {
			// Lingering makes the racing retries below share one batch.
			l := be.openLedger(t, store.LedgerBatch(64, 20*time.Millisecond))
			ctx := context.Background()
			rec := ledgerRecord("visitor", 1)
			require.NoError(t, l.Record(ctx, rec))
			require.NoError(t, l.Record(ctx, rec), "a retry is acknowledged")

			// Retries racing each other, in one batch.
			var wg sync.WaitGroup
			for range 20 {
				wg.Go(func() { assert.NoError(t, l.Record(ctx, ledgerRecord("visitor", 2))) })
			}
			wg.Wait()

			// A retry keeps the first write: proof is not rewritten.
			changed := ledgerRecord("visitor", 1)
			changed.Action = store.ActionAcceptAll
			require.NoError(t, l.Record(ctx, changed))

			got, err := l.Lookup(ctx, "visitor")
			require.NoError(t, err)
			require.Len(t, got, 2)
			assert.Equal(t, store.ActionCustom, got[0].Action)
			assert.Equal(t, 2, strings.Count(exportAll(t, l, store.ExportJSONLines), "\n"))
		})
	}
}

// exportFixture records three decisions, one with a path that CSV must
// quote, and returns them as read back.
func exportFixture(t *testing.T, l store.Ledger) []store.Record {
	t.Helper()
	var recs []store.Record
	for i := range 3 {
		rec := ledgerRecord("visitor", i*60)
		if i == 1 {
			rec.Path = `/search,"q"` + "\u00e9&<x>"
			rec.GPC = true
			rec.Channel = store.ChannelScript
		}
		require.NoError(t, l.Record(context.Background(), rec))
		recs = append(recs, rec)
	}
	return recs
}

func TestLedgerExportJSONLines(t *testing.T) {
	for _, be := range ledgerBackends {
		t.Run(be.name, func(t *testing.T) {
			l := be.openLedger(t)
			want := exportFixture(t, l)

			out := exportAll(t, l, store.ExportJSONLines)
			var got []store.Record
			sc := bufio.NewScanner(strings.NewReader(out))
			for sc.Scan() {
				var rec store.Record
				require.NoError(t, json.Unmarshal(sc.Bytes(), &rec), sc.Text())
				got = append(got, rec)
			}
			require.Equal(t, want, got)
			assert.Contains(t, out, `"path":"/search,\"q\"é&<x>"`, "no HTML escaping")
			assert.Contains(t, out, `"time":"2026-12-01T12:01:00Z"`)

			// from is inclusive, to exclusive.
			var b strings.Builder
			require.NoError(t, l.Export(context.Background(), t0.Add(time.Minute), t0.Add(2*time.Minute), &b, store.ExportJSONLines))
			assert.Equal(t, 1, strings.Count(b.String(), "\n"))
			assert.Contains(t, b.String(), want[1].RequestID)
		})
	}
}

func TestLedgerExportCSV(t *testing.T) {
	for _, be := range ledgerBackends {
		t.Run(be.name, func(t *testing.T) {
			l := be.openLedger(t)
			want := exportFixture(t, l)

			out := exportAll(t, l, store.ExportCSV)
			rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
			require.NoError(t, err)
			require.Len(t, rows, 4)
			assert.Equal(t, []string{
				"requestId", "consentId", "time", "policyVersion", "action", "channel", "language",
				"granted", "refused", "gpc", "ip", "userAgentHash", "path",
			}, rows[0])
			assert.Equal(t, []string{
				want[1].RequestID, "visitor", "2026-12-01T12:01:00Z", "1", "custom", "script", "en",
				"essential analytics", "targeting", "true", "203.0.113.0/24", strings.Repeat("ab", 32), `/search,"q"é&<x>`,
			}, rows[2])
			assert.Contains(t, out, `"/search,""q""é&<x>"`, "RFC 4180 quoting")

			// The header names are Record's JSON names.
			var asJSON map[string]any
			b, _ := json.Marshal(want[0])
			require.NoError(t, json.Unmarshal(b, &asJSON))
			assert.Len(t, asJSON, len(rows[0]))
			for _, col := range rows[0] {
				assert.Contains(t, asJSON, col)
			}
		})
	}
}

func TestLedgerExportUnknownFormat(t *testing.T) {
	l := ledgertest.Open(t, sqlite.Open, ledgertest.SQLiteURL(t))
	err := l.Export(context.Background(), time.Time{}, time.Time{}, &strings.Builder{}, "xml")
	require.ErrorIs(t, err, store.ErrExportFormat)
}

func TestLedgerPurge(t *testing.T) {
	const year = 365 * day
	for _, be := range ledgerBackends {
		t.Run(be.name, func(t *testing.T) {
			l := be.openLedger(t)
			ctx := context.Background()
			for i, age := range []time.Duration{4 * year, 3*year + day, 2 * year, 0} {
				rec := ledgerRecord("visitor", i)
				rec.Time = t0.Add(-age)
				require.NoError(t, l.Record(ctx, rec))
			}
			n, err := l.Purge(ctx, t0.Add(-3*year))
			require.NoError(t, err)
			assert.Equal(t, int64(2), n)
			got, err := l.Lookup(ctx, "visitor")
			require.NoError(t, err)
			require.Len(t, got, 2)
			assert.Equal(t, t0.Add(-2*year), got[0].Time)

			n, err = l.Purge(ctx, t0.Add(-3*year))
			require.NoError(t, err)
			assert.Zero(t, n)
		})
	}
}

func TestLedgerBackgroundPurge(t *testing.T) {
	for _, be := range ledgerBackends {
		t.Run(be.name, func(t *testing.T) {
			l := be.openLedger(t,
				store.LedgerClock(func() time.Time { return t0 }),
				store.LedgerRetention(store.DefaultLedgerRetention),
				store.LedgerPurgeInterval(10*time.Millisecond))
			ctx := context.Background()
			old := ledgerRecord("visitor", 1)
			old.Time = t0.Add(-store.DefaultLedgerRetention - time.Second)
			kept := ledgerRecord("visitor", 2)
			kept.Time = t0.Add(-store.DefaultLedgerRetention + time.Second)
			require.NoError(t, l.Record(ctx, old))
			require.NoError(t, l.Record(ctx, kept))
			require.Eventually(t, func() bool {
				got, err := l.Lookup(ctx, "visitor")
				return err == nil && len(got) == 1 && got[0].RequestID == kept.RequestID
			}, 5*time.Second, 10*time.Millisecond)
		})
	}
}

func TestLedgerPseudonymisedExport(t *testing.T) {
	hashed, err := store.NewPseudonymizer(store.PseudonymConfig{IP: store.IPHash, Key: key(0x51, 32)})
	require.NoError(t, err)
	const ua = "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"
	raw := []string{"198.51.100.77", "2001:db8:abcd:12:1::5", "2001:0db8:abcd:0012", ua, "cookie-secret"}
	for _, be := range ledgerBackends {
		t.Run(be.name, func(t *testing.T) {
			l := be.openLedger(t)
			p := consent.DefaultPolicy()
			for i, c := range []struct {
				remote string
				ps     *store.Pseudonymizer
				wantIP string
			}{
				{"198.51.100.77:5555", nil, "198.51.100.0/24"},
				{"[2001:db8:abcd:12:1::5]:443", nil, "2001:db8:abcd::/48"},
				{"198.51.100.77:5555", hashed, hashed.IP("198.51.100.77")},
				{"[2001:db8:abcd:12:1::5]:443", hashed, hashed.IP("2001:db8:abcd:12:1::5")},
			} {
				r := httptest.NewRequest("POST", "/consent", nil)
				r.RemoteAddr = c.remote
				r.Header.Set("User-Agent", ua)
				r.Header.Set("Cookie", "consent=cookie-secret")
				v := &consent.Consent{ID: fmt.Sprintf("visitor-%d", i), PolicyVersion: p.Version, Method: consent.RejectAll,
					Granted: p.RequiredCategories(), Given: t0, Updated: t0}
				rec := store.NewRecord(r, p, v, store.ActionRejectAll, "de", c.ps)
				require.Equal(t, c.wantIP, rec.IP)
				require.NoError(t, l.Record(context.Background(), rec))
			}
			for _, format := range []store.ExportFormat{store.ExportJSONLines, store.ExportCSV} {
				out := exportAll(t, l, format)
				for _, s := range raw {
					assert.NotContains(t, out, s, "%s export holds client data in the clear", format)
				}
				assert.Contains(t, out, "198.51.100.0/24")
				assert.Contains(t, out, "2001:db8:abcd::/48")
				assert.Contains(t, out, hashed.IP("198.51.100.77"))
				assert.Contains(t, out, hashed.UserAgent(ua))
				assert.Contains(t, out, (*store.Pseudonymizer)(nil).UserAgent(ua))
			}
		})
	}
}

func TestLedgerConcurrentRecord(t *testing.T) {
	const goroutines, each = 64, 40
	for _, be := range ledgerBackends {
		t.Run(be.name, func(t *testing.T) {
			l := be.openLedger(t)
			var wg sync.WaitGroup
			for g := range goroutines {
				wg.Go(func() {
					for i := range each {
						if err := l.Record(context.Background(), ledgerRecord(fmt.Sprintf("visitor-%d", g), i)); err != nil {
							t.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			out := exportAll(t, l, store.ExportJSONLines)
			assert.Equal(t, goroutines*each, strings.Count(out, "\n"))
			got, err := l.Lookup(context.Background(), "visitor-7")
			require.NoError(t, err)
			assert.Len(t, got, each)
		})
	}
}

func TestLedgerRejectsBadRecords(t *testing.T) {
	l := ledgertest.Open(t, sqlite.Open, ledgertest.SQLiteURL(t))
	for _, c := range []struct {
		name   string
		change func(*store.Record)
	}{
		{"no request ID", func(r *store.Record) { r.RequestID = "" }},
		{"no consent ID", func(r *store.Record) { r.ConsentID = "\x00" }},
		{"unknown action", func(r *store.Record) { r.Action = "maybe" }},
		{"unknown channel", func(r *store.Record) { r.Channel = "carrier-pigeon" }},
		{"raw IPv4", func(r *store.Record) { r.IP = "203.0.113.7" }},
		{"raw IPv6", func(r *store.Record) { r.IP = "2001:db8::1" }},
		{"IPv4 prefix too long", func(r *store.Record) { r.IP = "203.0.113.128/25" }},
		{"IPv6 prefix too long", func(r *store.Record) { r.IP = "2001:db8:1:2::/64" }},
		{"unmasked prefix", func(r *store.Record) { r.IP = "203.0.113.7/24" }},
		{"short hash", func(r *store.Record) { r.IP = "hmac-sha256:abcd" }},
		{"path too long", func(r *store.Record) { r.Path = "/" + strings.Repeat("a", 600) }},
		{"category with space", func(r *store.Record) { r.Granted = []consent.CategoryID{"a b"} }},
		{"too many categories", func(r *store.Record) { r.Refused = make([]consent.CategoryID, 65) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec := ledgerRecord("visitor", 1)
			c.change(&rec)
			require.ErrorIs(t, l.Record(context.Background(), rec), store.ErrBadRecord)
		})
	}
}

func TestLedgerRecordHonoursContext(t *testing.T) {
	for _, be := range ledgerBackends {
		t.Run(be.name, func(t *testing.T) {
			l := be.openLedger(t)
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			require.ErrorIs(t, l.Record(ctx, ledgerRecord("visitor", 1)), context.Canceled)
			_, err := l.Lookup(ctx, "visitor")
			require.ErrorIs(t, err, context.Canceled)
			require.NotErrorIs(t, err, store.ErrLedgerUnavailable, "the caller's cancellation is not the database's fault")
		})
	}
}

func TestLedgerClose(t *testing.T) {
	for _, be := range ledgerBackends {
		t.Run(be.name, func(t *testing.T) {
			url := be.url(t)
			l, err := be.open(context.Background(), url, store.LedgerRetention(0))
			require.NoError(t, err)
			require.NoError(t, l.Record(context.Background(), ledgerRecord("visitor", 1)))
			require.NoError(t, l.Close())
			require.NoError(t, l.Close(), "a second Close is harmless")

			err = l.Record(context.Background(), ledgerRecord("visitor", 2))
			require.ErrorIs(t, err, store.ErrLedgerClosed)
			require.ErrorIs(t, err, store.ErrLedgerUnavailable, "one check answers 503")
			_, err = l.Lookup(context.Background(), "visitor")
			require.ErrorIs(t, err, store.ErrLedgerClosed)
			_, err = l.Purge(context.Background(), t0)
			require.ErrorIs(t, err, store.ErrLedgerClosed)

			// Reopening finds the schema in place and the record kept.
			l2 := ledgertest.Open(t, be.open, url)
			got, err := l2.Lookup(context.Background(), "visitor")
			require.NoError(t, err)
			require.Len(t, got, 1)
		})
	}
}

// TestLedgerCloseDuringWrites closes while records are in flight: each
// caller is answered, and every acknowledged record is there afterwards.
func TestLedgerCloseDuringWrites(t *testing.T) {
	for _, be := range ledgerBackends {
		t.Run(be.name, func(t *testing.T) {
			url := be.url(t)
			l, err := be.open(context.Background(), url, store.LedgerRetention(0))
			require.NoError(t, err)
			var (
				wg    sync.WaitGroup
				mu    sync.Mutex
				acked []string
			)
			for g := range 16 {
				wg.Go(func() {
					for i := 0; ; i++ {
						rec := ledgerRecord(fmt.Sprintf("visitor-%d", g), i)
						err := l.Record(context.Background(), rec)
						if err != nil {
							assert.ErrorIs(t, err, store.ErrLedgerClosed)
							return
						}
						mu.Lock()
						acked = append(acked, rec.RequestID)
						mu.Unlock()
					}
				})
			}
			time.Sleep(50 * time.Millisecond)
			require.NoError(t, l.Close())
			wg.Wait()

			out := exportAll(t, ledgertest.Open(t, be.open, url), store.ExportJSONLines)
			assert.Equal(t, len(acked), strings.Count(out, "\n"))
			for _, id := range acked {
				require.Contains(t, out, `"`+id+`"`)
			}
		})
	}
}
