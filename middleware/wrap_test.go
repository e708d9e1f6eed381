package middleware

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every generated combination carries exactly its own interfaces.
func TestWrapForEveryInterfaceSet(t *testing.T) {
	rw := &responseWriter{}
	for set := 0; set < 1<<6; set++ {
		w := rw.wrapFor(set)
		assert.Equal(t, set, interfaceSet(w), "set %06b", set)
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		require.True(t, ok, "set %06b lacks Unwrap", set)
		assert.Nil(t, u.Unwrap())
	}
}

// bareWriter has no optional interface at all.
type bareWriter struct{ rec *httptest.ResponseRecorder }

func (b bareWriter) Header() http.Header         { return b.rec.Header() }
func (b bareWriter) Write(p []byte) (int, error) { return b.rec.Write(p) }
func (b bareWriter) WriteHeader(code int)        { b.rec.WriteHeader(code) }

// Real writers keep their interfaces through the middleware: the recorder,
// an HTTP/1.1 server's writer and an HTTP/2 server's writer.
func TestInterfacesPreservedOnRealWriters(t *testing.T) {
	m, _ := newTestMiddleware(t)
	probe := func(got *int) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { *got = interfaceSet(w) })
	}
	t.Run("bare", func(t *testing.T) {
		var got int
		m.Handler(probe(&got)).ServeHTTP(bareWriter{httptest.NewRecorder()}, httptest.NewRequest("GET", "/", nil))
		assert.Equal(t, 0, got)
	})
	t.Run("recorder", func(t *testing.T) {
		var got int
		rec := httptest.NewRecorder()
		m.Handler(probe(&got)).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
		assert.Equal(t, interfaceSet(rec), got)
	})
	for _, h2 := range []bool{false, true} {
		name := map[bool]string{false: "HTTP/1.1", true: "HTTP/2"}[h2]
		t.Run(name, func(t *testing.T) {
			var want, got int
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				want = interfaceSet(w)
				m.Handler(probe(&got)).ServeHTTP(w, r)
			}))
			srv.EnableHTTP2 = h2
			srv.StartTLS()
			defer srv.Close()
			res, err := srv.Client().Get(srv.URL)
			require.NoError(t, err)
			res.Body.Close()
			assert.Equal(t, h2, res.ProtoMajor == 2)
			assert.NotZero(t, want)
			assert.Equal(t, want, got)
		})
	}
}

// A WebSocket-style upgrade hijacks the connection and speaks raw bytes; the
// middleware stays out of the way.
func TestHijackPassesThrough(t *testing.T) {
	m, _ := newTestMiddleware(t)
	srv := httptest.NewServer(m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		defer conn.Close()
		_, _ = brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
		_ = brw.Flush()
		line, _ := brw.ReadString('\n')
		_, _ = brw.WriteString("echo:" + line)
		_ = brw.Flush()
	})))
	defer srv.Close()

	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	require.NoError(t, err)
	defer conn.Close()
	_, err = io.WriteString(conn, "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
	require.NoError(t, err)
	br := bufio.NewReader(conn)
	res, err := http.ReadResponse(br, nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusSwitchingProtocols, res.StatusCode)
	_, err = io.WriteString(conn, "hello\n")
	require.NoError(t, err)
	echo, err := br.ReadString('\n')
	require.NoError(t, err)
	assert.Equal(t, "echo:hello\n", echo)
}

// http.ResponseController reaches the original writer through Unwrap for
// what the wrapper does not implement itself.
func TestResponseControllerDeadlines(t *testing.T) {
	m, _ := newTestMiddleware(t)
	var deadlineErr error
	srv := httptest.NewServer(m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		deadlineErr = http.NewResponseController(w).SetWriteDeadline(timeNowPlusSecond())
		_, _ = w.Write([]byte("ok"))
	})))
	defer srv.Close()
	res, err := srv.Client().Get(srv.URL)
	require.NoError(t, err)
	res.Body.Close()
	assert.NoError(t, deadlineErr)
}
