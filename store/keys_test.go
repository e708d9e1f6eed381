package store_test

import (
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/consentgate/consent/store"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// k32 has bytes whose base64 forms use '+', '/', '-' and '_', so that the
// standard and URL-safe alphabets differ.
var k32 = func() []byte {
	b := make([]byte, 32)
	for i := range b {
		b[i] = byte(0xfb + i*7)
	}
	return b
}()

func TestParseKey(t *testing.T) {
	std := base64.StdEncoding.EncodeToString(k32)
	url := base64.URLEncoding.EncodeToString(k32)
	require.NotEqual(t, std, url, "the test key must tell the alphabets apart")

	tests := []struct {
		name string
		in   string
	}{
		{"hex (openssl rand -hex 32)", hex.EncodeToString(k32)},
		{"upper-case hex with spaces", "  " + strings.ToUpper(hex.EncodeToString(k32)) + "\n"},
		{"standard base64", std},
		{"raw standard base64", base64.RawStdEncoding.EncodeToString(k32)},
		{"URL-safe base64", url},
		{"raw URL-safe base64", base64.RawURLEncoding.EncodeToString(k32)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := store.ParseKey(tt.in)
			require.NoError(t, err)
			assert.Equal(t, k32, got)
		})
	}

	t.Run("empty", func(t *testing.T) {
		got, err := store.ParseKey("  ")
		require.NoError(t, err)
		assert.Empty(t, got)
	})

	for _, bad := range []string{"not a key!", "%%%%", "abc$", "a", "SGVsbG8=="} {
		t.Run("garbage "+bad, func(t *testing.T) {
			got, err := store.ParseKey(bad)
			assert.ErrorIs(t, err, store.ErrBadKey)
			assert.Nil(t, got)
		})
	}

	t.Run("a parsed key of the wrong size fails at construction", func(t *testing.T) {
		short, err := store.ParseKey(hex.EncodeToString(k32[:16]))
		require.NoError(t, err)
		_, err = store.NewCodec([]store.KeyPair{{Hash: short}})
		assert.ErrorIs(t, err, store.ErrBadKey)
		assert.Contains(t, err.Error(), "keys[0].Hash is 16 bytes")
	})
}

func TestParseKeyPairs(t *testing.T) {
	h1, h2 := hex.EncodeToString(key(1, 32)), base64.StdEncoding.EncodeToString(key(2, 64))
	b1, b2 := hex.EncodeToString(key(3, 32)), base64.RawURLEncoding.EncodeToString(key(4, 16))

	t.Run("signing only", func(t *testing.T) {
		pairs, err := store.ParseKeyPairs(h1, "")
		require.NoError(t, err)
		assert.Equal(t, []store.KeyPair{{Hash: key(1, 32)}}, pairs)
	})
	t.Run("rotation list, new key first", func(t *testing.T) {
		pairs, err := store.ParseKeyPairs(" "+h2+" , "+h1+",", b2+", "+b1)
		require.NoError(t, err)
		assert.Equal(t, []store.KeyPair{
			{Hash: key(2, 64), Block: key(4, 16)},
			{Hash: key(1, 32), Block: key(3, 32)},
		}, pairs)
		_, err = store.NewCodec(pairs)
		assert.NoError(t, err)
	})
	t.Run("more hash keys than block keys", func(t *testing.T) {
		_, err := store.ParseKeyPairs(h1+","+h2, b1)
		assert.ErrorIs(t, err, store.ErrBadKey)
		assert.Contains(t, err.Error(), "2 hash keys but 1 block keys")
	})
	t.Run("more block keys than hash keys", func(t *testing.T) {
		_, err := store.ParseKeyPairs(h1, b1+","+b2)
		assert.ErrorIs(t, err, store.ErrBadKey)
	})
	t.Run("bad hash key", func(t *testing.T) {
		_, err := store.ParseKeyPairs(h1+",nope!", "")
		assert.ErrorIs(t, err, store.ErrBadKey)
		assert.Contains(t, err.Error(), "hash key 2")
	})
	t.Run("bad block key", func(t *testing.T) {
		_, err := store.ParseKeyPairs(h1, "nope!")
		assert.ErrorIs(t, err, store.ErrBadKey)
		assert.Contains(t, err.Error(), "block key 1")
	})
	t.Run("nothing given", func(t *testing.T) {
		pairs, err := store.ParseKeyPairs("", "")
		require.NoError(t, err)
		assert.Empty(t, pairs)
		_, err = store.NewCodec(pairs)
		assert.ErrorIs(t, err, store.ErrBadKey, "no keys is an error at construction")
	})
}
