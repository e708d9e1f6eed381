// Package middleware wires ConsentGate into net/http.
//
// Build a Middleware once with New and wrap any handler with its Handler
// method; it drops into http.ServeMux wrapping, chi's r.Use and gorilla/mux
// unchanged:
//
//	policy := consent.DefaultPolicy()
//	mw, err := middleware.New(policy, middleware.Keys(pairs...))
//	if err != nil { ... }
//	http.ListenAndServe(addr, mw.Handler(mux))
//
// For every request the middleware decodes the visitor's consent cookie,
// stores the consent in the request context (read it with
// consent.FromContext) and filters the response: each Set-Cookie whose
// category the visitor has not granted is dropped before the browser sees
// it, and cookies of refused categories that the browser still sends are
// expired. HTML pages are rewritten as they stream: tags that would contact
// a tracker of a refused category (scripts, inline loaders, pixels, frames,
// link hints, ping attributes, undeclared web beacons) are removed or, with
// TagMode(Defer), made inert, and the banner is injected after <body> for a
// visitor who has not decided. Every response a browser could render as a
// document also gets a Content-Security-Policy of the middleware's own (see
// CSP), so that the browser refuses the hosts of refused trackers and of
// undeclared third parties however a page reaches them. It also serves the consent endpoint under its
// prefix (default /consent): POST to record a choice, GET for the choice as
// JSON, the preferences, cookie policy and policy changes pages, and the
// banner's assets.
//
// The trackers and cookies enforced are the policy's own declarations plus
// those of the catalog of known third parties (package catalog; option
// Catalog), filed under the policy's categories as its catalog settings say
// (consent.CatalogSettings). A vendor whose category the policy has none for
// is removed for every visitor. Trackers returns the effective list.
//
// The DNT header is deliberately ignored, as the default policy says.
package middleware
