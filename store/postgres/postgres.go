// Package postgres keeps the proof-of-consent ledger (store.Ledger) in
// PostgreSQL, for several instances behind a load balancer sharing one
// ledger. Importing it links github.com/jackc/pgx; an application that
// records no ledger, or keeps it in SQLite (store/sqlite), does not need it.
package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/consentgate/consent"
	"github.com/consentgate/consent/store"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Open connects to the PostgreSQL ledger that rawURL names
// (postgres://user:pass@host/db?sslmode=verify-full, or postgresql://),
// creates or migrates its schema, and starts its writer and (unless
// store.LedgerRetention turns it off) its background purge. Close it when
// done.
//
// pgx reads the URL: pool settings such as pool_max_conns and run-time
// parameters such as search_path (search_path=ledger puts the tables in
// schema "ledger") go in its query. A URL of another scheme, or one pgx
// cannot read, is an error wrapping store.ErrLedgerURL (its password never
// appears in the message); a server that cannot be reached or migrated is
// an error wrapping store.ErrLedgerUnavailable.
func Open(ctx context.Context, rawURL string, opts ...store.LedgerOption) (store.Ledger, error) {
	cfg, err := store.NewLedgerConfig(opts...)
	if err != nil {
		return nil, err
	}
	if !IsURL(rawURL) {
		return nil, fmt.Errorf("%w: not a postgres: or postgresql: URL", store.ErrLedgerURL)
	}
	b, err := open(ctx, rawURL)
	if err != nil {
		return nil, err
	}
	return store.NewLedger(b, cfg), nil
}

// IsURL reports whether rawURL has one of the schemes Open takes, postgres
// and postgresql (compared without case).
func IsURL(rawURL string) bool {
	scheme, _, ok := strings.Cut(rawURL, ":")
	return ok && (strings.EqualFold(scheme, "postgres") || strings.EqualFold(scheme, "postgresql"))
}

// postgresLedger keeps the ledger in PostgreSQL, for several instances
// behind a load balancer: each instance has its own writer, and the unique
// request_id makes their writes idempotent across instances.
//
// Durability: a batch is acknowledged after COMMIT returns, which with the
// server's default synchronous_commit=on means the WAL is flushed. A server
// set to synchronous_commit=off weakens that promise; the ledger cannot
// tell. Dropped connections are replaced by the pool; the writer retries a
// failed batch on a fresh one.
type postgresLedger struct {
	pool *pgxpool.Pool
}

// postgresPurgeChunk is how many rows one purge statement deletes.
const postgresPurgeChunk = 10000

// postgresMigrations are the schema versions, each a list of statements;
// version i+1 is postgresMigrations[i]. Never edit one that has shipped: add
// the next.
var postgresMigrations = [][]string{{
	`CREATE TABLE consent_ledger (
		seq            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
		request_id     text        NOT NULL UNIQUE,
		consent_id     text        NOT NULL,
		at             timestamptz NOT NULL,
		policy_version text        NOT NULL,
		action         text        NOT NULL,
		channel        text        NOT NULL,
		language       text        NOT NULL,
		granted        text[]      NOT NULL,
		refused        text[]      NOT NULL,
		gpc            boolean     NOT NULL,
		ip             text        NOT NULL,
		ua_hash        text        NOT NULL,
		path           text        NOT NULL
	)`,
	`CREATE INDEX consent_ledger_consent ON consent_ledger (consent_id, at)`,
	`CREATE INDEX consent_ledger_at ON consent_ledger (at)`,
}}

const postgresColumns = `request_id, consent_id, at, policy_version, action, channel, language, granted, refused, gpc, ip, ua_hash, path`

// postgresInsert inserts rows from one array per column. Category lists
// travel space-separated (a text[][] must be rectangular) and are split
// back into text[]; string_to_array(”, ' ') is the empty array.
const postgresInsert = `INSERT INTO consent_ledger (` + postgresColumns + `)
	SELECT r, c, a, v, ac, ch, l, string_to_array(g, ' '), string_to_array(f, ' '), gp, ip, ua, p
	FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[], $5::text[], $6::text[], $7::text[],
		$8::text[], $9::text[], $10::boolean[], $11::text[], $12::text[], $13::text[])
		AS t (r, c, a, v, ac, ch, l, g, f, gp, ip, ua, p)
	ON CONFLICT (request_id) DO NOTHING`

