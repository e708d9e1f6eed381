package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"
)

// server serves a handler on a loopback port in this process, counting its
// open connections so that the memory check can wait for them to close.
type server struct {
	srv    *http.Server
	base   string // http://127.0.0.1:PORT
	open   atomic.Int64
	served chan error
}

// serve starts h on 127.0.0.1, with the demo command's timeouts.
func serve(h http.Handler, logger *slog.Logger) (*server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &server{base: "http://" + ln.Addr().String(), served: make(chan error, 1)}
	s.srv = &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute,
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		ConnState: func(_ net.Conn, st http.ConnState) {
			switch st {
			case http.StateNew:
				s.open.Add(1)
			case http.StateClosed, http.StateHijacked:
				s.open.Add(-1)
			}
		}}
	go func() { s.served <- s.srv.Serve(ln) }()
	return s, nil
}

// close stops the server, letting requests in flight finish.
func (s *server) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.srv.Shutdown(ctx); err != nil {
		_ = s.srv.Close()
	}
	if err := <-s.served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// newTransport is a client transport sized for concurrency workers: as many
// idle connections kept to the one host as there are workers, so that every
// request reuses one rather than dialing (which would run the loopback out of
// ephemeral ports at these rates).
func newTransport(concurrency int) *http.Transport {
	return &http.Transport{
		Proxy:                 nil, // loopback: no proxy from the environment
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:          concurrency,
		MaxIdleConnsPerHost:   concurrency,
		IdleConnTimeout:       90 * time.Second,
		ResponseHeaderTimeout: requestTimeout,
	}
}
