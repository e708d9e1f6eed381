// Package sqlite keeps the proof-of-consent ledger (store.Ledger) in one
// embedded SQLite file: the default for a single instance, pure Go (no
// cgo). Importing it links modernc.org/sqlite; an application that records
// no ledger, or keeps it in PostgreSQL (store/postgres), does not need it.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/consentgate/consent"
	"github.com/consentgate/consent/store"
	_ "modernc.org/sqlite" // the "sqlite" database/sql driver, pure Go
)

// Scheme is the URL scheme of an SQLite ledger (compared without case).
const Scheme = "sqlite"

// Open opens the SQLite ledger that rawURL names, creates or migrates its
// schema, and starts its writer and (unless store.LedgerRetention turns it
// off) its background purge. Close it when done.
//
// sqlite:///var/lib/consent/ledger.db names an absolute path;
// sqlite://ledger.db, sqlite://data/ledger.db and sqlite:ledger.db are
// relative to the working directory. The directory must exist; the file is
// created. A URL of another scheme, with a query, fragment or user, or
// naming an in-memory database is an error wrapping store.ErrLedgerURL; a
// file that cannot be opened or migrated is an error wrapping
// store.ErrLedgerUnavailable.
func Open(ctx context.Context, rawURL string, opts ...store.LedgerOption) (store.Ledger, error) {
	cfg, err := store.NewLedgerConfig(opts...)
	if err != nil {
		return nil, err
	}
	path, err := Path(rawURL)
	if err != nil {
		return nil, err
	}
	b, err := open(ctx, path, cfg.BusyTimeout())
	if err != nil {
		return nil, err
	}
	return store.NewLedger(b, cfg), nil
}

// Path returns the file an sqlite: URL names, as Open reads it, or an error
// wrapping store.ErrLedgerURL.
func Path(rawURL string) (string, error) {
	scheme, _, ok := strings.Cut(rawURL, ":")
	if !ok || !strings.EqualFold(scheme, Scheme) {
		return "", fmt.Errorf("%w: not a sqlite: URL", store.ErrLedgerURL)
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", fmt.Errorf("%w: %w", store.ErrLedgerURL, err)
	}
	return sqlitePath(u)
}

// sqliteLedger keeps the ledger in one SQLite file.
//
// Durability: the database runs in WAL mode with synchronous=FULL, so every
// commit syncs the WAL before it returns; NORMAL would survive a crash of
// the program but could lose the last commits on a power cut, and Record
// promises durability. Group commit pays that sync once per batch.
// Readers (Lookup, Export) run beside the writer, which WAL allows.
type sqliteLedger struct {
	db   *sql.DB
	stmt *sql.Stmt
}

// sqliteMaxConns bounds the connections: one writer, the purge, and
// readers.
const sqliteMaxConns = 8

// sqlitePurgeChunk is how many rows one purge statement deletes, so that a
// large purge never holds the write lock for long.
const sqlitePurgeChunk = 5000

// sqliteMigrations are the schema versions, each a list of statements;
// version i+1 is sqliteMigrations[i]. Never edit one that has shipped: add
// the next.
var sqliteMigrations = [][]string{{
	`CREATE TABLE consent_ledger (
		seq            INTEGER PRIMARY KEY,
		request_id     TEXT    NOT NULL UNIQUE,
		consent_id     TEXT    NOT NULL,
		at_us          INTEGER NOT NULL, -- Unix microseconds, UTC
		policy_version TEXT    NOT NULL,
		action         TEXT    NOT NULL,
		channel        TEXT    NOT NULL,
		language       TEXT    NOT NULL,
		granted        TEXT    NOT NULL, -- space-separated category IDs
		refused        TEXT    NOT NULL,
		gpc            INTEGER NOT NULL,
		ip             TEXT    NOT NULL,
		ua_hash        TEXT    NOT NULL,
		path           TEXT    NOT NULL
	)`,
	`CREATE INDEX consent_ledger_consent ON consent_ledger (consent_id, at_us)`,
	`CREATE INDEX consent_ledger_at ON consent_ledger (at_us)`,
}}

const sqliteColumns = `request_id, consent_id, at_us, policy_version, action, channel, language, granted, refused, gpc, ip, ua_hash, path`

// sqlitePath reads the file path of a sqlite: URL: sqlite:///abs/path.db is
// absolute, sqlite://rel/path.db and sqlite:rel.db are relative to the
// working directory. Query, fragment, user info and in-memory names are
// refused: a ledger that vanishes with the process proves nothing.
func sqlitePath(u *url.URL) (string, error) {
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("%w: a sqlite URL takes no query, fragment or user", store.ErrLedgerURL)
	}
	path := u.Opaque
	if path == "" {
		path = u.Host + u.Path
	} else if p, err := url.PathUnescape(path); err == nil {
		path = p
	}
	switch {
	case path == "" || strings.HasSuffix(path, "/"):
		return "", fmt.Errorf("%w: a sqlite URL needs a file path", store.ErrLedgerURL)
	case strings.HasPrefix(path, ":") || strings.HasPrefix(path, "file:") || strings.ContainsAny(path, "?\x00"):
		return "", fmt.Errorf("%w: sqlite path %q is not a plain file path", store.ErrLedgerURL, path)
	}
	return path, nil
}

