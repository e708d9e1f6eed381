//go:build e2e

package e2e

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/consentgate/consent/middleware"
	"github.com/consentgate/consent/store"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCSPReportsOverPlainHTTP: a page served over plain HTTP (a proxy with
// -insecure-dev, the demo) gets a policy without report-to, so Chromium
// falls back to report-uri and the report reaches the inventory. With
// report-to it would send none: it takes no Reporting-Endpoints from an
// insecure page and, seeing report-to, ignores report-uri.
func TestCSPReportsOverPlainHTTP(t *testing.T) {
	tracker := newTracker(t, hostA)
	keys := []store.KeyPair{{Hash: randomBytes(32), Block: randomBytes(32)}}
	mw, err := middleware.New(testPolicy(), middleware.Keys(keys...), middleware.InsecureDev(), middleware.CSP(middleware.CSPReport),
		middleware.Logger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	require.NoError(t, err)
	origin := tracker.Origin()
	page := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		// A host built at run time: the rewriter cannot see it, the browser can.
		first, rest, _ := strings.Cut(origin, "-") // "http://tracker", "a.localhost:PORT"
		_, _ = io.WriteString(w, `<!doctype html><title>Run time</title><body><p>Page</p><script>
var i = new Image(); i.src = "`+first+`" + "-" + "`+rest+`" + "/p.gif";</script></body>`)
	})
	s := &site{srv: httptest.NewServer(mw.Handler(page))}
	t.Cleanup(s.srv.Close)
	require.True(t, strings.HasPrefix(s.srv.URL, "http://"))

	tb := newTab(t, s)
	tb.navigate("/")
	deadline := time.Now().Add(10 * time.Second)
	var hosts []string
	for time.Now().Before(deadline) {
		hosts = hosts[:0]
		for _, r := range mw.Inventory().CSPReports {
			hosts = append(hosts, r.Host)
		}
		if len(hosts) > 0 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	assert.Contains(t, hosts, hostA, "the report reached the inventory over plain HTTP")
	assert.NotEmpty(t, tracker.Hits(), "report mode blocks nothing")
}
