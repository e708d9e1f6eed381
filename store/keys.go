package store

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
)

// KeyPair is one generation of cookie keys.
type KeyPair struct {
	// Hash signs the cookie with HMAC-SHA256: 32 or 64 random bytes.
	Hash []byte
	// Block encrypts the cookie with AES when set: 16, 24 or 32 random
	// bytes. Nil leaves the cookie signed but readable (it holds no secret).
	Block []byte
}

// ParseKey decodes a key written as hex (preferred; "openssl rand -hex 32"
// prints one) or, when the text is not hex, as standard or URL-safe base64,
// padded or not.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	if b, err := hex.DecodeString(s); err == nil {
		return b, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, fmt.Errorf("%w: neither hex nor base64", ErrBadKey)
}

// ParseKeyPairs decodes comma-separated hash keys and block keys (as
// ParseKey reads them) into key pairs, first pair first. blocks may be empty
// (no encryption) or must name one block key per hash key.
func ParseKeyPairs(hashes, blocks string) ([]KeyPair, error) {
	hs := splitList(hashes)
	bs := splitList(blocks)
	if len(bs) != 0 && len(bs) != len(hs) {
		return nil, fmt.Errorf("%w: %d hash keys but %d block keys", ErrBadKey, len(hs), len(bs))
	}
	pairs := make([]KeyPair, len(hs))
	for i, h := range hs {
		var err error
		if pairs[i].Hash, err = ParseKey(h); err != nil {
			return nil, fmt.Errorf("hash key %d: %w", i+1, err)
		}
		if len(bs) > 0 {
			if pairs[i].Block, err = ParseKey(bs[i]); err != nil {
				return nil, fmt.Errorf("block key %d: %w", i+1, err)
			}
		}
	}
	return pairs, nil
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func (k KeyPair) check(i int) error {
	switch len(k.Hash) {
	case 32, 64:
	default:
		return fmt.Errorf("%w: keys[%d].Hash is %d bytes, want 32 or 64", ErrBadKey, i, len(k.Hash))
	}
	switch len(k.Block) {
	case 0, 16, 24, 32:
	default:
		return fmt.Errorf("%w: keys[%d].Block is %d bytes, want 16, 24 or 32 (or none)", ErrBadKey, i, len(k.Block))
	}
	return nil
}