func open(ctx context.Context, path string, busyTimeout time.Duration) (*sqliteLedger, error) {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	// Transactions take the write lock at BEGIN: the writer then waits for
	// a competing writer under the busy timeout instead of failing at its
	// first INSERT.
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("%w: %w", store.ErrLedgerUnavailable, err)
	}
	db.SetMaxOpenConns(sqliteMaxConns)
	db.SetMaxIdleConns(sqliteMaxConns)
	s := &sqliteLedger{db: db}
	if err := s.migrate(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("%w: open %s: %w", store.ErrLedgerUnavailable, path, err)
	}
	s.stmt, err = db.PrepareContext(ctx, `INSERT INTO consent_ledger (`+sqliteColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (request_id) DO NOTHING`)
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("%w: %w", store.ErrLedgerUnavailable, err)
	}
	return s, nil
}

// migrate brings the schema to the newest version in one immediate
// transaction, so two processes opening the file at once take turns.
func (s *sqliteLedger) migrate(ctx context.Context) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS consent_ledger_schema_version (
		version    INTEGER NOT NULL PRIMARY KEY,
		applied_at TEXT    NOT NULL
	)`); err != nil {
		return err
	}
	var have int
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM consent_ledger_schema_version`).Scan(&have); err != nil {
		return err
	}
	for v := have; v < len(sqliteMigrations); v++ {
		for _, stmt := range sqliteMigrations[v] {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("schema version %d: %w", v+1, err)
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO consent_ledger_schema_version (version, applied_at) VALUES (?, ?)`,
			v+1, time.Now().UTC().Format(time.RFC3339)); err != nil {
			return err
		}
	}
	return tx.Commit()
}

func (s *sqliteLedger) Insert(ctx context.Context, recs []store.Record) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	stmt := tx.StmtContext(ctx, s.stmt)
	for i := range recs {
		r := &recs[i]
		if _, err := stmt.ExecContext(ctx, r.RequestID, r.ConsentID, r.Time.UnixMicro(), r.PolicyVersion,
			string(r.Action), string(r.Channel), r.Language, joinCategories(r.Granted), joinCategories(r.Refused),
			r.GPC, r.IP, r.UserAgentHash, r.Path); err != nil {
			return err
		}
	}
	return tx.Commit()
}

func (s *sqliteLedger) Lookup(ctx context.Context, consentID string) ([]store.Record, error) {
	var recs []store.Record
	err := s.query(ctx, func(rec *store.Record) error {
		recs = append(recs, *rec)
		return nil
	}, `SELECT `+sqliteColumns+` FROM consent_ledger WHERE consent_id = ? ORDER BY at_us, seq`, consentID)
	return recs, err
}

func (s *sqliteLedger) Scan(ctx context.Context, from, to time.Time, fn func(*store.Record) error) error {
	return s.query(ctx, fn, `SELECT `+sqliteColumns+` FROM consent_ledger
		WHERE at_us >= ? AND at_us < ? ORDER BY at_us, seq`, from.UnixMicro(), to.UnixMicro())
}

func (s *sqliteLedger) query(ctx context.Context, fn func(*store.Record) error, query string, args ...any) error {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer func() { _ = rows.Close() }()
	for rows.Next() {
		var (
			rec              store.Record
			atMicro          int64
			granted, refused string
		)
		if err := rows.Scan(&rec.RequestID, &rec.ConsentID, &atMicro, &rec.PolicyVersion, &rec.Action, &rec.Channel,
			&rec.Language, &granted, &refused, &rec.GPC, &rec.IP, &rec.UserAgentHash, &rec.Path); err != nil {
			return err
		}
		rec.Time = time.UnixMicro(atMicro).UTC()
		rec.Granted, rec.Refused = splitCategories(granted), splitCategories(refused)
		if err := fn(&rec); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (s *sqliteLedger) Purge(ctx context.Context, before time.Time) (int64, error) {
	var total int64
	for {
		res, err := s.db.ExecContext(ctx, `DELETE FROM consent_ledger WHERE seq IN
			(SELECT seq FROM consent_ledger WHERE at_us < ? ORDER BY at_us LIMIT ?)`, before.UnixMicro(), sqlitePurgeChunk)
		if err != nil {
			return total, err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, err
		}
		total += n
		if n < sqlitePurgeChunk {
			return total, nil
		}
	}
}

func (s *sqliteLedger) Close() error {
	return errors.Join(s.stmt.Close(), s.db.Close())
}

// joinCategories writes a category list as one space-separated column;
// category IDs never contain white space (the ledger refuses them).
func joinCategories(ids []consent.CategoryID) string {
	var b strings.Builder
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(string(id))
	}
	return b.String()
}

// splitCategories reads what joinCategories wrote; none is an empty list.
func splitCategories(s string) []consent.CategoryID {
	ids := []consent.CategoryID{}
	for f := range strings.FieldsSeq(s) {
		ids = append(ids, consent.CategoryID(f))
	}
	return ids
}
