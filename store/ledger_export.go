package store

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/consentgate/consent"
)

// exportColumns are the CSV header: Record's JSON field names, in order.
var exportColumns = []string{
	"requestId", "consentId", "time", "policyVersion", "action", "channel", "language",
	"granted", "refused", "gpc", "ip", "userAgentHash", "path",
}

// exportEncoder writes records in one export format.
type exportEncoder interface {
	write(*Record) error
	flush() error
}

func newExportEncoder(w io.Writer, format ExportFormat) (exportEncoder, error) {
	bw := bufio.NewWriter(w)
	switch format {
	case ExportJSONLines:
		enc := json.NewEncoder(bw)
		// Paths keep their "&" and "<" as they are; nothing renders this
		// output as HTML.
		enc.SetEscapeHTML(false)
		return &jsonLinesEncoder{bw: bw, enc: enc}, nil
	case ExportCSV:
		cw := csv.NewWriter(bw)
		if err := cw.Write(exportColumns); err != nil {
			return nil, err
		}
		return &csvEncoder{bw: bw, cw: cw}, nil
	}
	return nil, fmt.Errorf("%w: %q (want %q or %q)", ErrExportFormat, format, ExportJSONLines, ExportCSV)
}

type jsonLinesEncoder struct {
	bw  *bufio.Writer
	enc *json.Encoder
}

func (e *jsonLinesEncoder) write(rec *Record) error { return e.enc.Encode(rec) }
func (e *jsonLinesEncoder) flush() error            { return e.bw.Flush() }

type csvEncoder struct {
	bw *bufio.Writer
	cw *csv.Writer
}

func (e *csvEncoder) write(rec *Record) error {
	return e.cw.Write([]string{
		rec.RequestID, rec.ConsentID, rec.Time.UTC().Format(time.RFC3339Nano), rec.PolicyVersion,
		string(rec.Action), string(rec.Channel), rec.Language,
		joinCategories(rec.Granted), joinCategories(rec.Refused), strconv.FormatBool(rec.GPC),
		rec.IP, rec.UserAgentHash, rec.Path,
	})
}

func (e *csvEncoder) flush() error {
	e.cw.Flush()
	if err := e.cw.Error(); err != nil {
		return err
	}
	return e.bw.Flush()
}

// joinCategories writes a category list as one space-separated field;
// category IDs never contain white space (normalize refuses them).
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
