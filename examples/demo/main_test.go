package main

import (
	"context"
	"github.com/consentgate/consent/examples/demo/site"
	"github.com/consentgate/consent/internal/syncbuf"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/consentgate/consent/store"
	"github.com/consentgate/consent/store/ledgerurl"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRunOpensTheDefaultLedgerAndClosesIt runs the demo as make demo does,
// in an empty working directory: .demo/ledger.db is created, named at
// start-up, and closed (reopenable, its decision kept) after the shutdown.
func TestRunOpensTheDefaultLedgerAndClosesIt(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	out := &syncbuf.Buffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, slog.New(slog.DiscardHandler), options{addr: "127.0.0.1:0", ledger: site.DefaultLedgerURL}, out)
	}()
	var base string
	require.Eventually(t, func() bool {
		_, rest, ok := strings.Cut(out.String(), "open ")
		base, _, _ = strings.Cut(rest, "\n")
		return ok && strings.HasSuffix(base, "/") && strings.Contains(out.String(), "Ctrl-C")
	}, 10*time.Second, 10*time.Millisecond)
	assert.Contains(t, out.String(), "consent ledger: "+filepath.Join(dir, ".demo", "ledger.db"))

	req, err := http.NewRequest("POST", base+"consent", strings.NewReader("action=reject-all"))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", strings.TrimSuffix(base, "/"))
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)

	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("run did not stop")
	}
	l, err := ledgerurl.Open(context.Background(), site.DefaultLedgerURL, store.LedgerRetention(0))
	require.NoError(t, err)
	recs, err := site.RecentRecords(context.Background(), l, time.Now())
	require.NoError(t, err)
	require.NoError(t, l.Close())
	require.Len(t, recs, 1)
	assert.Equal(t, store.ActionRejectAll, recs[0].Action)
}

func TestRunWithLedgerOff(t *testing.T) {
	t.Chdir(t.TempDir())
	out := &syncbuf.Buffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, slog.New(slog.DiscardHandler), options{addr: "127.0.0.1:0", ledger: "off"}, out)
	}()
	require.Eventually(t, func() bool { return strings.Contains(out.String(), "Ctrl-C") }, 10*time.Second, 10*time.Millisecond)
	assert.Contains(t, out.String(), "consent ledger: off")
	cancel()
	require.NoError(t, <-done)
	_, err := os.Stat(".demo")
	assert.ErrorIs(t, err, os.ErrNotExist, "nothing written")
}
