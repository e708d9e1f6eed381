package main

import "time"

// stallTick is how often the stall watcher wakes.
const stallTick = 5 * time.Millisecond

// watchStalls measures how late this process gets to run, until stop is
// called: a goroutine sleeps stallTick at a time and keeps its longest
// oversleep. On a busy machine the whole process can wait for a CPU longer
// than any request takes, and every latency in flight then includes that
// wait: the figure says how much of a p99 is the machine's, not the server's.
func watchStalls() (stop func() time.Duration) {
	done, result := make(chan struct{}), make(chan time.Duration)
	go func() {
		var worst time.Duration
		t := time.NewTicker(stallTick)
		defer t.Stop()
		last := time.Now()
		for {
			select {
			case <-done:
				result <- worst
				return
			case now := <-t.C:
				worst = max(worst, now.Sub(last)-stallTick)
				last = now
			}
		}
	}()
	return func() time.Duration {
		close(done)
		return <-result
	}
}
