package store

import (
	"context"
	"time"
)

// purgeLoop deletes records older than the retention age at open and then
// every purge interval, until Close. Several instances on one database may
// all run it: a purge only deletes what is already too old, so doing it
// twice is harmless.
func (l *ledger) purgeLoop(ctx context.Context) {
	defer close(l.purgeDone)
	t := time.NewTicker(l.cfg.purgeEvery)
	defer t.Stop()
	for {
		cutoff := l.cfg.now().Add(-l.cfg.retention)
		n, err := l.b.Purge(ctx, cutoff.UTC())
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			// Logged, not fatal: the next tick tries again, and keeping a
			// record a little longer loses nothing.
			l.cfg.log.Error("consent ledger: purge failed", "olderThan", cutoff, "error", err)
		case n > 0:
			l.cfg.log.Info("consent ledger: purged old records", "olderThan", cutoff, "records", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
