// Command loadtest puts the demo site (examples/demo) under load over
// loopback, in this process, and fails when the middleware gets a page
// wrong, errs, or holds on to memory:
//
//	make load   # or: go run ./internal/loadtest [-duration 30s] [-concurrency 64] [-mix 80/15/5]
//
// Visitors are separate cookie jars; half never decide, the others decide
// before the run and change their minds with each consent POST. Every
// answer is checked: the status, and for a page the banner (there exactly
// once iff the visitor is undecided) and each fake tracker's tag (there iff
// the visitor granted its category). Decisions go to an SQLite ledger in a
// temporary directory. The same load then runs against the bare pages (see
// bareNote), and the table puts the two side by side. Live heap and
// goroutines after the run must be within 10% of what they were after the
// warm-up, which starts with enough decisions to fill the store's bounded
// cache of verified cookies (see fillDecisions).
//
// The exit status is 1 when any check fails, 2 when the run cannot start.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"
)

// options are the command's flags.
type options struct {
	duration    time.Duration // of each measured run
	warmup      time.Duration // before each run
	visitors    int
	fill        int // consent POSTs that start the warm-up: fillDecisions, fewer in tests
	concurrency int
	mix         mix
	maxRequests int64 // per phase
}

func main() {
	o := options{fill: fillDecisions}
	mixFlag := "80/15/5"
	flag.DurationVar(&o.duration, "duration", 30*time.Second, "length of each measured run (middleware, then bare)")
	flag.DurationVar(&o.warmup, "warmup", 0, "warm-up before each run (0: a fifth of -duration, from 1s to 5s)")
	flag.IntVar(&o.concurrency, "concurrency", 64, "concurrent requests")
	flag.StringVar(&mixFlag, "mix", mixFlag, "weights of page views without consent / with consent / consent POSTs")
	flag.IntVar(&o.visitors, "visitors", 200, "visitor identities (cookie jars), half of them undecided")
	flag.Int64Var(&o.maxRequests, "max-requests", 5_000_000, "stop a phase after this many requests even before -duration")
	flag.Parse()
	var err error
	if o.mix, err = parseMix(mixFlag); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest: -mix:", err)
		os.Exit(2)
	}
	if err := o.validate(); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(2)
	}
	res, err := run(context.Background(), o, logTo(os.Stderr))
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(2)
	}
	res.print(os.Stdout)
	if res.failed() {
		os.Exit(1)
	}
}

func (o *options) validate() error {
	if o.warmup == 0 {
		o.warmup = min(max(o.duration/5, time.Second), 5*time.Second)
	}
	switch {
	case o.duration <= 0 || o.warmup < 0:
		return fmt.Errorf("-duration and -warmup must be positive")
	case o.concurrency < 1:
		return fmt.Errorf("-concurrency must be at least 1")
	case o.visitors < 2:
		return fmt.Errorf("-visitors must be at least 2 (one undecided, one decided)")
	case o.maxRequests < 1:
		return fmt.Errorf("-max-requests must be at least 1")
	}
	return nil
}

// logTo is the servers' logger: warnings only, since a healthy run logs
// nothing and the table is the output.
func logTo(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn}))
}