// open connects to a postgres:// or postgresql:// URL and migrates the
// schema.
func open(ctx context.Context, rawURL string) (*postgresLedger, error) {
	pcfg, err := pgxpool.ParseConfig(rawURL)
	if err != nil {
		// pgx's message names the URL with its password redacted.
		return nil, fmt.Errorf("%w: %w", store.ErrLedgerURL, err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", store.ErrLedgerUnavailable, err)
	}
	p := &postgresLedger{pool: pool}
	if err := p.migrate(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("%w: %w", store.ErrLedgerUnavailable, err)
	}
	return p, nil
}

// migrate brings the schema to the newest version. Instances starting at
// once against one database take turns on a transaction-scoped advisory
// lock named after the schema, since CREATE TABLE IF NOT EXISTS alone still
// fails when two sessions race to create the same table.
func (p *postgresLedger) migrate(ctx context.Context) error {
	return pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('consentgate.consent_ledger:' || coalesce(current_schema(), ''), 0))`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS consent_ledger_schema_version (
			version    integer     NOT NULL PRIMARY KEY,
			applied_at timestamptz NOT NULL DEFAULT now()
		)`); err != nil {
			return err
		}
		var have int
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM consent_ledger_schema_version`).Scan(&have); err != nil {
			return err
		}
		for v := have; v < len(postgresMigrations); v++ {
			for _, stmt := range postgresMigrations[v] {
				if _, err := tx.Exec(ctx, stmt); err != nil {
					return fmt.Errorf("schema version %d: %w", v+1, err)
				}
			}
			if _, err := tx.Exec(ctx, `INSERT INTO consent_ledger_schema_version (version) VALUES ($1)`, v+1); err != nil {
				return err
			}
		}
		return nil
	})
}

// insert writes the batch as one INSERT over arrays, one per column: one
// statement and one round trip whatever the batch size, where a row per
// statement would cost the server a Bind and an Execute each. A single
// statement is its own transaction, and Exec returns after its COMMIT.
func (p *postgresLedger) Insert(ctx context.Context, recs []store.Record) error {
	var c postgresBatch
	for i := range recs {
		c.add(&recs[i])
	}
	_, err := p.pool.Exec(ctx, postgresInsert, c.requestIDs, c.consentIDs, c.times, c.versions, c.actions, c.channels,
		c.languages, c.granted, c.refused, c.gpc, c.ips, c.userAgents, c.paths)
	return err
}

// postgresBatch holds a batch's records turned into the arrays, one per
// column, that postgresInsert unnests.
type postgresBatch struct {
	requestIDs, consentIDs, versions, actions, channels, languages []string
	granted, refused, ips, userAgents, paths                       []string
	times                                                          []time.Time
	gpc                                                            []bool
}

func (c *postgresBatch) add(r *store.Record) {
	c.requestIDs = append(c.requestIDs, r.RequestID)
	c.consentIDs = append(c.consentIDs, r.ConsentID)
	c.times = append(c.times, r.Time)
	c.versions = append(c.versions, r.PolicyVersion)
	c.actions = append(c.actions, string(r.Action))
	c.channels = append(c.channels, string(r.Channel))
	c.languages = append(c.languages, r.Language)
	c.granted = append(c.granted, joinCategories(r.Granted))
	c.refused = append(c.refused, joinCategories(r.Refused))
	c.gpc = append(c.gpc, r.GPC)
	c.ips = append(c.ips, r.IP)
	c.userAgents = append(c.userAgents, r.UserAgentHash)
	c.paths = append(c.paths, r.Path)
}

func (p *postgresLedger) Lookup(ctx context.Context, consentID string) ([]store.Record, error) {
	var recs []store.Record
	err := p.query(ctx, func(rec *store.Record) error {
		recs = append(recs, *rec)
		return nil
	}, `SELECT `+postgresColumns+` FROM consent_ledger WHERE consent_id = $1 ORDER BY at, seq`, consentID)
	return recs, err
}

func (p *postgresLedger) Scan(ctx context.Context, from, to time.Time, fn func(*store.Record) error) error {
	return p.query(ctx, fn, `SELECT `+postgresColumns+` FROM consent_ledger
		WHERE at >= $1 AND at < $2 ORDER BY at, seq`, from, to)
}

func (p *postgresLedger) query(ctx context.Context, fn func(*store.Record) error, query string, args ...any) error {
	rows, err := p.pool.Query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			rec              store.Record
			action, channel  string
			granted, refused []string
		)
		if err := rows.Scan(&rec.RequestID, &rec.ConsentID, &rec.Time, &rec.PolicyVersion, &action, &channel,
			&rec.Language, &granted, &refused, &rec.GPC, &rec.IP, &rec.UserAgentHash, &rec.Path); err != nil {
			return err
		}
		rec.Time = rec.Time.UTC()
		rec.Action, rec.Channel = store.Action(action), store.Channel(channel)
		rec.Granted, rec.Refused = categoryIDs(granted), categoryIDs(refused)
		if err := fn(&rec); err != nil {
			return err
		}
	}
	return rows.Err()
}

func categoryIDs(ss []string) []consent.CategoryID {
	out := make([]consent.CategoryID, len(ss))
	for i, s := range ss {
		out[i] = consent.CategoryID(s)
	}
	return out
}

func (p *postgresLedger) Purge(ctx context.Context, before time.Time) (int64, error) {
	var total int64
	for {
		tag, err := p.pool.Exec(ctx, `DELETE FROM consent_ledger WHERE seq IN
			(SELECT seq FROM consent_ledger WHERE at < $1 ORDER BY seq LIMIT $2)`, before, postgresPurgeChunk)
		if err != nil {
			return total, err
		}
		total += tag.RowsAffected()
		if tag.RowsAffected() < postgresPurgeChunk {
			return total, nil
		}
	}
}

func (p *postgresLedger) Close() error {
	p.pool.Close()
	return nil
}

// joinCategories sends a category list as one space-separated string;
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
