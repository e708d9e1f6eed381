package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// echoUpgrade switches to an "echo" protocol, as a WebSocket server
// switches to WebSocket, and sends back every byte it reads.
func echoUpgrade(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Upgrade") != "echo" {
		http.Error(w, "upgrade required", http.StatusUpgradeRequired)
		return
	}
	conn, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	_, _ = brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\nSet-Cookie: _ga=GA1.1.1\r\n\r\n")
	if brw.Flush() != nil {
		return
	}
	_, _ = io.Copy(conn, brw)
}

func TestUpgradePassesThrough(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(echoUpgrade))
	t.Cleanup(upstream.Close)
	p := startProxy(t, nil, "-upstream", upstream.URL, "-hash-key", testHash, "-insecure-dev")
	tests := []struct {
		name     string
		decision string
		cookies  []string // what the 101 sets
	}{
		{name: "undecided", cookies: nil},
		{name: "accepted", decision: "accept-all", cookies: []string{"_ga"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var cookie string
			if tt.decision != "" {
				c := newVisitor(t)
				decide(t, c, p.URL, tt.decision)
				u, err := url.Parse(p.URL)
				require.NoError(t, err)
				for _, ck := range c.Jar.Cookies(u) {
					cookie = "Cookie: " + ck.String() + "\r\n"
				}
			}
			conn, err := net.Dial("tcp", p.Addr)
			require.NoError(t, err)
			defer conn.Close()
			require.NoError(t, conn.SetDeadline(time.Now().Add(10*time.Second)))
			_, err = io.WriteString(conn, "GET /socket HTTP/1.1\r\nHost: "+p.Addr+"\r\nUpgrade: echo\r\nConnection: Upgrade\r\n"+cookie+"\r\n")
			require.NoError(t, err)

			br := bufio.NewReader(conn)
			resp, err := http.ReadResponse(br, nil)
			require.NoError(t, err)
			assert.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode)
			assert.Equal(t, "echo", resp.Header.Get("Upgrade"))
			// The handshake's cookies are filtered like any response's.
			assert.Equal(t, tt.cookies, setCookies(resp))

			for _, msg := range []string{"hello\n", "second message\n"} {
				_, err = io.WriteString(conn, msg)
				require.NoError(t, err)
				got, err := br.ReadString('\n')
				require.NoError(t, err)
				assert.Equal(t, msg, got)
			}
		})
	}
}
