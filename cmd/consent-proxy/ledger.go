package main

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/consentgate/consent/store"
	"github.com/consentgate/consent/store/ledgerurl"
)

// ledgerOpenTimeout bounds opening the ledger: a PostgreSQL server that
// does not answer should fail the start, not hang it.
const ledgerOpenTimeout = 30 * time.Second

// maxRetention bounds -ledger-retention: far beyond any retention a law
// asks for, and far inside what a time.Duration holds (292 years).
const maxRetention = 100 * 366 * 24 * time.Hour

// parseLedger reads -ledger, -ledger-retention and -ip-hash-key.
func (c *config) parseLedger(v values) error {
	c.ledgerURL, c.ledgerSrc = strings.TrimSpace(v.val["ledger"]), v.src["ledger"]
	if c.ledgerURL != "" {
		if err := checkLedgerURL(c.ledgerURL, false); err != nil {
			return v.errorf("ledger", "%v", err)
		}
	}
	r, err := parseRetention(v.val["ledger-retention"])
	if err != nil {
		return v.errorf("ledger-retention", "%v", err)
	}
	c.retention = r
	if hk := strings.TrimSpace(v.val["ip-hash-key"]); hk != "" {
		// A key without a ledger would do nothing, silently: most likely
		// the -ledger setting went missing.
		if c.ledgerURL == "" {
			return v.errorf("ip-hash-key", "set without -ledger: there are no records to hash IPs in")
		}
		// The key itself never appears in a message: it is a secret.
		key, err := hex.DecodeString(hk)
		if err != nil {
			return v.errorf("ip-hash-key", "must be hex (openssl rand -hex 32 prints a key)")
		}
		if len(key) < store.MinPseudonymKeyBytes {
			return v.errorf("ip-hash-key", "key is %d bytes, want at least %d (openssl rand -hex 32 prints one)", len(key), store.MinPseudonymKeyBytes)
		}
		c.ipHashKey = key
	}
	return nil
}

// parseRetention reads a retention: whole years ("3y"), whole days
// ("1096d") or a Go duration ("26304h"). A year counts 365.25 days rounded
// up to whole days (1y = 366d, 3y = 1096d, as store.DefaultLedgerRetention),
// so that leap days never cut a retention short.
func parseRetention(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	var d time.Duration
	if n, unit, ok := cutNumberUnit(s); ok {
		// Bounded before multiplying, so that nothing overflows.
		if (unit == "y" && n > 100) || n > int64(maxRetention/(24*time.Hour)) {
			return 0, fmt.Errorf("%q is longer than 100 years", s)
		}
		days := n
		if unit == "y" {
			days = n*365 + (n+3)/4 // 365.25 days a year, rounded up
		}
		d = time.Duration(days) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil || d > maxRetention {
			return 0, fmt.Errorf("must be whole years (3y), whole days (1096d) or a duration (26304h), not %q", s)
		}
	}
	if d <= 0 {
		return 0, fmt.Errorf("must be positive, not %q", s)
	}
	return d, nil
}

// cutNumberUnit splits "3y" or "1096d" into its whole number and unit.
func cutNumberUnit(s string) (int64, string, bool) {
	if len(s) < 2 {
		return 0, "", false
	}
	unit := s[len(s)-1:]
	if unit != "y" && unit != "d" {
		return 0, "", false
	}
	n, err := strconv.ParseInt(s[:len(s)-1], 10, 64)
	if err != nil || n < 0 || s[0] == '+' {
		return 0, "", false
	}
	return n, unit, true
}

// checkLedgerURL catches the mistakes in a ledger URL that can be found
// without opening it, so that they are reported as flag errors. With
// mustExist, an SQLite file must already be there: an export must not
// create an empty ledger where a typo pointed. The rest of the URL is
// ledgerurl.Open's to check.
func checkLedgerURL(raw string, mustExist bool) error {
	scheme, _, ok := strings.Cut(raw, ":")
	if !ok {
		return errors.New("must be a URL: sqlite:///abs/ledger.db, sqlite://rel/ledger.db or postgres://…")
	}
	switch strings.ToLower(scheme) {
	case "postgres", "postgresql":
		return nil
	case "sqlite":
	default:
		// Only the scheme is named: the rest of a URL may hold a password.
		if len(scheme) > 40 || strings.ContainsAny(scheme, "/@") {
			scheme = "?"
		}
		return fmt.Errorf("must be a sqlite:, postgres: or postgresql: URL, not one of scheme %q", scheme)
	}
	path, ok := sqliteFile(raw)
	if !ok {
		return nil
	}
	if mustExist {
		if _, err := os.Stat(path); err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("no ledger file %s", path)
			}
			return err
		}
		return nil
	}
	// SQLite creates the file but not its directory; said here, rather
	// than as SQLite's "unable to open database file".
	if fi, err := os.Stat(filepath.Dir(path)); err != nil || !fi.IsDir() {
		return fmt.Errorf("directory %s does not exist (the ledger file is created, its directory is not)", filepath.Dir(path))
	}
	return nil
}

// sqliteFile is the file a sqlite: URL names, read as sqlite.Open
// reads it: sqlite:///abs.db is absolute, sqlite://rel.db and sqlite:rel.db
// are relative to the working directory. ok is false for a URL it cannot
// read; sqlite.Open then says what is wrong.
func sqliteFile(raw string) (path string, ok bool) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", false
	}
	path = u.Host + u.Path
	if u.Opaque != "" {
		if path, err = url.PathUnescape(u.Opaque); err != nil {
			return "", false
		}
	}
	return path, path != "" && !strings.HasSuffix(path, "/")
}

// ledgerName is a ledger URL fit for the log: a PostgreSQL URL loses its
// user info and query, either of which can carry the password.
func ledgerName(raw string) string {
	if raw == "" {
		return "none"
	}
	u, err := url.Parse(raw)
	if err != nil {
		scheme, _, _ := strings.Cut(raw, ":")
		return scheme + ":…"
	}
	if s := strings.ToLower(u.Scheme); s == "postgres" || s == "postgresql" {
		u.User, u.RawQuery, u.ForceQuery = nil, "", false
	}
	return u.String()
}

// openLedger opens the -ledger the proxy records decisions in. extra comes
// last, so that tests can shorten its timeouts.
func openLedger(ctx context.Context, c *config, logger *slog.Logger, extra []store.LedgerOption) (store.Ledger, error) {
	ctx, cancel := context.WithTimeout(ctx, ledgerOpenTimeout)
	defer cancel()
	opts := append([]store.LedgerOption{store.LedgerRetention(c.retention), store.LedgerLogger(logger)}, extra...)
	l, err := ledgerurl.Open(ctx, c.ledgerURL, opts...)
	if err != nil && errors.Is(err, store.ErrLedgerURL) {
		return nil, &flagError{flag: "ledger", msg: err.Error(), src: c.ledgerSrc}
	}
	return l, err
}
