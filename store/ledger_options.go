package store

import (
	"fmt"
	"log/slog"
	"time"
)

// Defaults of the consent ledger.
const (
	// DefaultLedgerBatch is the most records one transaction carries.
	DefaultLedgerBatch = 256
	// DefaultLedgerWriteTimeout bounds one batch's write, retries included.
	DefaultLedgerWriteTimeout = 10 * time.Second
	// DefaultLedgerBusyTimeout is how long SQLite waits for another
	// connection's lock before giving up.
	DefaultLedgerBusyTimeout = 5 * time.Second
	// DefaultLedgerRetention is how long records are kept: 3 years (1096
	// days, so that a leap day never shortens them).
	DefaultLedgerRetention = 1096 * 24 * time.Hour
	// DefaultLedgerPurgeInterval is how often the background purge runs.
	DefaultLedgerPurgeInterval = time.Hour
)

// LedgerOption configures a ledger: pass it to a driver's Open
// (store/sqlite, store/postgres) or to store/ledgerurl's Open.
type LedgerOption func(*ledgerConfig)

// LedgerConfig is a checked ledger configuration, for drivers: a driver's
// Open builds it from its options with NewLedgerConfig, reads the settings
// that concern its database (BusyTimeout) and hands it to NewLedger.
type LedgerConfig struct {
	c ledgerConfig
}

// NewLedgerConfig applies opts to the defaults and checks the result: an
// out-of-range value is an error naming the option.
func NewLedgerConfig(opts ...LedgerOption) (*LedgerConfig, error) {
	c := defaultLedgerConfig()
	for _, o := range opts {
		o(&c)
	}
	if err := c.check(); err != nil {
		return nil, err
	}
	return &LedgerConfig{c: c}, nil
}

// BusyTimeout is the LedgerBusyTimeout setting: how long an embedded
// database waits for a lock another connection holds.
func (c *LedgerConfig) BusyTimeout() time.Duration { return c.c.busyTimeout }

type ledgerConfig struct {
	maxBatch     int
	maxWait      time.Duration
	writeTimeout time.Duration
	busyTimeout  time.Duration
	retention    time.Duration
	purgeEvery   time.Duration
	log          *slog.Logger
	now          func() time.Time
}

func defaultLedgerConfig() ledgerConfig {
	return ledgerConfig{
		maxBatch:     DefaultLedgerBatch,
		writeTimeout: DefaultLedgerWriteTimeout,
		busyTimeout:  DefaultLedgerBusyTimeout,
		retention:    DefaultLedgerRetention,
		purgeEvery:   DefaultLedgerPurgeInterval,
		log:          slog.Default(),
		now:          time.Now,
	}
}

// LedgerBatch sets the group commit: at most maxRecords records per
// transaction, and maxWait to linger for more once a record has arrived.
// Default DefaultLedgerBatch and no lingering: records that arrive while a
// batch is being synced form the next one, so batches grow with the load
// and a lone record is never delayed.
func LedgerBatch(maxRecords int, maxWait time.Duration) LedgerOption {
	return func(c *ledgerConfig) { c.maxBatch, c.maxWait = maxRecords, maxWait }
}

// LedgerWriteTimeout bounds the write of one batch, retries included; past
// it the batch's callers get ErrLedgerUnavailable. Default
// DefaultLedgerWriteTimeout (10s).
func LedgerWriteTimeout(d time.Duration) LedgerOption {
	return func(c *ledgerConfig) { c.writeTimeout = d }
}

// LedgerBusyTimeout sets how long SQLite waits for a lock another
// connection or process holds. Default DefaultLedgerBusyTimeout (5s).
// PostgreSQL ignores it.
func LedgerBusyTimeout(d time.Duration) LedgerOption {
	return func(c *ledgerConfig) { c.busyTimeout = d }
}

// LedgerRetention sets how long records are kept: a background goroutine
// purges older ones every LedgerPurgeInterval. Zero or less turns the
// background purge off (Purge still works). Default
// DefaultLedgerRetention (3 years).
func LedgerRetention(age time.Duration) LedgerOption {
	return func(c *ledgerConfig) { c.retention = age }
}

// LedgerPurgeInterval sets how often the background purge runs; the first
// run is at open. Default DefaultLedgerPurgeInterval (1h).
func LedgerPurgeInterval(d time.Duration) LedgerOption {
	return func(c *ledgerConfig) { c.purgeEvery = d }
}

// LedgerLogger sets where background purge failures are logged. Default
// slog.Default().
func LedgerLogger(l *slog.Logger) LedgerOption {
	return func(c *ledgerConfig) { c.log = l }
}

// LedgerClock sets the source of the current time (for tests): the time of
// records recorded without one and the retention cutoff. Default time.Now.
func LedgerClock(now func() time.Time) LedgerOption {
	return func(c *ledgerConfig) { c.now = now }
}

func (c *ledgerConfig) check() error {
	switch {
	case c.maxBatch < 1 || c.maxBatch > 10000:
		return fmt.Errorf("store: LedgerBatch of %d records, want 1 to 10000", c.maxBatch)
	case c.maxWait < 0 || c.maxWait > time.Second:
		return fmt.Errorf("store: LedgerBatch wait %s, want 0 to 1s", c.maxWait)
	case c.writeTimeout <= 0:
		return fmt.Errorf("store: LedgerWriteTimeout %s is not positive", c.writeTimeout)
	case c.busyTimeout < 0:
		return fmt.Errorf("store: LedgerBusyTimeout %s is negative", c.busyTimeout)
	case c.retention > 0 && c.purgeEvery <= 0:
		return fmt.Errorf("store: LedgerPurgeInterval %s is not positive", c.purgeEvery)
	case c.log == nil || c.now == nil:
		return fmt.Errorf("store: LedgerLogger and LedgerClock need a value")
	}
	return nil
}
