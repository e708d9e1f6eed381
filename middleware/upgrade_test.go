package middleware

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/consentgate/consent"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A WebSocket-style upgrade through httputil.ReverseProxy: the upstream's
// 101 carries cookies, which the proxy writes after Hijack. Refused ones
// must not reach the browser; the connection then carries raw bytes.
func TestUpgradeResponseCookiesAreFiltered(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		_, _ = io.WriteString(brw, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n"+
			"Set-Cookie: _ga=GA1.1.1; Path=/\r\nSet-Cookie: session=s1; Path=/; HttpOnly\r\n\r\n")
		_ = brw.Flush()
		line, _ := brw.ReadString('\n')
		_, _ = io.WriteString(brw, "echo: "+line)
		_ = brw.Flush()
	}))
	defer upstream.Close()
	target, _ := url.Parse(upstream.URL)
	m, _ := newTestMiddleware(t)
	proxy := httptest.NewServer(m.Handler(httputil.NewSingleHostReverseProxy(target)))
	defer proxy.Close()

	conn, err := net.Dial("tcp", proxy.Listener.Addr().String())
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.SetDeadline(time.Now().Add(5*time.Second)))
	_, err = io.WriteString(conn, "GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
	require.NoError(t, err)
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode)
	var names []string
	for _, c := range resp.Cookies() {
		names = append(names, c.Name)
	}
	assert.Equal(t, []string{"session"}, names, "the essential cookie only")
	_, err = io.WriteString(conn, "hello\n")
	require.NoError(t, err)
	echo, err := br.ReadString('\n')
	require.NoError(t, err)
	assert.Equal(t, "echo: hello\n", echo)
}

func TestUpgradeHeadFilterPassesOtherBytes(t *testing.T) {
	m, _ := newTestMiddleware(t)
	var out strings.Builder
	u := &upgradeHead{w: &out, m: m, consent: nil}
	_, _ = u.Write([]byte("raw protocol bytes, not a response head"))
	_, _ = u.Write([]byte(" and more"))
	assert.Equal(t, "raw protocol bytes, not a response head and more", out.String())
}

// A head of any size is read, never passed unread: refused cookies after
// hundreds of KiB of other headers, and an oversized Set-Cookie line, are
// dropped however the head is split into writes.
func TestUpgradeHeadFilterLargeHeads(t *testing.T) {
	m, _ := newTestMiddleware(t)
	var head strings.Builder
	head.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\n")
	for i := range 4000 {
		fmt.Fprintf(&head, "X-Filler-%d: %s\r\n", i, strings.Repeat("f", 50))
	}
	head.WriteString("X-Long: " + strings.Repeat("l", 100<<10) + "\r\n")
	head.WriteString("Set-Cookie: _fbp=" + strings.Repeat("v", 100<<10) + "\r\n")
	head.WriteString("Set-Cookie: session=" + strings.Repeat("s", 20<<10) + "\r\n") // essential but beyond any browser's limit
	head.WriteString("Set-Cookie: _ga=GA1.1.1; Path=/\r\nSet-Cookie: session=s1; Path=/\r\n\r\n")
	in := head.String() + "raw bytes after the head"
	for _, chunk := range []int{1, 7, 4096, 1 << 20} {
		t.Run(fmt.Sprintf("writes of %d bytes", chunk), func(t *testing.T) {
			var out strings.Builder
			u := &upgradeHead{w: &out, m: m, consent: consent.Undecided(m.policy)}
			for s := in; len(s) > 0; {
				n := min(chunk, len(s))
				k, err := u.Write([]byte(s[:n]))
				require.NoError(t, err)
				require.Equal(t, n, k)
				s = s[n:]
			}
			got := out.String() // asserted with strings.Contains: it is 300 KiB long
			assert.False(t, strings.Contains(got, "_ga="), "a refused cookie is dropped")
			assert.False(t, strings.Contains(got, "_fbp="), "a refused long cookie is dropped")
			assert.False(t, strings.Contains(got, "session=sss"), "an oversized Set-Cookie line is dropped")
			assert.True(t, strings.HasSuffix(got, "\r\nSet-Cookie: session=s1; Path=/\r\n\r\nraw bytes after the head"), "the essential cookie and the bytes after the head pass")
			assert.True(t, strings.Contains(got, "\r\nX-Filler-3999: "), "other headers pass")
			assert.True(t, strings.Contains(got, "X-Long: "+strings.Repeat("l", 100<<10)+"\r\n"), "long other lines pass whole")
		})
	}
}
