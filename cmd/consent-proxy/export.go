package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/consentgate/consent/store"
	"github.com/consentgate/consent/store/ledgerurl"
)

// ledgerCommand runs `consent-proxy ledger COMMAND`; export is the only one.
func ledgerCommand(ctx context.Context, args []string, e env) int {
	if len(args) > 0 && args[0] == "export" {
		return exportLedger(ctx, args[1:], e)
	}
	if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
		exportUsage(e.stdout)
		return exitOK
	}
	if len(args) == 0 {
		fmt.Fprintln(e.stderr, "consent-proxy: ledger: missing command (commands: export)")
	} else {
		fmt.Fprintf(e.stderr, "consent-proxy: ledger: unknown command %q (commands: export)\n", args[0])
	}
	return exitUsage
}

// exportConfig is the checked form of the export's flags.
type exportConfig struct {
	ledgerURL string
	ledgerSrc string
	from, to  time.Time // zero leaves that end open
	format    store.ExportFormat
	out       string // "" is stdout
}

// exportLedger writes the ledger's records of a time range, oldest first.
func exportLedger(ctx context.Context, args []string, e env) int {
	c, err := parseExport(args, e.getenv)
	if errors.Is(err, errHelp) {
		exportUsage(e.stdout)
		return exitOK
	}
	if err != nil {
		return failUsage(e, err)
	}
	// No background purge: an export must never delete what the proxy,
	// maybe with a longer -ledger-retention, keeps.
	l, err := ledgerurl.Open(ctx, c.ledgerURL, store.LedgerRetention(0),
		store.LedgerLogger(slog.New(slog.NewTextHandler(e.stderr, nil))))
	if err != nil {
		if errors.Is(err, store.ErrLedgerURL) {
			return failUsage(e, &flagError{flag: "ledger", msg: err.Error(), src: c.ledgerSrc})
		}
		fmt.Fprintf(e.stderr, "consent-proxy: ledger export: cannot open %s: %s\n", ledgerName(c.ledgerURL), oneLine(err.Error()))
		return exitError
	}
	err = writeExport(ctx, l, c, e.stdout)
	if cerr := l.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "consent-proxy: ledger export: %s\n", oneLine(err.Error()))
		return exitError
	}
	return exitOK
}

// parseExport reads the export's flags. -ledger falls back to
// CONSENT_LEDGER, so that an export on the proxy's host finds the same
// ledger as the proxy without repeating its URL.
func parseExport(args []string, getenv func(string) string) (*exportConfig, error) {
	fs := flag.NewFlagSet("consent-proxy ledger export", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported on one line by the caller
	ledger := fs.String("ledger", "", "")
	from := fs.String("from", "", "")
	to := fs.String("to", "", "")
	format := fs.String("format", string(store.ExportJSONLines), "")
	out := fs.String("o", "", "")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q: every option is a flag", fs.Arg(0))
	}
	c := &exportConfig{ledgerURL: strings.TrimSpace(*ledger), out: *out}
	var err error
	if c.from, err = parseExportTime(*from, false); err != nil {
		return nil, &flagError{flag: "from", msg: err.Error()}
	}
	if c.to, err = parseExportTime(*to, true); err != nil {
		return nil, &flagError{flag: "to", msg: err.Error()}
	}
	if !c.from.IsZero() && !c.to.IsZero() && !c.to.After(c.from) {
		return nil, &flagError{flag: "to", msg: "must be after -from"}
	}
	switch f := store.ExportFormat(*format); f {
	case store.ExportJSONLines, store.ExportCSV:
		c.format = f
	default:
		return nil, &flagError{flag: "format", msg: fmt.Sprintf("must be jsonl or csv, not %q", *format)}
	}
	if c.out != "" {
		dir := filepath.Dir(c.out)
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			return nil, &flagError{flag: "o", msg: fmt.Sprintf("directory %s does not exist", dir)}
		}
	}
	// The ledger last: its check looks at the file system, the others not.
	if c.ledgerURL == "" {
		c.ledgerURL, c.ledgerSrc = strings.TrimSpace(getenv(envName("ledger"))), envName("ledger")
	}
	if c.ledgerURL == "" {
		return nil, &flagError{flag: "ledger", msg: "required (or " + envName("ledger") + ")"}
	}
	if err := checkLedgerURL(c.ledgerURL, true); err != nil {
		return nil, &flagError{flag: "ledger", msg: err.Error(), src: c.ledgerSrc}
	}
	return c, nil
}

// parseExportTime reads an RFC 3339 time or a date. A date is midnight UTC;
// as the end of the range it is the midnight after, so that -to 2026-01-31
// includes the whole of that day, as it reads.
func parseExportTime(s string, end bool) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		if end {
			t = t.AddDate(0, 0, 1)
		}
		return t, nil
	}
	return time.Time{}, fmt.Errorf("must be an RFC 3339 time (2026-01-31T23:00:00Z) or a date (2026-01-31), not %q", s)
}

// writeExport writes the export to stdout or to c.out.
func writeExport(ctx context.Context, l store.Ledger, c *exportConfig, stdout io.Writer) error {
	write := func(w io.Writer) error { return l.Export(ctx, c.from, c.to, w, c.format) }
	if c.out == "" {
		return write(stdout)
	}
	// 0600: the records are pseudonymous, not anonymous.
	return writeFileAtomic(c.out, 0o600, write)
}

// writeFileAtomic writes a file under a temporary name in its directory and
// renames it once complete, so that a failed write never leaves a partial
// file that looks like the whole (an export, a policy), nor destroys the
// file it was to replace.
func writeFileAtomic(path string, perm os.FileMode, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	// CreateTemp makes the file 0600; it is set before any byte is written.
	err = tmp.Chmod(perm)
	if err == nil {
		err = write(tmp)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
	}
	return err
}

// exportUsage writes the export's flags.
func exportUsage(w io.Writer) {
	fmt.Fprint(w, `Usage: consent-proxy ledger export -ledger URL [-from T] [-to T] [-format jsonl|csv] [-o FILE]

Writes the consent ledger's records with -from <= time < -to, oldest first.

  -ledger URL     the ledger, as the proxy's -ledger (default: CONSENT_LEDGER)
  -from T         first instant, RFC 3339 (2026-01-01T00:00:00Z) or a date (2026-01-01,
                  midnight UTC); default: the oldest record
  -to T           end, exclusive, RFC 3339; a date means the end of that day (UTC);
                  default: the newest record
  -format F       jsonl (one JSON object per line) or csv (a header row, then one row
                  per record); default jsonl
  -o FILE         write to FILE (mode 0600, replaced once complete); default stdout
`)
}
