package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/consentgate/consent"
	"github.com/consentgate/consent/store"
	"golang.org/x/net/netutil"
)

// Server limits. There is no write timeout: it bounds the whole response,
// so it would cut off a streamed page, a server-sent event stream or a large
// download from a slow upstream midway, whatever its length.
const (
	readHeaderTimeout = 10 * time.Second
	// readTimeout bounds reading the request with its body (an upload).
	// net/http lifts it once the body is read and on Hijack, so it never
	// cuts off a long response or a WebSocket.
	readTimeout = 5 * time.Minute
	idleTimeout = 2 * time.Minute
	// maxHeaderBytes is above nginx's default (4 buffers of 8 KiB), so
	// that no request a site accepts today is refused here.
	maxHeaderBytes = 64 << 10
	// adminWriteTimeout bounds writing an inventory page, a few MB at its
	// caps.
	adminWriteTimeout = time.Minute
)

// serverTimeouts are the limits a slow or idle client meets.
type serverTimeouts struct {
	readHeader, read, idle time.Duration
}

var defaultTimeouts = serverTimeouts{readHeader: readHeaderTimeout, read: readTimeout, idle: idleTimeout}

// serve runs the proxy until ctx ends, then shuts it down gracefully. The
// ledger, when there is one, is closed last: after the server has stopped,
// so that no decision in flight finds it closed.
func serve(ctx context.Context, args []string, e env) int {
	v, err := resolve(args, e.getenv)
	if err != nil {
		return failUsage(e, err)
	}
	cfg, err := parseConfig(v)
	if err != nil {
		return failUsage(e, err)
	}
	logger := slog.New(slog.NewTextHandler(e.stderr, nil))
	policy, err := cfg.policy()
	if err != nil {
		return failUsage(e, err)
	}
	// Before the ledger opens, so that a bad setting creates no ledger file.
	if err := cfg.checkPolicyOptions(policy); err != nil {
		return failUsage(e, err)
	}
	var ledger store.Ledger
	if cfg.ledgerURL != "" {
		if ledger, err = openLedger(ctx, cfg, logger, e.ledgerOptions); err != nil {
			if errors.As(err, new(*flagError)) {
				return failUsage(e, err)
			}
			// Reachable only at run time (a database that is down, a
			// file that cannot be opened): a failure, not a usage error.
			logger.Error("cannot open the consent ledger (-ledger)", "ledger", ledgerName(cfg.ledgerURL), "error", err)
			return exitError
		}
	}
	code := serveWith(ctx, cfg, policy, ledger, logger, e)
	if ledger != nil {
		if err := ledger.Close(); err != nil {
			logger.Error("closing the consent ledger", "error", err)
			code = exitError
		} else {
			logger.Info("consent ledger closed")
		}
	}
	if code == exitOK {
		logger.Info("stopped")
	}
	return code
}

