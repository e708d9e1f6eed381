package main

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Short enough that the whole test takes a few seconds; the proxy's real
// limits are the same mechanism with larger numbers.
var testTimeouts = serverTimeouts{readHeader: 300 * time.Millisecond, read: time.Second, idle: 500 * time.Millisecond}

// closeBound is how long after its first byte a slow connection may stay
// open: the longest timeout plus ample slack for a loaded -race run.
const closeBound = 4 * time.Second

// slowResult is what a slow client saw.
type slowResult struct {
	got     string        // every byte the proxy sent
	elapsed time.Duration // until the proxy closed the connection
	closed  bool          // false: still open when the client gave up
}

// slowClient sends prefix at once and then trickle one byte every interval,
// reading until the proxy closes the connection or giveUp passes.
// connected is called once the connection is open.
func slowClient(addr, prefix, trickle string, interval, giveUp time.Duration, connected func()) (slowResult, error) {
	conn, err := net.Dial("tcp", addr)
	connected()
	if err != nil {
		return slowResult{}, err
	}
	defer conn.Close()
	start := time.Now()
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		if _, err := io.WriteString(conn, prefix); err != nil {
			return
		}
		for i := 0; i < len(trickle); i++ {
			select {
			case <-stop:
				return
			case <-time.After(interval):
			}
			if _, err := conn.Write([]byte{trickle[i]}); err != nil {
				return // the proxy hung up, as it should
			}
		}
	}()
	_ = conn.SetReadDeadline(start.Add(giveUp))
	var got strings.Builder
	_, err = io.Copy(&got, conn)
	res := slowResult{got: got.String(), elapsed: time.Since(start), closed: true}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		res.closed = false
	}
	// Anything else (EOF, a reset because the proxy closed with unread
	// bytes) means the proxy hung up.
	return res, nil
}

// The production limits exist: the test below shortens the same settings.
func TestServerTimeoutsAreSet(t *testing.T) {
	assert.Positive(t, defaultTimeouts.readHeader)
	assert.Positive(t, defaultTimeouts.read)
	assert.Positive(t, defaultTimeouts.idle)
	assert.LessOrEqual(t, defaultTimeouts.readHeader, defaultTimeouts.read)
}

