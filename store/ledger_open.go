package store

import (
	"context"
	"fmt"
	"net/url"
	"strings"
)

// OpenLedger opens the ledger that rawURL names, creates or migrates its
// schema, and starts its writer and (unless LedgerRetention turns it off)
// its background purge. Close it when done.
//
//   - sqlite:///var/lib/consent/ledger.db — an SQLite file, absolute path;
//     sqlite://ledger.db, sqlite://data/ledger.db and sqlite:ledger.db are
//     relative to the working directory. The directory must exist; the file
//     is created. The embedded default for a single instance.
//   - postgres://user:pass@host/db?sslmode=verify-full (or postgresql://) —
//     PostgreSQL, for several instances sharing one ledger. pgx reads the
//     URL: pool_max_conns and run-time parameters such as search_path go in
//     its query.
//
// Any other scheme is an error wrapping ErrLedgerURL that names it. A
// database that cannot be reached or migrated is an error wrapping
// ErrLedgerUnavailable.
func OpenLedger(ctx context.Context, rawURL string, opts ...LedgerOption) (Ledger, error) {
	cfg := defaultLedgerConfig()
	for _, o := range opts {
		o(&cfg)
	}
	if err := cfg.check(); err != nil {
		return nil, err
	}
	scheme, _, ok := strings.Cut(rawURL, ":")
	if !ok {
		return nil, fmt.Errorf("%w: no scheme (want sqlite:, postgres: or postgresql:)", ErrLedgerURL)
	}
	var (
		b   ledgerBackend
		err error
	)
	switch strings.ToLower(scheme) {
	case "sqlite":
		u, perr := url.Parse(rawURL)
		if perr != nil {
			return nil, fmt.Errorf("%w: %w", ErrLedgerURL, perr)
		}
		path, perr := sqlitePath(u)
		if perr != nil {
			return nil, perr
		}
		b, err = openSQLite(ctx, path, &cfg)
	case "postgres", "postgresql":
		b, err = openPostgres(ctx, rawURL)
	default:
		// Only the scheme is named: the rest may hold a password.
		return nil, fmt.Errorf("%w: unknown scheme %q (want sqlite, postgres or postgresql)", ErrLedgerURL, truncateUTF8(scheme, 40))
	}
	if err != nil {
		return nil, err
	}
	return newLedger(b, cfg), nil
}
