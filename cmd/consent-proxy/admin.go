package main

import (
	"net"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/consentgate/consent/metrics"
	"github.com/consentgate/consent/middleware"
)

// newAdminHandler is the -admin listener's handler: the inventory, the
// Prometheus metrics at /metrics and a way to the inventory, nothing else. It is a handler of its own, never a route of the
// public one, so that no -prefix, -healthz or upstream path can ever reach
// the inventory from the site's address.
func newAdminHandler(mw *middleware.Middleware) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/inventory", mw.InventoryHandler())
	// A registry of its own, not the global one: the middleware's
	// counters and the process's, for this proxy alone.
	reg := prometheus.NewRegistry()
	reg.MustRegister(metrics.NewCollector(mw), collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		http.Redirect(w, r, "/inventory", http.StatusFound) // a GET gets a link to follow, too
	})
	return mux
}

// isLoopback reports whether a bound address is reachable only from this
// host.
func isLoopback(a net.Addr) bool {
	t, ok := a.(*net.TCPAddr)
	return ok && t.IP.IsLoopback()
}
