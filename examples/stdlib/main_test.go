package main

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/consentgate/consent/examples/internal/sitetest"
	"github.com/consentgate/consent/store"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var testKeys = []store.KeyPair{{Hash: bytes.Repeat([]byte{1}, 32), Block: bytes.Repeat([]byte{2}, 32)}}

// site is the example's handler, in -dev mode since the test server is
// plain HTTP.
func site(t *testing.T) http.Handler {
	h, err := newHandler(slog.New(slog.NewTextHandler(t.Output(), nil)), testKeys, true)
	require.NoError(t, err)
	return h
}

// TestVisitor walks one visitor through the site: see sitetest.Visit.
func TestVisitor(t *testing.T) { sitetest.Visit(t, site(t)) }

// TestOpenRedirectRefused checks that consent's return path cannot send the
// visitor to another site: see sitetest.OpenRedirect.
func TestOpenRedirectRefused(t *testing.T) { sitetest.OpenRedirect(t, site(t)) }

// TestDevFlag checks that without -dev the site's cookies are Secure.
func TestDevFlag(t *testing.T) {
	h, err := newHandler(slog.New(slog.DiscardHandler), testKeys, false)
	require.NoError(t, err)
	for _, req := range []*http.Request{
		httptest.NewRequest(http.MethodGet, "/", nil),
		httptest.NewRequest(http.MethodPost, "/consent", strings.NewReader("action=reject-all")),
	} {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		require.NotEmpty(t, rec.Result().Cookies(), req.URL.Path)
		for _, c := range rec.Result().Cookies() {
			assert.True(t, c.Secure, "%s %s: cookie %s", req.Method, req.URL.Path, c.Name)
		}
	}
}
