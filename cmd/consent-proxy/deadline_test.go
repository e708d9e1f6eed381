package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// streamUpstream streams an endless HTML page in 16 KiB chunks, flushed,
// and reports on gone when the proxy gives up on a request.
func streamUpstream(t *testing.T, gone chan<- time.Time) *httptest.Server {
	chunk := strings.Repeat("<p>a paragraph of a very long page</p>\n", 420)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, "<!doctype html><html><body>")
		for {
			if _, err := io.WriteString(w, chunk); err != nil {
				break
			}
			if err := http.NewResponseController(w).Flush(); err != nil {
				break
			}
			select {
			case <-r.Context().Done():
			case <-time.After(time.Millisecond):
				continue
			}
			break
		}
		gone <- time.Now()
	}))
	t.Cleanup(srv.Close)
	return srv
}

// A client that stops reading is cut off within -write-timeout of its last
// progress (the proxy then drops the upstream request too), while one that
// reads keeps a stream going far longer than the timeout.
func TestWriteDeadlineRenewedOnProgress(t *testing.T) {
	gone := make(chan time.Time, 4)
	upstream := streamUpstream(t, gone)
	p := startProxy(t, nil, "-upstream", upstream.URL, "-insecure-dev", "-write-timeout", "400ms")

	t.Run("a client that stops reading", func(t *testing.T) {
		conn, err := net.Dial("tcp", p.Addr)
		require.NoError(t, err)
		defer conn.Close()
		_, err = io.WriteString(conn, "GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
		require.NoError(t, err)
		start := time.Now()
		select {
		case at := <-gone:
			assert.Less(t, at.Sub(start), 5*time.Second, "the stalled response was let go")
		case <-time.After(10 * time.Second):
			t.Fatal("a client that reads nothing pins the response")
		}
	})
	t.Run("a reader of a stream longer than the timeout", func(t *testing.T) {
		conn, err := net.Dial("tcp", p.Addr)
		require.NoError(t, err)
		defer conn.Close()
		_, err = io.WriteString(conn, "GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
		require.NoError(t, err)
		br := bufio.NewReader(conn)
		// A reader that keeps up. (Linux wakes a writer blocked on a full
		// send buffer only once about a third of it is free, up to a few
		// MiB on loopback: a client is cut off when it does not drain that
		// much within the timeout, 60s by default.)
		buf := make([]byte, 32<<10)
		deadline := time.Now().Add(2 * time.Second) // five times the timeout
		total := 0
		for time.Now().Before(deadline) {
			require.NoError(t, conn.SetReadDeadline(time.Now().Add(2*time.Second)))
			n, err := br.Read(buf)
			require.NoError(t, err, "cut off after %d bytes", total)
			total += n
		}
		assert.Greater(t, total, 64<<10)
		select {
		case at := <-gone:
			t.Fatalf("the upstream request of a reading client ended %v before the check, after %d bytes; proxy log:\n%s", time.Since(at), total, p.Stderr)
		default:
		}
	})
}

// Beyond -max-conns, a connection waits to be accepted; it is served as
// soon as another one closes.
func TestMaxConnsCapsConnections(t *testing.T) {
	upstream := httptest.NewServer(siteHandler())
	t.Cleanup(upstream.Close)
	p := startProxy(t, nil, "-upstream", upstream.URL, "-insecure-dev", "-max-conns", "1")
	request := func(conn net.Conn, wait time.Duration) (*http.Response, error) {
		if _, err := io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			return nil, err
		}
		_ = conn.SetReadDeadline(time.Now().Add(wait))
		return http.ReadResponse(bufio.NewReader(conn), nil)
	}
	first, err := net.Dial("tcp", p.Addr)
	require.NoError(t, err)
	resp, err := request(first, 5*time.Second)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)

	second, err := net.Dial("tcp", p.Addr) // the kernel completes the handshake
	require.NoError(t, err)
	defer second.Close()
	_, err = request(second, 500*time.Millisecond)
	var ne net.Error
	require.ErrorAs(t, err, &ne, "a second connection is served beyond the cap")
	require.True(t, ne.Timeout())

	require.NoError(t, first.Close())
	require.NoError(t, second.SetReadDeadline(time.Now().Add(5*time.Second)))
	resp, err = http.ReadResponse(bufio.NewReader(second), nil)
	require.NoError(t, err, "the waiting connection is served once the first closes")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}

func TestHostPrefixFlag(t *testing.T) {
	upstream := httptest.NewServer(siteHandler())
	t.Cleanup(upstream.Close)
	p := startProxy(t, nil, "-upstream", upstream.URL, "-hash-key", testHash, "-host-prefix")
	req, err := http.NewRequest(http.MethodPost, p.URL+"/consent", strings.NewReader("action=accept-all"))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := http.DefaultTransport.RoundTrip(req)
	require.NoError(t, err)
	_ = resp.Body.Close()
	cookies := resp.Header.Values("Set-Cookie")
	require.NotEmpty(t, cookies)
	assert.True(t, strings.HasPrefix(cookies[0], "__Host-consent="), cookies[0])
	assert.Contains(t, cookies[0], "; Secure")
	assert.Contains(t, cookies[0], "Path=/")

	var stderr strings.Builder
	code := run(t.Context(), []string{"-upstream", upstream.URL, "-insecure-dev", "-host-prefix"}, env{getenv: mapEnv(nil), stdout: io.Discard, stderr: &stderr})
	assert.Equal(t, exitUsage, code)
	assert.Equal(t, "consent-proxy: -host-prefix: needs HTTPS, so it cannot go with -insecure-dev\n", stderr.String())
	for _, bad := range [][]string{{"-write-timeout", "soon"}, {"-write-timeout", "-1s"}, {"-max-conns", "many"}, {"-max-conns", "-3"}} {
		stderr.Reset()
		code := run(t.Context(), append([]string{"-upstream", upstream.URL, "-insecure-dev"}, bad...), env{getenv: mapEnv(nil), stdout: io.Discard, stderr: &stderr})
		assert.Equal(t, exitUsage, code, bad)
		assert.True(t, strings.HasPrefix(stderr.String(), fmt.Sprintf("consent-proxy: %s: ", bad[0])), stderr.String())
	}
}
