package middleware

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/consentgate/consent"
	"github.com/consentgate/consent/middleware/internal/htmlrewrite"
)

// TestStatsCountersDoNotAllocate: the counters are on every request's
// path, so bumping them must cost no allocation.
func TestStatsCountersDoNotAllocate(t *testing.T) {
	m, _ := newTestMiddleware(t)
	v := consent.Undecided(m.policy)
	hr := htmlRewrite{tags: m.stats.tags}
	beacon := htmlrewrite.TagEvent{Kind: "img", Host: []byte("pixel.example"), Removed: true}
	for name, bump := range map[string]func(){
		"request":  func() { m.countRequest(v) },
		"decision": func() { m.countDecision(consent.AcceptAll, false, true) },
		"ledger":   func() { m.observeLedger(3 * time.Millisecond) },
		"tag":      func() { hr.observe(beacon) },
	} {
		t.Run(name, func(t *testing.T) {
			assert.Zero(t, testing.AllocsPerRun(100, bump))
		})
	}
}

// TestStatsLedgerHistogramIsCumulative checks the buckets' arithmetic at
// their bounds: a write of exactly a bound falls in that bucket.
func TestStatsLedgerHistogramIsCumulative(t *testing.T) {
	m, _ := newTestMiddleware(t)
	for _, d := range []time.Duration{500 * time.Microsecond, time.Millisecond, 7 * time.Millisecond, time.Minute} {
		m.observeLedger(d)
	}
	l := m.Stats().Ledger
	assert.Equal(t, uint64(4), l.Count)
	assert.Equal(t, time.Minute+8500*time.Microsecond, l.Sum)
	assert.Equal(t, time.Millisecond, l.Bounds[0])
	assert.Equal(t, uint64(2), l.Buckets[0], "≤1ms")
	assert.Equal(t, uint64(2), l.Buckets[2], "≤5ms")
	assert.Equal(t, uint64(3), l.Buckets[3], "≤10ms")
	assert.Equal(t, uint64(3), l.Buckets[len(l.Buckets)-1], "≤5s: the minute is only in +Inf")
}

// TestStatsTagsNameEveryTracker: one entry per enforced tracker, in
// order, and the undeclared beacons last.
func TestStatsTagsNameEveryTracker(t *testing.T) {
	m, _ := newTestMiddleware(t)
	tags := m.Stats().Tags
	assert.NotEmpty(t, m.Trackers())
	assert.Len(t, tags, len(m.Trackers())+1)
	for i, tr := range m.Trackers() {
		assert.Equal(t, tr.Name, tags[i].Tracker)
	}
	assert.Equal(t, TagStat{Tracker: UndeclaredBeacon, Category: UndeclaredBeacon}, tags[len(tags)-1])
}
