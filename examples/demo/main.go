// Command demo is a small course-catalog site with the usual third-party
// tags — analytics, a tag manager, an ad pixel, session replay and an
// embedded video — behind the ConsentGate middleware. The third parties are
// fake: real HTTP servers the demo starts on other loopback ports (other
// origins, under .localhost names that browsers resolve to loopback), which
// log every request they get, so you can see which trackers were contacted
// before and after you consent.
//
//	make demo   # or: go run ./examples/demo [-addr 127.0.0.1:8080] [-trackers=false] [-ledger URL|off]
//
// Keys come from CONSENT_HASH_KEY and CONSENT_BLOCK_KEY; without them the run
// uses random keys, with a warning.
//
// Every decision is recorded in the consent ledger, by default the SQLite
// file .demo/ledger.db under the working directory (created on first use,
// git-ignored); -ledger names another (sqlite:///abs.db, postgres://…) and
// -ledger off records nothing. /demo/ledger shows the latest records.
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	neturl "net/url"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/consentgate/consent/examples/demo/site"
	"github.com/consentgate/consent/store"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	trackers := flag.Bool("trackers", true, "start the fake third-party trackers")
	debug := flag.Bool("debug", true, "list what was removed from each page in a Consent-Removed header and the log")
	ledger := flag.String("ledger", site.DefaultLedgerURL, `consent ledger URL (sqlite:///abs.db, sqlite://rel.db, postgres://…); "" or "off" records nothing`)
	flag.Parse()
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, logger, options{addr: *addr, trackers: *trackers, debug: *debug, ledger: *ledger}, os.Stdout); err != nil {
		logger.Error("demo", "error", err)
		os.Exit(1)
	}
}

// options are the demo's flags.
type options struct {
	addr     string
	trackers bool
	debug    bool
	ledger   string // URL; "" or "off" records nothing
}

// run serves the demo until ctx ends. The ledger is closed last, once the
// server has stopped and no decision is in flight.
func run(ctx context.Context, logger *slog.Logger, o options, out io.Writer) error {
	keys, err := store.ParseKeyPairs(os.Getenv("CONSENT_HASH_KEY"), os.Getenv("CONSENT_BLOCK_KEY"))
	if err != nil {
		return err
	}
	if len(keys) == 0 {
		hash, block := make([]byte, 32), make([]byte, 32)
		_, _ = rand.Read(hash)
		_, _ = rand.Read(block)
		keys = []store.KeyPair{{Hash: hash, Block: block}}
		logger.Warn("CONSENT_HASH_KEY is not set: using random keys for this run, so consents will not survive a restart (make keys prints a pair)")
	}
	ledger, err := site.OpenLedger(ctx, o.ledger)
	if err != nil {
		return fmt.Errorf("-ledger: %w", err)
	}
	if ledger != nil {
		defer func() {
			if cerr := ledger.Close(); cerr != nil {
				logger.Error("closing the consent ledger", "error", cerr)
			}
		}()
	} else {
		logger.Warn("-ledger off: decisions are not recorded, so no proof of consent is kept")
	}
	d, err := site.New(logger, keys, o.trackers, o.debug, ledger)
	if err != nil {
		return err
	}
	defer d.Close()
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: d.Handler(), ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute, ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	url := "http://" + ln.Addr().String() + "/"
	fmt.Fprintf(out, "\nConsentGate demo: open %s\n", url)
	for _, t := range d.Trackers() {
		fmt.Fprintf(out, "  fake third party %-20s at %s\n", t.Label, t.Origin)
	}
	fmt.Fprintf(out, "  tracker log: %sdemo/trackers\n", url)
	if ledger != nil {
		fmt.Fprintf(out, "  consent ledger: %s, latest records at %sdemo/ledger\n", ledgerLocation(o.ledger), url)
	} else {
		fmt.Fprintf(out, "  consent ledger: off, nothing is recorded\n")
	}
	fmt.Fprintf(out, "  (Ctrl-C stops)\n\n")
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	// Shutdown, not Serve's return, says the handlers are done: Serve
	// returns as soon as Shutdown begins.
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		_ = srv.Close()
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// ledgerLocation says where a ledger is, for the start-up lines: an SQLite
// file as an absolute path, anything else by scheme and host only (a URL
// may carry a password).
func ledgerLocation(rawURL string) string {
	u, err := neturl.Parse(rawURL)
	if err != nil {
		return "(unparsable URL)"
	}
	if u.Scheme == "sqlite" {
		path := u.Host + u.Path
		if u.Opaque != "" {
			path = u.Opaque
		}
		if abs, err := filepath.Abs(path); err == nil {
			return abs
		}
		return path
	}
	return u.Scheme + "://" + u.Host
}
