package middleware

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/consentgate/consent"
	"github.com/consentgate/consent/internal/pgtest"
	"github.com/consentgate/consent/store"
	"github.com/consentgate/consent/store/ledgerurl"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func openTestLedger(t testing.TB, rawURL string) store.Ledger {
	t.Helper()
	l, err := ledgerurl.Open(context.Background(), rawURL, store.LedgerRetention(0))
	require.NoError(t, err)
	t.Cleanup(func() { _ = l.Close() })
	return l
}

// ledgerRecords exports every record of l.
func ledgerRecords(t testing.TB, l store.Ledger) []store.Record {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, l.Export(context.Background(), time.Time{}, time.Time{}, &buf, store.ExportJSONLines))
	var out []store.Record
	sc := bufio.NewScanner(&buf)
	for sc.Scan() {
		var r store.Record
		require.NoError(t, json.Unmarshal(sc.Bytes(), &r))
		out = append(out, r)
	}
	return out
}

func consentCookieOf(rec *httptest.ResponseRecorder, name string) *http.Cookie {
	for _, c := range rec.Result().Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func TestLedgerRecordsEveryDecision(t *testing.T) {
	l := openTestLedger(t, "sqlite://"+filepath.Join(t.TempDir(), "ledger.db"))
	m, _ := newTestMiddleware(t, Ledger(l), GPC(true))
	h := m.Handler(http.NotFoundHandler())

	post := func(form url.Values, cookie *http.Cookie, header ...string) *httptest.ResponseRecorder {
		req := formRequest(form)
		req.RemoteAddr = "198.51.100.23:4711"
		req.Header.Set("User-Agent", "Test/1.0")
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		if cookie != nil {
			req.AddCookie(cookie)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	first := post(url.Values{"action": {"accept-all"}, "return": {"/shop?item=7"}}, nil, "Accept-Language", "de-DE")
	require.Equal(t, http.StatusSeeOther, first.Code)
	cookie := consentCookieOf(first, m.codec.Name())
	require.NotNil(t, cookie)
	second := post(url.Values{"action": {"save"}, "category": {"analytics"}}, cookie, "Accept", "application/json")
	require.Equal(t, http.StatusOK, second.Code)
	third := post(url.Values{"action": {"reject-all"}}, consentCookieOf(second, m.codec.Name()))
	require.Equal(t, http.StatusSeeOther, third.Code)
	fourth := post(url.Values{"action": {"accept-all"}}, nil, "Sec-GPC", "1")
	require.Equal(t, http.StatusSeeOther, fourth.Code)

	recs := ledgerRecords(t, l)
	require.Len(t, recs, 4)
	v, _, err := m.codec.DecodeValue(cookie.Value, m.policy)
	require.NoError(t, err)
	for i, want := range []struct {
		action  store.Action
		channel store.Channel
		gpc     bool
	}{{store.ActionAcceptAll, store.ChannelForm, false}, {store.ActionCustom, store.ChannelScript, false},
		{store.ActionWithdraw, store.ChannelForm, false}, {store.ActionAcceptAll, store.ChannelForm, true}} {
		r := recs[i]
		assert.Equal(t, want.action, r.Action, "record %d", i)
		assert.Equal(t, want.channel, r.Channel, "record %d", i)
		assert.Equal(t, want.gpc, r.GPC, "record %d", i)
		assert.Equal(t, "198.51.100.0/24", r.IP, "no raw IP")
		assert.NotContains(t, r.UserAgentHash, "Test")
		if i < 3 {
			assert.Equal(t, v.ID, r.ConsentID, "one consent ID across changes of mind")
		}
	}
	assert.Equal(t, "de", recs[0].Language)
	assert.Equal(t, "/shop", recs[0].Path)
	assert.Equal(t, []consent.CategoryID{consent.Essential, consent.Analytics}, recs[1].Granted)
	assert.NotEqual(t, v.ID, recs[3].ConsentID)
}

// failingLedger cannot write.
type failingLedger struct{ store.Ledger }

func (failingLedger) Record(context.Context, store.Record) error {
	return fmt.Errorf("%w: disk full", store.ErrLedgerUnavailable)
}

func TestLedgerDownMeansNoCookie(t *testing.T) {
	m, logs := newTestMiddleware(t, Ledger(failingLedger{}))
	for _, accept := range []string{"", "application/json"} {
		t.Run("accept "+accept, func(t *testing.T) {
			req := formRequest(acceptAll())
			if accept != "" {
				req.Header.Set("Accept", accept)
			}
			rec := httptest.NewRecorder()
			m.Handler(http.NotFoundHandler()).ServeHTTP(rec, req)
			assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
			assert.Empty(t, rec.Header().Values("Set-Cookie"), "no consent without proof")
			assert.Equal(t, "5", rec.Header().Get("Retry-After"))
			assert.Contains(t, rec.Body.String(), map[string]string{"": "could not be saved", "application/json": "try again"}[accept])
		})
	}
	assert.Contains(t, logs.String(), "the ledger cannot record consent")
}

// Two instances share keys and one PostgreSQL: a consent given through
// one is honoured by the other, and a burst of 10,000 consents over both
// leaves exactly 10,000 records.
func TestLedgerScaleOutOnPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 consents")
	}
	pgURL := pgtest.URL(t)
	var servers []*httptest.Server
	for range 2 {
		m, _ := newTestMiddleware(t, Ledger(openTestLedger(t, pgURL)))
		srv := httptest.NewServer(m.Handler(htmlHandler(trackerPage)))
		t.Cleanup(srv.Close)
		servers = append(servers, srv)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	postTo := func(srv *httptest.Server, key string) (*http.Response, error) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/consent", strings.NewReader("action=accept-all"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		if key != "" {
			req.Header.Set("Idempotency-Key", key)
		}
		resp, err := client.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		return resp, err
	}

	t.Run("a consent given on one instance holds on the other", func(t *testing.T) {
		resp, err := postTo(servers[0], "")
		require.NoError(t, err)
		require.Equal(t, http.StatusSeeOther, resp.StatusCode)
		req, _ := http.NewRequest(http.MethodGet, servers[1].URL+"/", nil)
		for _, c := range resp.Cookies() {
			req.AddCookie(c)
		}
		page, err := client.Do(req)
		require.NoError(t, err)
		body, _ := io.ReadAll(page.Body)
		page.Body.Close()
		assert.Contains(t, string(body), gaLoader, "analytics granted on the other instance")
		assert.NotContains(t, string(body), bannerMark)
	})

	const n, workers = 10_000, 64
	var next, failed atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= n {
					return
				}
				key := fmt.Sprintf("burst-%05d", i)
				resp, err := postTo(servers[i%2], key)
				if err != nil || resp.StatusCode != http.StatusSeeOther {
					failed.Add(1)
					continue
				}
				if i%10 == 0 { // a client retry, landing on the other instance
					if resp, err := postTo(servers[(i+1)%2], key); err != nil || resp.StatusCode != http.StatusSeeOther {
						failed.Add(1)
					}
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	require.Zero(t, failed.Load())
	l := openTestLedger(t, pgURL)
	recs := ledgerRecords(t, l)
	seen := map[string]bool{}
	for _, r := range recs {
		seen[r.ConsentID] = true
	}
	assert.Len(t, recs, n+1, "10,000 burst records (a tenth retried) plus the first consent: none lost, none duplicated")
	assert.Len(t, seen, n+1, "one record per consent")
	t.Logf("%d consents (+%d retries) over two instances in %v (%.0f/s)", n, n/10, elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds())
}
