package main

import (
	"bufio"
	"net"
	"net/http"
	"time"
)

// withWriteDeadline gives every write to the client a deadline of d from
// the moment it starts (-write-timeout): a client that stops reading can pin
// a response, its goroutine and its upstream connection for d at most,
// while a slow stream of any length goes on, since each write renews the
// deadline. The server's own WriteTimeout cannot do this: it bounds the
// whole response, which would cut off long streams. d == 0 turns it off.
//
// It sits inside the middleware, around the reverse proxy, so the
// deadline is set on the connection right before each write reaches the
// middleware (which writes on to the client in the same call) and once more
// when the proxy returns, before the middleware writes what it still holds.
func withWriteDeadline(next http.Handler, d time.Duration) http.Handler {
	if d == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pw := &progressWriter{ResponseWriter: w, rc: http.NewResponseController(w), d: d}
		next.ServeHTTP(pw, r)
		if !pw.hijacked {
			pw.renew()
		}
	})
}

// progressWriter renews the write deadline before each write and flush.
// ReverseProxy reaches Flush and Hijack through http.ResponseController,
// which finds them here or, through Unwrap, on the writers below.
type progressWriter struct {
	http.ResponseWriter
	rc       *http.ResponseController
	d        time.Duration
	hijacked bool
}

func (p *progressWriter) renew() { _ = p.rc.SetWriteDeadline(time.Now().Add(p.d)) }

func (p *progressWriter) WriteHeader(code int) {
	p.renew()
	p.ResponseWriter.WriteHeader(code)
}

func (p *progressWriter) Write(b []byte) (int, error) {
	p.renew()
	return p.ResponseWriter.Write(b)
}

// FlushError renews the deadline and flushes.
func (p *progressWriter) FlushError() error {
	p.renew()
	return p.rc.Flush()
}

// Hijack hands the connection over without a deadline: a WebSocket lives
// by its own rules once upgraded.
func (p *progressWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := p.rc.Hijack()
	if err == nil {
		p.hijacked = true
		_ = conn.SetDeadline(time.Time{})
	}
	return conn, brw, err
}

// Unwrap lets http.ResponseController reach the writers below.
func (p *progressWriter) Unwrap() http.ResponseWriter { return p.ResponseWriter }
