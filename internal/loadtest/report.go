package main

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// print writes the table of the run, what went wrong, and PASS or FAIL.
func (r *result) print(w io.Writer) {
	o := r.o
	fmt.Fprintf(w, "load: %s per run after a %s warm-up, concurrency %d, mix %s (page views undecided/decided, consent POSTs), %d visitors, SQLite ledger\n",
		o.duration, o.warmup, o.concurrency, o.mix, o.visitors)
	fmt.Fprintf(w, "%s\n\n", bareNote)

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "\trequests\treq/s\tp50\tp99\ttransport errors\tbad statuses\tchecks failed/done\tlongest stall\t")
	row := func(name string, s *stats, checks string) {
		fmt.Fprintf(tw, "%s\t%d\t%.0f\t%s\t%s\t%d\t%d\t%s\t%s\t\n", name, s.requests, s.rate(),
			ms(s.hist.quantile(0.50)), ms(s.hist.quantile(0.99)), s.transport, s.badStatus, checks, ms(s.stall))
	}
	row("middleware", r.mw, fmt.Sprintf("%d/%d", r.mw.checkFails, r.mw.checks))
	row("bare", r.bare, "-")
	fmt.Fprintf(tw, "middleware ÷ bare\t\t%.2f×\t%.2f×\t%.2f×\t\t\t\t\t\n", r.mw.rate()/r.bare.rate(),
		ratio(r.mw.hist.quantile(0.50), r.bare.hist.quantile(0.50)), ratio(r.mw.hist.quantile(0.99), r.bare.hist.quantile(0.99)))
	_ = tw.Flush()
	fmt.Fprintln(w, "(longest stall: the longest this process waited to run, e.g. for a CPU; a p99 near it is the machine's, not the server's)")

	fmt.Fprintf(w, "middleware run: %d page views by undecided visitors, %d by decided ones, %d consent POSTs\n",
		r.mw.byKind[anonView], r.mw.byKind[consentedView], r.mw.byKind[decision])

	fmt.Fprintf(w, "\nmemory after GC with idle connections closed, after warm-up → after run (limit ±%.0f%%):\n", 100*steadyTolerance)
	fmt.Fprintf(w, "  live heap   %s → %s (%+.1f%%)\n", mib(r.before.heap), mib(r.after.heap),
		100*change(float64(r.before.heap), float64(r.after.heap)))
	fmt.Fprintf(w, "  goroutines  %d → %d (%+.1f%%)\n", r.before.goroutines, r.after.goroutines,
		100*change(float64(r.before.goroutines), float64(r.after.goroutines)))
	fmt.Fprintf(w, "warm-ups: middleware %d consent POSTs in %s (to fill the store's cache of verified cookies), then %d requests;"+
		" bare %d requests; %d failed, %d checks\n",
		r.fill.requests, r.fill.elapsed.Round(time.Millisecond), r.warmup.requests, r.bareWarmup.requests,
		r.fill.failed()+r.warmup.failed()+r.bareWarmup.failed(), r.fill.checks+r.warmup.checks)

	for _, p := range []struct {
		name string
		s    *stats
	}{{"middleware warm-up (decisions)", r.fill}, {"middleware warm-up", r.warmup}, {"middleware", r.mw}, {"bare warm-up", r.bareWarmup}, {"bare", r.bare}} {
		if p.s.failed() == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s: %d failed (first %d):\n", p.name, p.s.failed(), len(p.s.failures.msgs))
		for _, m := range p.s.failures.msgs {
			fmt.Fprintf(w, "  %s\n", m)
		}
	}
	if r.memErr != nil {
		fmt.Fprintf(w, "\n%v\n", r.memErr)
	}
	if r.failed() {
		fmt.Fprintln(w, "\nFAIL")
		return
	}
	fmt.Fprintln(w, "\nPASS")
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

func ratio(a, b time.Duration) float64 { return float64(a) / float64(b) }
