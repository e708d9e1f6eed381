// Command benchtable reads `go test -bench -benchmem` output on standard
// input and prints the HTML rewriter's performance targets as a table, each
// figure next to the baseline measured in the same run. Repeated runs of a
// benchmark (-count) are averaged.
//
//	go test -run='^$' -bench=. -benchmem ./... | go run ./internal/benchtable
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
)

type result struct {
	n                            int
	nsOp, mbS, bytesOp, allocsOp float64
	minNs                        float64            // the fastest run: least disturbed on a shared machine
	extra                        map[string]float64 // custom metrics (b.ReportMetric)
}

var line = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+(.*)$`)

func parse(r io.Reader) map[string]*result {
	res := map[string]*result{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		m := line.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		r := res[m[1]]
		if r == nil {
			r = &result{}
			res[m[1]] = r
		}
		r.n++
		f := strings.Fields(m[2])
		for i := 0; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			switch unit := f[i+1]; unit {
			case "consents/s", "p50-ms", "p99-ms", "heap-MiB", "reports/s", "catalog-ratio":
				if r.extra == nil {
					r.extra = map[string]float64{}
				}
				r.extra[unit] += v
			case "ns/op":
				r.nsOp += v
				if r.minNs == 0 || v < r.minNs {
					r.minNs = v
				}
			case "MB/s":
				r.mbS += v
			case "B/op":
				r.bytesOp += v
			case "allocs/op":
				r.allocsOp += v
			case "off-ns/op", "enforce-ns/op", "added-ns/op": // BenchmarkCSPHeader/interleaved
				if r.extra == nil {
					r.extra = map[string]float64{}
				}
				r.extra[unit] += v
			}
		}
	}
	for _, r := range res {
		k := float64(r.n)
		r.nsOp, r.mbS, r.bytesOp, r.allocsOp = r.nsOp/k, r.mbS/k, r.bytesOp/k, r.allocsOp/k
		for u := range r.extra {
			r.extra[u] /= k
		}
	}
	return res
}

func main() {
	res := parse(os.Stdin)
	get := func(name string) *result { return res[name] }
	ok := func(b bool) string {
		if b {
			return "met"
		}
		return "NOT met"
	}
	printed := false

	if get("BenchmarkRewrite/50KB/rewriter") != nil {
		printed = true
		fmt.Println("HTML rewriter, strip + inject, nothing granted (MB/s; target ≥ 1000 MB/s and ≥ 10× x/net/html)")
		fmt.Printf("  %-6s %10s %10s %8s %10s %10s %7s  %s\n", "page", "rewriter", "x/net", "ratio", "IndexByte", "copy", "allocs", "target")
		for _, size := range []string{"50KB", "500KB", "5MB"} {
			rw, xn, ib, cp := get("BenchmarkRewrite/"+size+"/rewriter"), get("BenchmarkRewrite/"+size+"/xnethtml"),
				get("BenchmarkRewrite/"+size+"/indexbyte"), get("BenchmarkRewrite/"+size+"/copy")
			if rw == nil || xn == nil || ib == nil || cp == nil {
				continue
			}
			ratio := rw.mbS / xn.mbS
			fmt.Printf("  %-6s %10.0f %10.0f %7.1f× %10.0f %10.0f %7.0f  1 GB/s %s, 10× %s\n", size, rw.mbS, xn.mbS, ratio, ib.mbS, cp.mbS, rw.allocsOp,
				ok(rw.mbS >= 1000), ok(ratio >= 10))
		}
		fmt.Println()
	}
	if get("BenchmarkRewriteCatalogPaired/50KB") != nil || get("BenchmarkMatcherFromCatalog") != nil || get("BenchmarkCatalogParse") != nil {
		printed = true
		fmt.Println("The catalog of known third parties (targets: rewriter ≥ 0.95× today's 17 vendors; matcher ≤ 20 ms; catalog ≤ 2 MiB)")
		for _, size := range []string{"50KB", "500KB", "5MB"} {
			few, all, pair := get("BenchmarkRewriteCatalog/"+size+"/vendors17"), get("BenchmarkRewriteCatalog/"+size+"/catalog"),
				get("BenchmarkRewriteCatalogPaired/"+size)
			if pair == nil {
				continue
			}
			ratio := pair.extra["catalog-ratio"]
			line := fmt.Sprintf("  %-6s whole catalog / 17 vendors, median of paired runs: %.3f×", size, ratio)
			if few != nil && all != nil {
				line += fmt.Sprintf(" (separately: %.0f and %.0f MB/s)", all.mbS, few.mbS)
			}
			fmt.Printf("%s  %s\n", line, ok(ratio >= 0.95))
		}
		if r, base := get("BenchmarkInlineScriptCatalog"), get("BenchmarkInlineScript"); r != nil && base != nil {
			fmt.Printf("  64 KiB inline script full of .com hosts, whole catalog: %.0f MB/s (a script without hosts, 10 trackers: %.0f MB/s)\n", r.mbS, base.mbS)
		}
		if r := get("BenchmarkMatcherFromCatalog"); r != nil {
			fmt.Printf("  matcher from the catalog (Resolve + NewMatcher): %.1f ms  %s\n", r.nsOp/1e6, ok(r.nsOp <= 20e6))
		}
		if r := get("BenchmarkCatalogParse"); r != nil {
			mib := r.extra["heap-MiB"]
			fmt.Printf("  catalog in memory: %.2f MiB (parsed once per process in %.0f ms)  %s\n", mib, r.nsOp/1e6, ok(mib <= 2))
		}
		fmt.Println()
	}
	if get("BenchmarkHTMLResponse/50KB/middleware") != nil {
		printed = true
		fmt.Println("HTML page through the middleware, undecided visitor (target: ≤ 3 allocations per response in steady state)")
		fmt.Printf("  %-6s %10s %10s %14s  %s\n", "page", "MB/s", "B/op", "allocs (bare)", "target")
		for _, size := range []string{"50KB", "500KB", "5MB"} {
			mw, bare := get("BenchmarkHTMLResponse/"+size+"/middleware"), get("BenchmarkHTMLResponse/"+size+"/bare")
			if mw == nil || bare == nil {
				continue
			}
			fmt.Printf("  %-6s %10.0f %10.0f %7.0f (%.0f)  %s\n", size, mw.mbS, mw.bytesOp, mw.allocsOp, bare.allocsOp, ok(mw.allocsOp-bare.allocsOp <= 3))
		}
		fmt.Println()
	}
	if mw, bare := get("BenchmarkHTMLLoopback/50KB/middleware"), get("BenchmarkHTMLLoopback/50KB/bare"); mw != nil && bare != nil {
		printed = true
		fmt.Println("50 KB page over a loopback httptest.Server (target: ≤ 2× the bare handler)")
		fmt.Printf("  bare %.0f µs, middleware %.0f µs: %.2f×  %s\n\n", bare.nsOp/1e3, mw.nsOp/1e3, mw.nsOp/bare.nsOp, ok(mw.nsOp/bare.nsOp <= 2))
	}
	if bare, und, dec := get("BenchmarkJSONResponse/bare"), get("BenchmarkJSONResponse/middleware/undecided"), get("BenchmarkJSONResponse/middleware/decided"); bare != nil && und != nil && dec != nil {
		printed = true
		fmt.Println("200-byte JSON response (target: the body decision costs ≤ 100 ns and 0 allocations)")
		fmt.Printf("  bare handler           %7.0f ns %3.0f allocs\n", bare.nsOp, bare.allocsOp)
		fmt.Printf("  middleware, undecided  %7.0f ns %3.0f allocs (+%.0f ns, +%.0f allocs: consent in the request context, per-request state)\n", und.nsOp, und.allocsOp, und.nsOp-bare.nsOp, und.allocsOp-bare.allocsOp)
		fmt.Printf("  middleware, decided    %7.0f ns %3.0f allocs (+ consent cookie decoding)\n", dec.nsOp, dec.allocsOp)
		if d := get("BenchmarkBodyDecision"); d != nil {
			fmt.Printf("  of which the body decision %.0f ns, %.0f allocs  %s\n", d.nsOp, d.allocsOp, ok(d.nsOp <= 100 && d.allocsOp == 0))
		}
		fmt.Println()
	}
	if get("BenchmarkCSPHeader/response/undecided/off") != nil {
		printed = true
		fmt.Println("Content-Security-Policy on a 2 KB HTML page, undecided (rewritten) and accepted (passed unchanged) (target: ≤ 50 ns and 0 allocations added)")
		for _, visitor := range []string{"undecided", "accepted"} {
			off, on := get("BenchmarkCSPHeader/response/"+visitor+"/off"), get("BenchmarkCSPHeader/response/"+visitor+"/enforce")
			if off == nil || on == nil {
				continue
			}
			// The fastest of the runs of each: the least disturbed by
			// other work on the machine, so the difference is the header's.
			fmt.Printf("  %-9s CSP off %7.0f ns %3.0f allocs, enforce %7.0f ns %3.0f allocs (fastest of %d runs): %.3f×, %+.0f ns, %+.0f allocs  %s\n", visitor,
				off.minNs, off.allocsOp, on.minNs, on.allocsOp, min(off.n, on.n), on.minNs/off.minNs, on.minNs-off.minNs, on.allocsOp-off.allocsOp,
				ok(on.minNs-off.minNs <= 50 && on.allocsOp == off.allocsOp))
		}
		for _, visitor := range []string{"undecided", "accepted"} {
			if r := get("BenchmarkCSPHeader/interleaved/" + visitor); r != nil && r.extra != nil {
				off, on := r.extra["off-ns/op"], r.extra["enforce-ns/op"]
				fmt.Printf("  %-9s interleaved in one loop: off %7.0f ns, enforce %7.0f ns: %.3f×, %+.0f ns  %s\n", visitor,
					off, on, on/off, on-off, ok(on-off <= 50))
			}
		}
		fmt.Println()
	}
	if get("BenchmarkConsentPOST/sqlite/c1") != nil {
		printed = true
		fmt.Println("Consent POSTs through the endpoint with a ledger (target at c64: ≥ 2,000/s, p99 ≤ 50 ms)")
		fmt.Printf("  %-10s %-5s %12s %9s %9s  %s\n", "ledger", "conc", "consents/s", "p50 ms", "p99 ms", "target")
		for _, be := range []string{"sqlite", "postgres"} {
			for _, c := range []string{"c1", "c64"} {
				r := get("BenchmarkConsentPOST/" + be + "/" + c)
				if r == nil {
					continue
				}
				target := ""
				if c == "c64" {
					target = ok(r.extra["consents/s"] >= 2000 && r.extra["p99-ms"] <= 50)
				}
				fmt.Printf("  %-10s %-5s %12.0f %9.1f %9.1f  %s\n", be, c, r.extra["consents/s"], r.extra["p50-ms"], r.extra["p99-ms"], target)
			}
		}
		fmt.Println()
	}
	if uri, batch := get("BenchmarkCSPReport/csp-report"), get("BenchmarkCSPReport/reports+json"); uri != nil && batch != nil {
		printed = true
		fmt.Println("CSP violation reports through the report endpoint, all cores (target: ≥ 5,000 reports/s, each format)")
		fmt.Printf("  %-40s %12s %10s %8s  %s\n", "format", "reports/s", "B/op", "allocs", "target")
		for _, r := range []struct {
			name string
			res  *result
		}{{"application/csp-report, 1 a request", uri}, {"application/reports+json, 10 a request", batch}} {
			fmt.Printf("  %-40s %12.0f %10.0f %8.0f  %s\n", r.name, r.res.extra["reports/s"], r.res.bytesOp, r.res.allocsOp, ok(r.res.extra["reports/s"] >= 5000))
		}
		fmt.Println()
	}
	if !printed {
		fmt.Println("benchtable: no rewriter or middleware benchmarks in the input")
	}
}
