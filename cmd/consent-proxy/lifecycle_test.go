package main

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// deadUpstream returns the URL of a loopback port nobody listens on.
func deadUpstream(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return "http://" + addr
}

func TestUpstreamDownAnswers502AndKeepsRunning(t *testing.T) {
	up := deadUpstream(t)
	p := startProxy(t, nil, "-upstream", up, "-hash-key", testHash)
	c := newVisitor(t)
	for i := range 2 { // the proxy survives the first failure
		resp, body := get(t, c, p.URL+"/page", nil)
		assert.Equal(t, http.StatusBadGateway, resp.StatusCode, i)
		assert.Contains(t, resp.Header.Get("Content-Type"), "text/html")
		assert.Contains(t, body, "upstream unavailable")
		assert.NotContains(t, body, bannerMark, "no banner on an error page")
		for _, leak := range []string{strings.TrimPrefix(up, "http://"), "refused", "dial"} {
			assert.NotContains(t, body, leak)
		}
		resp, body = get(t, c, p.URL+"/healthz", nil)
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Equal(t, "ok\n", body)
	}
	assert.Contains(t, p.Stderr.String(), "upstream unavailable", "logged")
	assert.Contains(t, p.Stderr.String(), "connection refused", "with the cause")
}

func TestHealthzNeverTouchesUpstream(t *testing.T) {
	var hits atomic.Int32
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	t.Cleanup(upstream.Close)
	p := startProxy(t, nil, "-upstream", upstream.URL, "-hash-key", testHash, "-healthz", "/_up")
	tests := []struct {
		method string
		path   string
		status int
	}{
		{http.MethodGet, "/_up", http.StatusOK},
		{http.MethodHead, "/_up", http.StatusOK},
		{http.MethodPost, "/_up", http.StatusMethodNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.method, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, p.URL+tt.path, nil)
			require.NoError(t, err)
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			require.NoError(t, resp.Body.Close())
			assert.Equal(t, tt.status, resp.StatusCode)
		})
	}
	assert.Zero(t, hits.Load())
	resp, _ := get(t, newVisitor(t), p.URL+"/healthz", nil) // the default path is upstream's now
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, int32(1), hits.Load())
}

func TestGracefulShutdownLetsInFlightRequestsFinish(t *testing.T) {
	arrived, release := make(chan struct{}), make(chan struct{})
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		<-release
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, "slow answer")
	}))
	t.Cleanup(upstream.Close)
	p := startProxy(t, nil, "-upstream", upstream.URL, "-hash-key", testHash)

	type result struct {
		status int
		body   string
		err    error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := http.Get(p.URL + "/slow")
		if err != nil {
			done <- result{err: err}
			return
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		done <- result{status: resp.StatusCode, body: string(body), err: err}
	}()
	<-arrived

	stopped := make(chan int, 1)
	go func() { stopped <- p.stop(t) }()
	// The listener closes: new connections are refused while the slow
	// request is still in flight.
	require.Eventually(t, func() bool {
		conn, err := net.DialTimeout("tcp", p.Addr, time.Second)
		if err == nil {
			conn.Close()
		}
		return err != nil
	}, 5*time.Second, 10*time.Millisecond)
	select {
	case code := <-stopped:
		t.Fatalf("run returned %d before the in-flight request finished", code)
	default:
	}

	close(release)
	r := <-done
	require.NoError(t, r.err)
	assert.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, "slow answer", r.body)
	assert.Equal(t, exitOK, <-stopped)
	assert.Contains(t, p.Stderr.String(), "stopped")
}

func TestStartupLogLine(t *testing.T) {
	upstream := httptest.NewServer(siteHandler())
	t.Cleanup(upstream.Close)
	p := startProxy(t, map[string]string{"CONSENT_UPSTREAM": upstream.URL, "CONSENT_HASH_KEY": testHash})
	var line string
	for l := range strings.SplitSeq(p.Stderr.String(), "\n") {
		if strings.Contains(l, "consent-proxy listening") {
			line = l
		}
	}
	assert.Contains(t, line, "addr="+p.Addr)
	assert.Contains(t, line, "upstream="+upstream.URL)
}

func TestInsecureDevWithoutKeysWarnsAndServes(t *testing.T) {
	upstream := httptest.NewServer(siteHandler())
	t.Cleanup(upstream.Close)
	p := startProxy(t, nil, "-upstream", upstream.URL, "-insecure-dev")
	assert.Contains(t, p.Stderr.String(), "random keys")

	c := newVisitor(t)
	decide(t, c, p.URL, "accept-all")
	_, body := get(t, c, p.URL+"/", nil)
	assert.Contains(t, body, gtagTag, "the cookie without Secure came back over plain HTTP")
}

func TestSettingsFromEnvironmentAndConfigFile(t *testing.T) {
	upstream := httptest.NewServer(siteHandler())
	t.Cleanup(upstream.Close)
	config := writeFile(t, "proxy.yaml", "upstream: http://127.0.0.1:1\nhash-key: ["+testHash+"]\nmode: defer\ninsecure-dev: true\n")
	// The environment's upstream wins over the file's dead one.
	p := startProxy(t, map[string]string{"CONSENT_CONFIG": config, "CONSENT_UPSTREAM": upstream.URL})
	resp, body := get(t, newVisitor(t), p.URL+"/", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, body, bannerMark)
	// -mode defer from the file: the tag stays, inert.
	assert.Contains(t, body, `data-consent-src="https://www.googletagmanager.com/gtag/js?id=G-1"`)
	assert.NotContains(t, body, gtagTag)
}
