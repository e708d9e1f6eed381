package store

import "sync"

// verifiedCacheSize bounds the cache of verified cookies: at about 500
// bytes a cookie, 4096 entries hold some 2.5 MB.
const verifiedCacheSize = 4096

// verifiedCache remembers cookie values whose signature (and decryption)
// already succeeded, so that a returning visitor's cookie is verified once
// rather than on every request. Keys are the exact cookie bytes and the key
// set never changes, so a hit is as good as a fresh verification; the
// time-dependent checks (expiry, policy version) still run on every decode.
// Only successes are cached, so garbage cannot fill it, and when it is full
// an arbitrary entry makes room.
type verifiedCache struct {
	mu      sync.RWMutex
	max     int
	entries map[string]verifiedEntry
}

type verifiedEntry struct {
	wire wireConsent
	key  int // index of the key pair that verified it
}

func newVerifiedCache(size int) *verifiedCache {
	return &verifiedCache{max: size, entries: make(map[string]verifiedEntry, size)}
}

func (c *verifiedCache) get(raw string) (wireConsent, int, bool) {
	c.mu.RLock()
	e, ok := c.entries[raw]
	c.mu.RUnlock()
	return e.wire, e.key, ok
}

func (c *verifiedCache) put(raw string, w wireConsent, key int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max {
		for k := range c.entries {
			delete(c.entries, k)
			break
		}
	}
	c.entries[raw] = verifiedEntry{wire: w, key: key}
}
