// Command demo is a small course-catalog site with the usual third-party
// tags — analytics, a tag manager, an ad pixel, session replay and an
// embedded video — behind the ConsentGate middleware. The third parties are
// fake: real HTTP servers the demo starts on other loopback ports (other
// origins, under .localhost names that browsers resolve to loopback), which
// log every request they get, so you can see which trackers were contacted
// before and after you consent.
//
//	make demo   # or: go run ./examples/demo [-addr 127.0.0.1:8080] [-trackers=false]
//
// Keys come from CONSENT_HASH_KEY and CONSENT_BLOCK_KEY; without them the run
// uses random keys, with a warning.
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
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/consentgate/consent/middleware"
	"github.com/consentgate/consent/store"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	trackers := flag.Bool("trackers", true, "start the fake third-party trackers")
	debug := flag.Bool("debug", true, "list what was removed from each page in a Consent-Removed header and the log")
	flag.Parse()
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, logger, *addr, *trackers, *debug, os.Stdout); err != nil {
		logger.Error("demo", "error", err)
		os.Exit(1)
	}
}

// demo is the running site and its fake third parties.
type demo struct {
	handler  http.Handler
	hits     *hitLog
	trackers []*fakeTracker
}

// trackerLabels are the fake third parties and what they stand for.
var trackerLabels = []struct{ name, label string }{
	{"analytics", "Demo Analytics"}, {"tags", "Demo Tag Manager"}, {"ads", "Demo Ads"},
	{"replay", "Demo Session Replay"}, {"video", "Demo Video"},
}

// newDemo starts the fake trackers (unless off) and builds the site.
func newDemo(logger *slog.Logger, keys []store.KeyPair, withTrackers, debug bool) (*demo, error) {
	d := &demo{hits: &hitLog{log: logger}}
	origins := map[string]string{}
	for _, tl := range trackerLabels {
		origins[tl.name] = "http://" + tl.name + ".localhost:9" // the discard port: nothing answers
		if !withTrackers {
			continue
		}
		t, err := startTracker(tl.name, tl.label, d.hits)
		if err != nil {
			d.close()
			return nil, err
		}
		d.trackers = append(d.trackers, t)
		origins[tl.name] = t.origin
	}
	// Plain HTTP on localhost: the consent cookie goes without Secure.
	mw, err := middleware.New(demoPolicy(), middleware.Keys(keys...), middleware.Logger(logger),
		middleware.InsecureDev(), middleware.Debug(debug))
	if err != nil {
		d.close()
		return nil, err
	}
	s := &site{mw: mw, hits: d.hits, tags: newTagSnippets(origins)}
	d.handler = s.routes()
	return d, nil
}

func (d *demo) close() {
	for _, t := range d.trackers {
		t.close()
	}
}

func run(ctx context.Context, logger *slog.Logger, addr string, withTrackers, debug bool, out io.Writer) error {
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
	d, err := newDemo(logger, keys, withTrackers, debug)
	if err != nil {
		return err
	}
	defer d.close()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: d.handler, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute, ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	url := "http://" + ln.Addr().String() + "/"
	fmt.Fprintf(out, "\nConsentGate demo: open %s\n", url)
	for _, t := range d.trackers {
		fmt.Fprintf(out, "  fake third party %-20s at %s\n", t.label, t.origin)
	}
	fmt.Fprintf(out, "  tracker log: %sdemo/trackers    (Ctrl-C stops)\n\n", url)
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
