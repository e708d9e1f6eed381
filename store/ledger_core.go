package store

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"
)

// LedgerBackend is what a database does for a ledger: store rows and read
// them back. A driver (store/sqlite, store/postgres) implements it and
// hands it to NewLedger, which adds what every database shares: the record
// checks, the group-commit writer, the background purge and the export
// formats. Errors are the database's own; the ledger wraps them in
// ErrLedgerUnavailable. Implementations must be safe for concurrent use:
// the writer inserts while readers look up and the purge deletes.
type LedgerBackend interface {
	// Insert stores recs in one transaction, skipping RequestIDs already
	// stored, and returns once it is committed and durable. The records
	// have been checked and normalised (UTC microsecond times, valid
	// UTF-8 text without NUL, category IDs without white space). A failed
	// batch is retried as a whole, so Insert must leave nothing behind when
	// it fails.
	Insert(ctx context.Context, recs []Record) error
	// Lookup returns the records of one consent ID, oldest first (by Time,
	// then in the order they were stored).
	Lookup(ctx context.Context, consentID string) ([]Record, error)
	// Scan calls fn for each record with from <= Time < to, oldest first,
	// and stops at fn's first error.
	Scan(ctx context.Context, from, to time.Time, fn func(*Record) error) error
	// Purge deletes the records with Time < before and says how many.
	Purge(ctx context.Context, before time.Time) (int64, error)
	// Close closes the database. NewLedger's Close calls it once, after
	// the last write and read have finished.
	Close() error
}

// errClosed is what a closed ledger answers: unavailable (so the endpoint
// answers 503 with one check) and closed.
var errClosed = fmt.Errorf("%w: %w", ErrLedgerUnavailable, ErrLedgerClosed)

// Open ends of an export range.
var (
	exportMin = time.Date(1, time.January, 1, 0, 0, 0, 0, time.UTC)
	exportMax = time.Date(9999, time.December, 31, 0, 0, 0, 0, time.UTC)
)

// ledger is the Ledger of every backend: the group writer, the background
// purge and the export formats are the same for all.
type ledger struct {
	b   LedgerBackend
	w   *groupWriter
	cfg ledgerConfig

	mu       sync.Mutex
	closed   bool
	inflight sync.WaitGroup // reads and purges that Close waits for

	stopPurge context.CancelFunc
	purgeDone chan struct{}
}

// NewLedger makes the Ledger of a driver's backend b, configured by cfg
// (nil: the defaults), and starts its writer and (unless LedgerRetention
// turns it off) its background purge. Applications open a ledger with a
// driver's Open (store/sqlite, store/postgres) or store/ledgerurl; a new
// driver calls NewLedger. Closing the ledger closes b.
func NewLedger(b LedgerBackend, cfg *LedgerConfig) Ledger {
	c := defaultLedgerConfig()
	if cfg != nil {
		c = cfg.c
	}
	return newLedger(b, c)
}

func newLedger(b LedgerBackend, cfg ledgerConfig) *ledger {
	l := &ledger{b: b, cfg: cfg}
	l.w = newGroupWriter(b.Insert, &l.cfg)
	if cfg.retention > 0 {
		ctx, cancel := context.WithCancel(context.Background())
		l.stopPurge, l.purgeDone = cancel, make(chan struct{})
		go l.purgeLoop(ctx)
	}
	return l
}

func (l *ledger) Record(ctx context.Context, rec Record) error {
	if err := rec.normalize(l.cfg.now()); err != nil {
		return err
	}
	if err := l.w.submit(ctx, rec); err != nil {
		return err
	}
	if !strings.HasPrefix(rec.RequestID, idempotentPrefix) {
		return nil
	}
	// A keyed record was stored, or skipped because its request ID was
	// stored already: by a retry of the same decision (idempotent), or by
	// another decision under a reused key, which the stored row shows.
	// The database's unique request ID decides which came first, so the
	// check holds across instances and concurrent requests.
	stored, err := l.Lookup(ctx, rec.ConsentID)
	if err != nil {
		return err
	}
	for _, s := range stored {
		if s.RequestID == rec.RequestID && !sameDecision(s, rec) {
			return ErrIdempotencyConflict
		}
	}
	return nil
}

// sameDecision reports whether two records of one request ID record the
// same decision.
func sameDecision(a, b Record) bool {
	return a.Action == b.Action && a.PolicyVersion == b.PolicyVersion && a.GPC == b.GPC &&
		slices.Equal(a.Granted, b.Granted)
}

// enter registers a read or purge, unless the ledger is closed.
func (l *ledger) enter() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return errClosed
	}
	l.inflight.Add(1)
	return nil
}

func (l *ledger) Lookup(ctx context.Context, consentID string) ([]Record, error) {
	if consentID == "" {
		return []Record{}, nil // no record has an empty consent ID
	}
	if err := l.enter(); err != nil {
		return nil, err
	}
	defer l.inflight.Done()
	recs, err := l.b.Lookup(ctx, consentID)
	if err != nil {
		return nil, unavailable(ctx, err)
	}
	if recs == nil {
		recs = []Record{}
	}
	return recs, nil
}

func (l *ledger) Export(ctx context.Context, from, to time.Time, w io.Writer, format ExportFormat) error {
	enc, err := newExportEncoder(w, format)
	if err != nil {
		return err
	}
	if err := l.enter(); err != nil {
		return err
	}
	defer l.inflight.Done()
	if from.IsZero() {
		from = exportMin
	}
	if to.IsZero() {
		to = exportMax
	}
	var writeErr error
	err = l.b.Scan(ctx, from.UTC(), to.UTC(), func(rec *Record) error {
		writeErr = enc.write(rec)
		return writeErr
	})
	if writeErr != nil {
		return fmt.Errorf("store: write ledger export: %w", writeErr)
	}
	if err != nil {
		return unavailable(ctx, err)
	}
	if err := enc.flush(); err != nil {
		return fmt.Errorf("store: write ledger export: %w", err)
	}
	return nil
}

func (l *ledger) Purge(ctx context.Context, olderThan time.Time) (int64, error) {
	if err := l.enter(); err != nil {
		return 0, err
	}
	defer l.inflight.Done()
	n, err := l.b.Purge(ctx, olderThan.UTC())
	if err != nil {
		return n, unavailable(ctx, err)
	}
	return n, nil
}

func (l *ledger) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	l.mu.Unlock()
	l.w.stop()
	if l.stopPurge != nil {
		l.stopPurge()
		<-l.purgeDone
	}
	l.inflight.Wait()
	return l.b.Close()
}

// unavailable wraps a database error, but leaves the caller's own
// cancellation as it is: that is not the database's fault.
func unavailable(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return fmt.Errorf("%w: %w", ErrLedgerUnavailable, err)
}
