package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/consentgate/consent/examples/demo/site"
	"github.com/consentgate/consent/store"
	"github.com/consentgate/consent/store/sqlite"
)

// The store keeps the cookies it verified, up to 4096 of them (some 2 MB,
// as much as the rest of the live heap): each decision makes a new cookie,
// so a warm-up that did not fill that cache would see it grow through the
// run, as designed, and the memory check would call it a leak. The warm-up
// therefore starts with more decisions than that. The timeout only bounds
// a run on a machine too slow to make them.
const (
	fillDecisions = 5000
	fillTimeout   = 2 * time.Minute
)

// result is what a whole run found.
type result struct {
	o             options
	fill, warmup  *stats // the middleware's warm-ups
	mw, bare      *stats
	bareWarmup    *stats
	before, after memory
	memErr        error // memory not steady
}

// failed reports whether anything went wrong, warm-ups included.
func (r *result) failed() bool {
	for _, s := range []*stats{r.fill, r.warmup, r.mw, r.bareWarmup, r.bare} {
		if s.failed() > 0 {
			return true
		}
	}
	return r.memErr != nil
}

// run loads the demo behind the middleware, then the bare pages. An error
// is a run that could not take place; what the load found is in the result.
func run(ctx context.Context, o options, logger *slog.Logger) (res *result, err error) {
	keys, err := newKeys()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "consentgate-load-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	ledger, err := sqlite.Open(ctx, "sqlite://"+filepath.Join(dir, "ledger.db"))
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, ledger.Close()) }()
	demo, err := site.New(logger, keys, false, false, ledger)
	if err != nil {
		return nil, err
	}
	defer demo.Close()
	srv, err := serve(demo.Handler(), logger)
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, srv.close()) }()
	tr := newTransport(o.concurrency)
	defer tr.CloseIdleConnections()

	p := newPool(srv.base, tr, o.visitors)
	if err := decide(p); err != nil {
		return nil, err
	}
	shots, err := capture(p, p.decided[0])
	if err != nil {
		return nil, err
	}
	l := load{mix: o.mix, concurrency: o.concurrency, maxRequests: o.maxRequests}
	res = &result{o: o}
	fill := load{mix: mix{0, 0, 1}, concurrency: o.concurrency, maxRequests: int64(o.fill)}
	res.fill = fill.run(target{pool: p, check: true}, fillTimeout)
	res.warmup = l.run(target{pool: p, check: true}, o.warmup)
	if res.before, err = quiesce(tr, srv); err != nil {
		return nil, err
	}
	res.mw = l.run(target{pool: p, check: true}, o.duration)
	if res.after, err = quiesce(tr, srv); err != nil {
		return nil, err
	}
	res.memErr = steady(res.before, res.after)

	res.bareWarmup, res.bare, err = runBare(l, o, shots, logger)
	return res, err
}

// runBare loads the captured pages served bare, with a warm-up like the
// middleware's.
func runBare(l load, o options, shots map[string]captured, logger *slog.Logger) (warm, measured *stats, err error) {
	srv, err := serve(bareHandler(shots), logger)
	if err != nil {
		return nil, nil, err
	}
	defer func() { err = errors.Join(err, srv.close()) }()
	tr := newTransport(o.concurrency)
	defer tr.CloseIdleConnections()
	t := target{pool: newPool(srv.base, tr, o.visitors)}
	return l.run(t, o.warmup), l.run(t, o.duration), nil
}

// decide has every decided visitor make its first choice, in turn through
// accept-all, reject-all and save: the first one accepts all.
func decide(p *pool) error {
	for i, v := range p.decided {
		c, pg := choices[i%len(choices)], pages[i%len(pages)]
		resp, err := v.client.Do(p.decisionRequest(c, pg))
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body) // so that the connection is reused
		resp.Body.Close()
		if err := checkDecision(resp, pg); err != nil {
			return fmt.Errorf("first decision: %w", err)
		}
		v.state = c.to
	}
	return nil
}

// newKeys makes this run's cookie keys: nothing outlives the run.
func newKeys() ([]store.KeyPair, error) {
	hash, block := make([]byte, 32), make([]byte, 32)
	if _, err := rand.Read(hash); err != nil {
		return nil, err
	}
	if _, err := rand.Read(block); err != nil {
		return nil, err
	}
	return []store.KeyPair{{Hash: hash, Block: block}}, nil
}
