package middleware

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Faults of the handler: the server keeps serving, the response is correct
// or a clean error, and no consent is invented.
func TestHandlerFaults(t *testing.T) {
	m, _ := newTestMiddleware(t)

	t.Run("body truncated mid-tag passes what it has", func(t *testing.T) {
		body := get(m, htmlHandler(`<body><p class="x">text</p><img src="/a.png" alt="unfinis`), "/").Body.String()
		assert.True(t, strings.HasSuffix(body, `<p class="x">text</p><img src="/a.png" alt="unfinis`), body[len(body)-60:])
	})
	t.Run("a trickle of one-byte writes gives the same page", func(t *testing.T) {
		whole := get(m, htmlHandler(trackerPage), "/").Body.String()
		trickle := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			for i := range len(trackerPage) {
				_, _ = w.Write([]byte{trackerPage[i]})
			}
		})
		assert.Equal(t, whole, get(m, trickle, "/").Body.String())
	})
	t.Run("200 Set-Cookie headers are all filtered", func(t *testing.T) {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			for i := range 100 {
				http.SetCookie(w, &http.Cookie{Name: fmt.Sprintf("_ga_%d", i), Value: "v"})
				http.SetCookie(w, &http.Cookie{Name: "session", Value: fmt.Sprint(i)})
			}
		})
		rec := get(m, h, "/")
		assert.Equal(t, 100, len(rec.Header().Values("Set-Cookie")), "only the 100 essential ones")
		for _, line := range rec.Header().Values("Set-Cookie") {
			assert.True(t, strings.HasPrefix(line, "session="), line)
		}
	})
	t.Run("a Set-Cookie over 8 KB and malformed lines", func(t *testing.T) {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Add("Set-Cookie", "session="+strings.Repeat("x", 9000))
			w.Header().Add("Set-Cookie", "_ga="+strings.Repeat("y", 9000))
			w.Header().Add("Set-Cookie", "=novalue")
			w.Header().Add("Set-Cookie", ";;;")
			w.Header().Add("Set-Cookie", "bad name=1")
			w.Header().Add("Set-Cookie", "_fbp=1\x00; Path=/")
		})
		rec := get(m, h, "/")
		lines := rec.Header().Values("Set-Cookie")
		require.Len(t, lines, 1)
		assert.True(t, strings.HasPrefix(lines[0], "session=xxx"))
	})
	t.Run("a handler writing after the client left", func(t *testing.T) {
		written := make(chan error, 1)
		srv := httptest.NewServer(m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = io.WriteString(w, "<body>start")
			_ = http.NewResponseController(w).Flush()
			<-r.Context().Done()
			var err error
			for range 100 {
				if _, err = w.Write(bytes.Repeat([]byte("<p>late</p>"), 1000)); err != nil {
					break
				}
			}
			written <- err
		})))
		defer srv.Close()
		conn, err := net.Dial("tcp", srv.Listener.Addr().String())
		require.NoError(t, err)
		_, _ = io.WriteString(conn, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		buf := make([]byte, 512)
		_, err = conn.Read(buf)
		require.NoError(t, err)
		require.NoError(t, conn.Close())
		select {
		case err := <-written:
			assert.Error(t, err, "writes fail once the client is gone")
		case <-time.After(5 * time.Second):
			t.Fatal("the handler never noticed")
		}
		// And the server still serves.
		resp, err := http.Get(srv.URL)
		if err == nil {
			resp.Body.Close()
		}
	})
	t.Run("header values with control characters do not split the response", func(t *testing.T) {
		srv := httptest.NewServer(m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.Header().Set("X-Evil", "a\r\nSet-Cookie: injected=1")
			w.Header().Add("Set-Cookie", "session=1\r\nX-Injected: 1")
			_, _ = io.WriteString(w, "<body>ok")
		})))
		defer srv.Close()
		resp, err := http.Get(srv.URL)
		require.NoError(t, err)
		defer resp.Body.Close()
		assert.Empty(t, resp.Header.Get("X-Injected"))
		for _, c := range resp.Cookies() {
			assert.NotEqual(t, "injected", c.Name)
		}
	})
	t.Run("a panic reaches net/http, which aborts the response", func(t *testing.T) {
		srv := httptest.NewUnstartedServer(m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = io.WriteString(w, "<body><p>half a page")
			_ = http.NewResponseController(w).Flush()
			panic("handler bug")
		})))
		srv.Config.ErrorLog = log.New(io.Discard, "", 0)
		srv.Start()
		defer srv.Close()
		resp, err := http.Get(srv.URL)
		require.NoError(t, err)
		_, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.True(t, errors.Is(err, io.ErrUnexpectedEOF), "the client sees the page is incomplete: %v", err)
		resp, err = http.Get(srv.URL + "/again")
		require.NoError(t, err, "the server keeps serving")
		resp.Body.Close()
	})
}
