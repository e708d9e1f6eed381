package middleware

import (
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/consentgate/consent/internal/pgtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// An Idempotency-Key makes a retry of the same decision idempotent; reused
// with a different decision it gets 422, no cookie and no record, through
// one instance or across two sharing the ledger.
func TestIdempotencyKeyReusedWithAnotherDecision(t *testing.T) {
	ledgers := map[string]func(t *testing.T) string{
		"sqlite": func(t *testing.T) string { return "sqlite://" + filepath.Join(t.TempDir(), "ledger.db") },
		"postgres": func(t *testing.T) string {
			return pgtest.URL(t) // skips without CONSENT_TEST_POSTGRES_URL
		},
	}
	for name, ledgerURL := range ledgers {
		t.Run(name, func(t *testing.T) {
			url := ledgerURL(t)
			l := openTestLedger(t, url)
			var servers []*httptest.Server
			for range 2 {
				m, _ := newTestMiddleware(t, Ledger(l))
				srv := httptest.NewServer(m.Handler(http.NotFoundHandler()))
				t.Cleanup(srv.Close)
				servers = append(servers, srv)
			}
			post := func(srv *httptest.Server, action, key string) *http.Response {
				req, err := http.NewRequest(http.MethodPost, srv.URL+"/consent", strings.NewReader("action="+action))
				require.NoError(t, err)
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("Sec-Fetch-Site", "same-origin")
				req.Header.Set("Idempotency-Key", key)
				resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
				require.NoError(t, err)
				_, _ = io.Copy(io.Discard, resp.Body)
				require.NoError(t, resp.Body.Close())
				return resp
			}

			first := post(servers[0], "accept-all", "key-1")
			require.Equal(t, http.StatusSeeOther, first.StatusCode)
			retry := post(servers[1], "accept-all", "key-1")
			assert.Equal(t, http.StatusSeeOther, retry.StatusCode, "a retry of the same decision succeeds")
			assert.NotEmpty(t, retry.Header.Values("Set-Cookie"))

			conflict := post(servers[1], "reject-all", "key-1")
			assert.Equal(t, http.StatusUnprocessableEntity, conflict.StatusCode)
			assert.Empty(t, conflict.Header.Values("Set-Cookie"), "no cookie for a decision not recorded")

			other := post(servers[0], "reject-all", "key-2")
			assert.Equal(t, http.StatusSeeOther, other.StatusCode, "another key is another request")

			recs := ledgerRecords(t, l)
			require.Len(t, recs, 2, "one record per key")
			assert.Equal(t, "accept-all", string(recs[0].Action))
			assert.Equal(t, "reject-all", string(recs[1].Action))
		})
	}
}
