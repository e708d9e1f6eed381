package main

import (
	"net"
	"net/http"

	"github.com/consentgate/consent/middleware"
)

// newAdminHandler is the -admin listener's handler: the inventory and a way
// to it, nothing else. It is a handler of its own, never a route of the
// public one, so that no -prefix, -healthz or upstream path can ever reach
// the inventory from the site's address.
func newAdminHandler(mw *middleware.Middleware) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/inventory", mw.InventoryHandler())
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
