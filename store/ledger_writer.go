package store

import (
	"context"
	"fmt"
	"runtime"
	"time"
)

// pendingRecord is one Record call waiting for its batch.
type pendingRecord struct {
	ctx context.Context
	rec Record
	// done is buffered so that the writer never waits for a caller that
	// has given up.
	done chan error
}

// groupWriter is the single writer goroutine of a ledger. Concurrent Record
// calls hand it their records; it commits whatever has gathered in one
// transaction and then answers every caller, so a burst costs one sync per
// batch instead of one per record.
type groupWriter struct {
	insert   func(context.Context, []Record) error
	maxBatch int
	maxWait  time.Duration
	timeout  time.Duration
	// reqs is unbuffered: a send that succeeds means the writer holds the
	// record and will answer it, even while closing.
	reqs    chan *pendingRecord
	quit    chan struct{}
	stopped chan struct{}
}

// writeAttempts is how often a batch is tried before its callers get
// ErrLedgerUnavailable. A retry is safe (rows are keyed by RequestID) and
// lets a batch that met a connection the database had just dropped succeed
// on a fresh one.
const writeAttempts = 3

// retryPauses is the wait before each retry.
var retryPauses = [writeAttempts]time.Duration{0, 10 * time.Millisecond, 100 * time.Millisecond}

func newGroupWriter(insert func(context.Context, []Record) error, cfg *ledgerConfig) *groupWriter {
	w := &groupWriter{
		insert:   insert,
		maxBatch: cfg.maxBatch,
		maxWait:  cfg.maxWait,
		timeout:  cfg.writeTimeout,
		reqs:     make(chan *pendingRecord),
		quit:     make(chan struct{}),
		stopped:  make(chan struct{}),
	}
	go w.run()
	return w
}

// submit hands rec to the writer and waits for its answer or for ctx.
func (w *groupWriter) submit(ctx context.Context, rec Record) error {
	p := &pendingRecord{ctx: ctx, rec: rec, done: make(chan error, 1)}
	select {
	case w.reqs <- p:
	case <-w.quit:
		return errClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-p.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// stop commits what the writer already holds and ends it.
func (w *groupWriter) stop() {
	close(w.quit)
	<-w.stopped
}

func (w *groupWriter) run() {
	defer close(w.stopped)
	batch := make([]*pendingRecord, 0, w.maxBatch)
	recs := make([]Record, 0, w.maxBatch)
	for {
		select {
		case p := <-w.reqs:
			batch = w.gather(append(batch[:0], p))
		case <-w.quit:
			return
		}
		recs = w.commit(batch, recs[:0])
		clear(batch) // drop references to answered callers
	}
}

// gather adds the records already waiting, and with maxWait those that
// arrive within it, up to maxBatch. Without maxWait no time is spent
// waiting: records that arrive during a commit wait for it anyway and form
// the next batch, which is what makes the batches grow with the load.
func (w *groupWriter) gather(batch []*pendingRecord) []*pendingRecord {
	var deadline <-chan time.Time
	if w.maxWait > 0 {
		t := time.NewTimer(w.maxWait)
		defer t.Stop()
		deadline = t.C
	}
	yielded := false
	for len(batch) < w.maxBatch {
		select {
		case p := <-w.reqs:
			batch = append(batch, p)
			yielded = false
			continue
		default:
		}
		if deadline == nil {
			if yielded {
				break
			}
			// Let the callers the last commit woke submit their next
			// record; without this yield they miss the batch by a hair and
			// batches alternate between large and tiny. With nothing else
			// runnable it returns at once.
			runtime.Gosched()
			yielded = true
			continue
		}
		select {
		case p := <-w.reqs:
			batch = append(batch, p)
		case <-deadline:
			return batch
		case <-w.quit:
			return batch
		}
	}
	return batch
}

// commit writes the batch and answers its callers. A caller that gave up
// before the write starts is skipped: it was told ctx.Err(), so it will set
// no cookie, and the ledger should not claim a decision the visitor never
// got.
func (w *groupWriter) commit(batch []*pendingRecord, recs []Record) []Record {
	live := batch[:0]
	for _, p := range batch {
		if err := p.ctx.Err(); err != nil {
			p.done <- err
			continue
		}
		live = append(live, p)
		recs = append(recs, p.rec)
	}
	if len(live) == 0 {
		return recs
	}
	err := w.write(recs)
	for _, p := range live {
		p.done <- err
	}
	clear(recs) // drop the records' slices and strings until the next batch
	return recs
}

func (w *groupWriter) write(recs []Record) error {
	ctx, cancel := context.WithTimeout(context.Background(), w.timeout)
	defer cancel()
	var err error
	for attempt := range writeAttempts {
		if attempt > 0 {
			select {
			case <-time.After(retryPauses[attempt]):
			case <-ctx.Done():
				return fmt.Errorf("%w: %w", ErrLedgerUnavailable, err)
			}
		}
		if err = w.insert(ctx, recs); err == nil {
			return nil
		}
		if ctx.Err() != nil {
			break
		}
	}
	return fmt.Errorf("%w: %w", ErrLedgerUnavailable, err)
}