// serveWith builds the proxy and serves until ctx ends.
func serveWith(ctx context.Context, cfg *config, policy *consent.Policy, ledger store.Ledger, logger *slog.Logger, e env) int {
	mw, err := newMiddleware(cfg, policy, logger, ledger)
	if err != nil {
		return failUsage(e, err)
	}
	if cfg.insecureDev {
		logger.Warn("-insecure-dev: the consent cookie is sent without Secure, for plain-HTTP development only")
	}
	if cfg.randomKeys {
		logger.Warn("-insecure-dev without -hash-key: using random keys for this run, so consents will not survive a restart (make keys prints a pair)")
	}
	switch {
	case ledger == nil:
		logger.Warn("no -ledger: consent decisions are not recorded, so no proof of consent is kept (GDPR Art. 7(1))")
	case cfg.retention < store.DefaultLifetime:
		// A record purged while its cookie still grants consent leaves
		// that consent without proof.
		logger.Warn("-ledger-retention is shorter than the consent cookie's lifetime: records are purged while the consents they prove are still in use",
			"retention", cfg.retention.String(), "cookie_lifetime", store.DefaultLifetime.String())
	}

	if cfg.reportOnly {
		logger.Warn("-report-only: the policy is not enforced: cookies and tags reach visitors whatever they chose; the inventory records what would have been removed")
		if cfg.admin == "" {
			logger.Warn("-report-only without -admin: the inventory of what would have been removed is served nowhere")
		}
	}

	ln, err := net.Listen("tcp", cfg.listen)
	if err != nil {
		logger.Error("cannot listen", "addr", cfg.listen, "error", err)
		return exitError
	}
	if cfg.maxConns > 0 {
		// Beyond the cap, connections wait in the kernel's backlog rather
		// than each taking a goroutine and buffers.
		ln = netutil.LimitListener(ln, cfg.maxConns)
	}
	var adminLn net.Listener
	if cfg.admin != "" {
		if adminLn, err = net.Listen("tcp", cfg.admin); err != nil {
			_ = ln.Close()
			logger.Error("cannot listen on the admin address (-admin)", "addr", cfg.admin, "error", err)
			return exitError
		}
	}
	timeouts := defaultTimeouts
	if e.timeouts != nil {
		timeouts = *e.timeouts
	}
	srv := newServer(newHandler(cfg, mw, logger), timeouts, logger)
	var admin *http.Server
	if adminLn != nil {
		admin = newServer(newAdminHandler(mw), timeouts, logger)
		// Its answers are small and never stream, unlike the proxy's.
		admin.WriteTimeout = adminWriteTimeout
	}
	logger.Info("consent-proxy listening", "addr", ln.Addr().String(), "upstream", cfg.upstream.String(),
		"prefix", cfg.prefix, "mode", cfg.mode.String(), "policy", policyName(cfg), "ledger", ledgerName(cfg.ledgerURL),
		"report_only", cfg.reportOnly, "csp", cfg.csp.String())
	if adminLn != nil {
		a := adminLn.Addr()
		logger.Info("consent-proxy admin listening", "addr", a.String(), "inventory", "http://"+a.String()+"/inventory")
		if !isLoopback(a) {
			logger.Warn("-admin is not a loopback address: the inventory lists the site's cookies and third parties: bind -admin to loopback or put it behind authentication",
				"addr", a.String())
		}
		if e.adminReady != nil {
			e.adminReady(a)
		}
	}
	if e.ready != nil {
		e.ready(ln.Addr())
	}

	type stopped struct {
		name string
		err  error
	}
	served := make(chan stopped, 2)
	running := 1
	go func() { served <- stopped{"server", srv.Serve(ln)} }()
	if admin != nil {
		running++
		go func() { served <- stopped{"admin server", admin.Serve(adminLn)} }()
	}

	select {
	case s := <-served:
		logger.Error(s.name+" stopped", "error", s.err)
		// One listener alone is not the proxy that was configured.
		_ = srv.Close()
		if admin != nil {
			_ = admin.Close()
		}
		return exitError
	case <-ctx.Done():
	}
	logger.Info("shutting down: waiting for in-flight requests", "timeout", cfg.shutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), cfg.shutdownTimeout)
	defer cancel()
	adminDone := make(chan error, 1)
	if admin != nil {
		go func() { adminDone <- admin.Shutdown(sctx) }()
	}
	code := exitOK
	if err := srv.Shutdown(sctx); err != nil {
		logger.Error("shutdown timeout: closing the remaining connections", "error", err)
		_ = srv.Close()
		code = exitError
	}
	if admin != nil {
		if err := <-adminDone; err != nil {
			logger.Error("shutdown timeout: closing the remaining admin connections", "error", err)
			_ = admin.Close()
			code = exitError
		}
	}
	for range running {
		if s := <-served; s.err != nil && !errors.Is(s.err, http.ErrServerClosed) {
			logger.Error(s.name+" stopped", "error", s.err)
			code = exitError
		}
	}
	return code
}

// newServer is an http.Server with the proxy's limits.
func newServer(h http.Handler, timeouts serverTimeouts, logger *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: timeouts.readHeader,
		ReadTimeout:       timeouts.read,
		WriteTimeout:      0, // see the constants: a stream must not be cut off
		IdleTimeout:       timeouts.idle,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
}

func policyName(c *config) string {
	if c.policyPath == "" {
		return "built-in"
	}
	return c.policyPath
}
