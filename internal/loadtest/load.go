package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// target is a server under load.
type target struct {
	pool  *pool
	check bool // check each answer's content (off for the bare pages, which are the same for everyone)
}

// load is how a phase loads its target.
type load struct {
	mix         mix
	concurrency int
	maxRequests int64
}

// run loads t for d, or until maxRequests have been sent, with concurrency
// workers; requests in flight at the deadline are let finish, not cut off,
// so that the end of a phase is not counted as transport errors.
func (l load) run(t target, d time.Duration) *stats {
	total := &stats{failures: &failureLog{}}
	per := make([]*stats, l.concurrency)
	var issued atomic.Int64
	var wg sync.WaitGroup
	stopWatch := watchStalls()
	start := time.Now()
	deadline := start.Add(d)
	for i := range per {
		per[i] = &stats{failures: total.failures}
		w := &worker{load: l, target: t, s: per[i], rng: rand.New(rand.NewPCG(uint64(i), uint64(start.UnixNano())))}
		wg.Go(func() {
			// One request at least, deadline or not: a process descheduled
			// past a short deadline still measures something.
			for n := 0; (n == 0 || time.Now().Before(deadline)) && issued.Add(1) <= l.maxRequests; n++ {
				w.one()
			}
		})
	}
	wg.Wait()
	total.elapsed = time.Since(start)
	total.stall = stopWatch()
	for _, s := range per {
		total.merge(s)
	}
	return total
}

// worker is one of a phase's concurrent clients. It owns its stats and
// buffer, so that the hot loop shares nothing but the visitors.
type worker struct {
	load
	target
	s    *stats
	rng  *rand.Rand
	body bytes.Buffer
}

func (w *worker) one() {
	k := w.mix.pick(w.rng)
	group := w.pool.decided
	if k == anonView {
		group = w.pool.undecided
	}
	v := pick(w.rng, group)
	defer v.mu.Unlock()
	pg := pages[w.rng.IntN(len(pages))]
	var c choice
	var req *http.Request
	if k == decision {
		c = choices[w.rng.IntN(len(choices))]
		req = w.pool.decisionRequest(c, pg)
	} else {
		req = w.pool.pageRequest(pg)
	}

	start := time.Now()
	resp, err := v.client.Do(req)
	if err != nil {
		w.s.transport++
		w.s.failures.add("%s %s: %v", req.Method, pg.path, err)
		return
	}
	w.body.Reset()
	_, err = w.body.ReadFrom(resp.Body)
	resp.Body.Close()
	if err != nil {
		w.s.transport++
		w.s.failures.add("%s %s: reading the body: %v", req.Method, pg.path, err)
		return
	}
	w.s.hist.add(time.Since(start))
	w.s.requests++
	w.s.byKind[k]++

	want := http.StatusOK
	if k == decision {
		want = http.StatusSeeOther
	}
	if resp.StatusCode != want {
		w.s.badStatus++
		w.s.failures.add("%s %s (%s): status %d, want %d: %.200s", req.Method, pg.path, v.state, resp.StatusCode, want, w.body.Bytes())
		return
	}
	if k == decision {
		v.state = c.to // the cookie is set, whatever the checks below say
	}
	if !w.check {
		return
	}
	w.s.checks++
	if err := w.checkAnswer(k, resp, pg, v.state); err != nil {
		w.s.checkFails++
		w.s.failures.add("%v", err)
	}
}

// checkAnswer checks a 200 page view or 303 consent POST answer, whose body
// is in w.body, for a visitor now in state s.
func (w *worker) checkAnswer(k kind, resp *http.Response, pg page, s state) error {
	if k == decision {
		return checkDecision(resp, pg)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		return fmt.Errorf("%s %s: Content-Type %q, want HTML", s, pg.path, ct)
	}
	return checkPage(w.body.Bytes(), s, pg)
}
