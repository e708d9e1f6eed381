package site

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/consentgate/consent"
	"github.com/consentgate/consent/store"
	"github.com/consentgate/consent/store/ledgerurl"
)

// DefaultLedgerURL is the demo's ledger: an SQLite file in .demo/ under the
// working directory (git-ignored), so that `make demo` records decisions
// with no set-up and keeps them across runs.
const (
	DefaultLedgerDir = ".demo"
	DefaultLedgerURL = "sqlite://" + DefaultLedgerDir + "/ledger.db"
)

// ledgerRecords is how many records the ledger page shows.
const ledgerRecords = 20

// OpenLedger opens the ledger rawURL names; "" or "off" is none. The
// default's directory is created, since SQLite creates the file only.
func OpenLedger(ctx context.Context, rawURL string) (store.Ledger, error) {
	if rawURL == "" || rawURL == "off" {
		return nil, nil
	}
	if rawURL == DefaultLedgerURL {
		if err := os.MkdirAll(DefaultLedgerDir, 0o700); err != nil {
			return nil, err
		}
	}
	return ledgerurl.Open(ctx, rawURL)
}

// RecentRecords returns the ledger's records of the last day, newest first,
// at most ledgerRecords of them. It reads them back through Export, as an
// auditor's tool would, rather than through a query only the demo has.
func RecentRecords(ctx context.Context, l store.Ledger, now time.Time) ([]store.Record, error) {
	var buf bytes.Buffer
	if err := l.Export(ctx, now.Add(-24*time.Hour), time.Time{}, &buf, store.ExportJSONLines); err != nil {
		return nil, err
	}
	// A ring of the last ledgerRecords lines: the day may hold many more.
	ring := make([]store.Record, 0, ledgerRecords)
	next := 0
	dec := json.NewDecoder(&buf)
	for {
		var r store.Record
		if err := dec.Decode(&r); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return nil, err
		}
		if len(ring) < ledgerRecords {
			ring = append(ring, r)
			continue
		}
		ring[next] = r
		next = (next + 1) % ledgerRecords
	}
	out := make([]store.Record, 0, len(ring))
	for i := len(ring) - 1; i >= 0; i-- { // newest first
		out = append(out, ring[(next+i)%len(ring)])
	}
	return out, nil
}

// ledgerPage is what the ledger page shows.
type ledgerPage struct {
	On      bool // a ledger is open
	Err     string
	Records []store.Record
	You     string // the visitor's consent ID, to mark their records
}

func (s *site) ledgerPage(w http.ResponseWriter, r *http.Request) {
	p := ledgerPage{On: s.ledger != nil}
	if c := consent.FromContext(r.Context()); c != nil && c.Decided() {
		p.You = c.ID
	}
	if s.ledger != nil {
		recs, err := RecentRecords(r.Context(), s.ledger, time.Now())
		if err != nil {
			s.log.Error("demo: reading the ledger", "error", err)
			p.Err = "the ledger cannot be read right now"
		}
		p.Records = recs
	}
	s.render(w, r, "ledger", p)
}

func (s *site) ledgerJSON(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if s.ledger == nil {
		_, _ = w.Write([]byte("[]\n"))
		return
	}
	recs, err := RecentRecords(r.Context(), s.ledger, time.Now())
	if err != nil {
		s.log.Error("demo: reading the ledger", "error", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(`{"error":"the ledger cannot be read"}` + "\n"))
		return
	}
	_ = json.NewEncoder(w).Encode(recs)
}

// categories joins category IDs for a table cell.
func categories(ids []consent.CategoryID) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = string(id)
	}
	return strings.Join(s, " ")
}