func TestSlowClientsAreCutOffWhileOthersAreServed(t *testing.T) {
	upstream := httptest.NewServer(siteHandler())
	t.Cleanup(upstream.Close)
	p := startProxyEnv(t, env{getenv: mapEnv(nil), timeouts: &testTimeouts},
		"-upstream", upstream.URL, "-hash-key", testHash, "-block-key", testBlock, "-insecure-dev", "-policy", sitePolicyFile(t))

	const form = "action=accept-all&return=/"
	postHead := func(extra string) string {
		return "POST /consent HTTP/1.1\r\nHost: " + p.Addr + "\r\nContent-Type: application/x-www-form-urlencoded\r\n" +
			"Sec-Fetch-Site: same-origin\r\n" + extra + "\r\n"
	}
	// A body long enough that trickling it outlasts the read timeout.
	longForm := form + "&pad=" + strings.Repeat("x", 60)
	tests := []struct {
		name             string
		prefix, trickle  string
		interval, giveUp time.Duration
	}{
		{name: "request line and headers one byte at a time", trickle: postHead("Content-Length: 26\r\n") + form,
			interval: 150 * time.Millisecond, giveUp: 6 * time.Second},
		{name: "headers never finished", prefix: "POST /consent HTTP/1.1\r\nHost: x\r\n", trickle: strings.Repeat("X-Pad: 1\r\n", 10),
			interval: 150 * time.Millisecond, giveUp: 6 * time.Second},
		{name: "form body one byte at a time", prefix: postHead("Content-Length: " + strconv.Itoa(len(longForm)) + "\r\n"), trickle: longForm,
			interval: 150 * time.Millisecond, giveUp: 6 * time.Second},
		{name: "chunked form body one byte per chunk", prefix: postHead("Transfer-Encoding: chunked\r\n"), trickle: chunked(longForm),
			interval: 30 * time.Millisecond, giveUp: 6 * time.Second},
		{name: "body announced but never sent", prefix: postHead("Content-Length: 26\r\n"),
			interval: time.Second, giveUp: 6 * time.Second},
		{name: "page request trickled", trickle: "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
			interval: 150 * time.Millisecond, giveUp: 6 * time.Second},
	}
	results := make([]chan slowResult, len(tests))
	var open sync.WaitGroup
	open.Add(len(tests))
	for i, tt := range tests {
		results[i] = make(chan slowResult, 1)
		go func() {
			res, err := slowClient(p.Addr, tt.prefix, tt.trickle, tt.interval, tt.giveUp, open.Done)
			if err != nil {
				res.got = "dial: " + err.Error()
			}
			results[i] <- res
		}()
	}

	// While they hold their connections, a visitor decides and browses.
	open.Wait()
	t.Run("others are served meanwhile", func(t *testing.T) {
		c := newVisitor(t)
		decide(t, c, p.URL, "accept-all")
		resp, body := get(t, c, p.URL+"/", nil)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Contains(t, body, gtagTag, "the decision counts")
		resp, _ = get(t, c, p.URL+"/healthz", nil)
		assert.Equal(t, http.StatusOK, resp.StatusCode)
	})

	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := <-results[i]
			require.NotContains(t, res.got, "dial:")
			require.True(t, res.closed, "the connection is still open after %s; got %q", tt.giveUp, res.got)
			assert.Less(t, res.elapsed, closeBound, "closed by the server's timeouts")
			t.Logf("after %s: %q", res.elapsed.Round(time.Millisecond), res.got)
			assertCleanRefusal(t, res.got)
		})
	}

	t.Run("an idle keep-alive connection is closed", func(t *testing.T) {
		conn, err := net.Dial("tcp", p.Addr)
		require.NoError(t, err)
		defer conn.Close()
		_, err = io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
		require.NoError(t, err)
		br := bufio.NewReader(conn)
		resp, err := http.ReadResponse(br, nil)
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
		start := time.Now()
		_ = conn.SetReadDeadline(start.Add(6 * time.Second))
		_, err = br.ReadByte()
		var ne net.Error
		require.False(t, errors.As(err, &ne) && ne.Timeout(), "the idle connection is still open")
		assert.Less(t, time.Since(start), closeBound)
	})

	t.Run("the proxy still serves afterwards", func(t *testing.T) {
		resp, body := get(t, newVisitor(t), p.URL+"/", nil)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Equal(t, 1, strings.Count(body, bannerMark))
	})
}

// assertCleanRefusal checks what a cut-off client received: nothing, or a
// clean 4xx (net/http answers 400 to a request it gave up reading) with no
// consent cookie.
func assertCleanRefusal(t *testing.T, got string) {
	t.Helper()
	if got == "" {
		return
	}
	resp, err := http.ReadResponse(bufio.NewReader(strings.NewReader(got)), nil)
	if err != nil {
		// Cut short by a reset: what arrived must still not set consent.
		assert.NotContains(t, got, "Set-Cookie: consent=", "partial answer %q", got)
		return
	}
	defer resp.Body.Close()
	assert.GreaterOrEqual(t, resp.StatusCode, 400, got)
	assert.Less(t, resp.StatusCode, 500, got)
	for _, c := range resp.Cookies() {
		assert.NotEqual(t, "consent", c.Name, "an incomplete form granted consent")
	}
}

// chunked encodes s as one chunk per byte.
func chunked(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		b.WriteString("1\r\n")
		b.WriteByte(s[i])
		b.WriteString("\r\n")
	}
	b.WriteString("0\r\n\r\n")
	return b.String()
}
