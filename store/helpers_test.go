package store_test

import (
	"bytes"
	"sync"
	"testing"
	"time"

	"github.com/consentgate/consent"
	"github.com/consentgate/consent/store"
	"github.com/stretchr/testify/require"
)

// t0 is "now" in these tests: whole seconds, since the cookie keeps times in
// seconds.
var t0 = time.Date(2026, time.December, 1, 12, 0, 0, 0, time.UTC)

const day = 24 * time.Hour

// key returns n bytes of a recognisable test key.
func key(seed byte, n int) []byte { return bytes.Repeat([]byte{seed}, n) }

var (
	signOnly  = store.KeyPair{Hash: key(0x11, 32)}
	encrypted = store.KeyPair{Hash: key(0x21, 32), Block: key(0x22, 32)}
	oldPair   = store.KeyPair{Hash: key(0x31, 64), Block: key(0x32, 16)}
	newPair   = store.KeyPair{Hash: key(0x41, 32), Block: key(0x42, 24)}
)

// clock is a settable time source for the Clock option.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock(t time.Time) *clock { return &clock{now: t} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

func newCodec(t testing.TB, keys []store.KeyPair, opts ...store.CodecOption) *store.Codec {
	t.Helper()
	c, err := store.NewCodec(keys, opts...)
	require.NoError(t, err)
	return c
}

// choice is a decided consent made at t0.
func choice(method consent.Method, granted ...consent.CategoryID) *consent.Consent {
	return &consent.Consent{
		ID:            "9f86d081884c7d659a2feaa0c55ad015",
		PolicyVersion: consent.DefaultVersion,
		Method:        method,
		Granted:       granted,
		Given:         t0,
		Updated:       t0,
	}
}

// revised returns the default policy with a new version "2" whose revision
// is material or not.
func revised(material bool) *consent.Policy {
	p := consent.DefaultPolicy()
	p.Version = "2"
	p.Revisions = append(p.Revisions, consent.Revision{
		Version: "2", Date: consent.DateOf(2026, time.December, 15), Summary: "Changed.", Material: material,
	})
	return p
}
