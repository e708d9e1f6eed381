// Package consent is the domain of ConsentGate: a site's cookie policy as data
// (categories, the cookies table, tracker declarations, dated revisions, and
// how it uses the catalog of known third parties: CatalogSettings) and a
// visitor's consent to it.
//
// The policy decides everything the middleware does: which Set-Cookie headers
// reach the browser, which tracker tags are stripped from HTML, what the banner
// and the policy page say. DefaultPolicy returns the policy ConsentGate ships;
// LoadPolicy reads one from a JSON or YAML file. Handlers read the visitor's
// choices with FromContext:
//
//	if consent.FromContext(r.Context()).Allowed(consent.Analytics) {
//		// render the analytics snippet
//	}
//
// Do Not Track is deliberately not honoured: the default policy says so, and no
// code in this module reads the DNT header. Global Privacy Control is an opt-in
// setting of the middleware.
//
// This package imports nothing else of the module; store, banner and
// middleware build on it.
package consent
