package middleware

import (
	"bufio"
	"io"
	"net"
	"net/http"
)

//go:generate go run ./internal/wrapgen

// flushErrorer is what http.ResponseController looks for first; the flusher
// offers both forms so that neither bypasses the commit.
type flushErrorer interface {
	http.Flusher
	FlushError() error
}

// closeNotifier mirrors the deprecated http.CloseNotifier, which old
// handlers still assert.
type closeNotifier interface {
	CloseNotify() <-chan bool
}

// The types below each add one optional interface to a responseWriter.

type flusher struct{ rw *responseWriter }

func (f flusher) Flush()            { _ = f.rw.flush() }
func (f flusher) FlushError() error { return f.rw.flush() }

type hijacker struct{ rw *responseWriter }

func (h hijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) { return h.rw.hijack() }

type readerFrom struct{ rw *responseWriter }

func (r readerFrom) ReadFrom(src io.Reader) (int64, error) { return r.rw.readFrom(src) }

type pusher struct{ rw *responseWriter }

func (p pusher) Push(target string, opts *http.PushOptions) error {
	return p.rw.w.(http.Pusher).Push(target, opts)
}

type closeNotify struct{ rw *responseWriter }

func (c closeNotify) CloseNotify() <-chan bool { return c.rw.w.(closeNotifier).CloseNotify() }

type stringWriter struct{ rw *responseWriter }

func (s stringWriter) WriteString(str string) (int, error) { return s.rw.writeString(str) }
