package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver, pure Go
)

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
		return "", fmt.Errorf("%w: a sqlite URL takes no query, fragment or user", ErrLedgerURL)
	}
	path := u.Opaque
	if path == "" {
		path = u.Host + u.Path
	} else if p, err := url.PathUnescape(path); err == nil {
		path = p
	}
	switch {
	case path == "" || strings.HasSuffix(path, "/"):
		return "", fmt.Errorf("%w: a sqlite URL needs a file path", ErrLedgerURL)
	case strings.HasPrefix(path, ":") || strings.HasPrefix(path, "file:") || strings.ContainsAny(path, "?\x00"):
		return "", fmt.Errorf("%w: sqlite path %q is not a plain file path", ErrLedgerURL, path)
	}
	return path, nil
}

func openSQLite(ctx context.Context, path string, cfg *ledgerConfig) (*sqliteLedger, error) {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", cfg.busyTimeout.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	// Transactions take the write lock at BEGIN: the writer then waits for
	// a competing writer under the busy timeout instead of failing at its
	// first INSERT.
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrLedgerUnavailable, err)
	}
	db.SetMaxOpenConns(sqliteMaxConns)
	db.SetMaxIdleConns(sqliteMaxConns)
	s := &sqliteLedger{db: db}
	if err := s.migrate(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("%w: open %s: %w", ErrLedgerUnavailable, path, err)
	}
	s.stmt, err = db.PrepareContext(ctx, `INSERT INTO consent_ledger (`+sqliteColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (request_id) DO NOTHING`)
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("%w: %w", ErrLedgerUnavailable, err)
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

func (s *sqliteLedger) insert(ctx context.Context, recs []Record) error {
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

func (s *sqliteLedger) lookup(ctx context.Context, consentID string) ([]Record, error) {
	var recs []Record
	err := s.query(ctx, func(rec *Record) error {
		recs = append(recs, *rec)
		return nil
	}, `SELECT `+sqliteColumns+` FROM consent_ledger WHERE consent_id = ? ORDER BY at_us, seq`, consentID)
	return recs, err
}

func (s *sqliteLedger) scan(ctx context.Context, from, to time.Time, fn func(*Record) error) error {
	return s.query(ctx, fn, `SELECT `+sqliteColumns+` FROM consent_ledger
		WHERE at_us >= ? AND at_us < ? ORDER BY at_us, seq`, from.UnixMicro(), to.UnixMicro())
}

// errStop ends a query early because fn failed; fn's caller has its error.
var errStop = errors.New("stop")

func (s *sqliteLedger) query(ctx context.Context, fn func(*Record) error, query string, args ...any) error {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer func() { _ = rows.Close() }()
	for rows.Next() {
		var (
			rec              Record
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
			return errStop
		}
	}
	return rows.Err()
}

func (s *sqliteLedger) purge(ctx context.Context, before time.Time) (int64, error) {
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

func (s *sqliteLedger) close() error {
	return errors.Join(s.stmt.Close(), s.db.Close())
}
