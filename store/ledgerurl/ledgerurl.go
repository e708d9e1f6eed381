// Package ledgerurl opens a proof-of-consent ledger (store.Ledger) from a
// URL whose scheme picks the database: what a command that takes the
// ledger as a setting (consent-proxy's -ledger, the demo's -ledger) needs.
// It links both drivers, modernc.org/sqlite and github.com/jackc/pgx; an
// application that knows its database imports store/sqlite or
// store/postgres alone instead.
package ledgerurl

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/consentgate/consent/store"
	"github.com/consentgate/consent/store/postgres"
	"github.com/consentgate/consent/store/sqlite"
)

// Open opens the ledger that rawURL names, creates or migrates its schema,
// and starts its writer and (unless store.LedgerRetention turns it off) its
// background purge. Close it when done.
//
//   - sqlite:///var/lib/consent/ledger.db — an SQLite file, absolute path;
//     sqlite://ledger.db, sqlite://data/ledger.db and sqlite:ledger.db are
//     relative to the working directory. The directory must exist; the file
//     is created. The embedded default for a single instance (sqlite.Open).
//   - postgres://user:pass@host/db?sslmode=verify-full (or postgresql://) —
//     PostgreSQL, for several instances sharing one ledger (postgres.Open).
//     pgx reads the URL: pool_max_conns and run-time parameters such as
//     search_path go in its query.
//
// Any other scheme is an error wrapping store.ErrLedgerURL that names it. A
// database that cannot be reached or migrated is an error wrapping
// store.ErrLedgerUnavailable.
func Open(ctx context.Context, rawURL string, opts ...store.LedgerOption) (store.Ledger, error) {
	scheme, _, ok := strings.Cut(rawURL, ":")
	if !ok {
		return nil, fmt.Errorf("%w: no scheme (want sqlite:, postgres: or postgresql:)", store.ErrLedgerURL)
	}
	switch strings.ToLower(scheme) {
	case sqlite.Scheme:
		return sqlite.Open(ctx, rawURL, opts...)
	case "postgres", "postgresql":
		return postgres.Open(ctx, rawURL, opts...)
	}
	// Only the scheme is named: the rest may hold a password.
	return nil, fmt.Errorf("%w: unknown scheme %q (want sqlite, postgres or postgresql)", store.ErrLedgerURL, truncate(scheme, 40))
}

// truncate cuts s to at most n bytes without splitting a character.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
