package middleware

import (
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/consentgate/consent"
	"github.com/consentgate/consent/middleware/internal/htmlrewrite"
	"github.com/consentgate/consent/store"
)

// Finding is something a response holds that a visitor's consent does not
// allow: a tag that would make the browser contact a refused tracker, an
// undeclared web beacon, or a cookie of a refused category. See Audit.
type Finding struct {
	// Kind is the tag ("script", "img", "iframe", "embed", "object",
	// "source", "link"), "ping", or "set-cookie".
	Kind string `json:"kind"`
	// Name is the host the tag contacts, or the cookie's name.
	Name string `json:"name"`
	// Tracker is the declared tracker (or catalog vendor) it belongs to;
	// empty for an undeclared beacon or cookie.
	Tracker string `json:"tracker,omitempty"`
	// Category is the refused category; empty when undeclared.
	Category consent.CategoryID `json:"category,omitempty"`
}

// String reads "script www.googletagmanager.com (Google Tag Manager,
// tracking)" or "set-cookie _ga (Google Analytics, analytics)".
func (f Finding) String() string {
	switch {
	case f.Tracker != "":
		return fmt.Sprintf("%s %s (%s, %s)", f.Kind, f.Name, f.Tracker, f.Category)
	case f.Kind == "set-cookie":
		return fmt.Sprintf("%s %s (undeclared)", f.Kind, f.Name)
	}
	return fmt.Sprintf("%s %s (undeclared beacon)", f.Kind, f.Name)
}

// Audit reads a response as the browser of a visitor with consent v gets
// it, with the middleware's own declarations and matcher, and returns what
// v does not allow: every Set-Cookie line of a refused category (deletions
// are allowed), and, in an HTML body, every tag the middleware would remove
// for v. A response the middleware served for v holds none: Audit is the
// oracle of package consenttest, for tests of an application's handlers
// and configuration. body must be decoded (no Content-Encoding); r is the
// request, whose host tells the site's own images from beacons.
func (m *Middleware) Audit(r *http.Request, h http.Header, body []byte, v *consent.Consent) []Finding {
	var out []Finding
	for _, line := range h.Values("Set-Cookie") {
		c, err := http.ParseSetCookie(line)
		if err != nil {
			out = append(out, Finding{Kind: "set-cookie", Name: "(malformed) " + cut(line, 64)})
			continue
		}
		if deletes(line, m.now()) || c.Name == m.codec.Name() {
			continue
		}
		if decl, ok := m.cookies.lookup(c.Name); ok {
			if !v.Allowed(decl.Category) {
				out = append(out, Finding{Kind: "set-cookie", Name: c.Name, Tracker: decl.Provider, Category: decl.Category})
			}
		} else if !m.undeclaredAllowed(v) {
			out = append(out, Finding{Kind: "set-cookie", Name: c.Name})
		}
	}
	if !isHTML(mediaType(h["Content-Type"])) && !(needsSniff(h) && strings.HasPrefix(http.DetectContentType(body), "text/html")) {
		return out
	}
	opts := m.rewriteOptions
	opts.Mode = htmlrewrite.Strip
	opts.Granted = m.grantedBits(v)
	opts.BeaconAllowed = m.undeclaredAllowed(v)
	opts.SiteHost = hostOnly(r.Host)
	opts.OnRemove = func(rm htmlrewrite.Removal) {
		f := Finding{Kind: rm.Kind, Name: rm.Host}
		if rm.Tracker != nil {
			f.Tracker = rm.Tracker.Name
			f.Category = m.categoryOfBit(rm.Tracker.Category)
		}
		out = append(out, f)
	}
	rw := htmlrewrite.New(io.Discard, m.matcher, opts)
	_, _ = rw.Write(body)
	_ = rw.Close()
	return out
}

// categoryOfBit names a rewriter category bit.
func (m *Middleware) categoryOfBit(bit uint8) consent.CategoryID {
	if int(bit) < len(m.policy.Categories) {
		return m.policy.Categories[bit].ID
	}
	return consent.CategoryID(fmt.Sprintf("bit %d", bit))
}

// Codec returns the consent cookie codec the middleware reads and writes
// visitors' choices with (built from Keys and the cookie options, or the
// one given with the Codec option).
func (m *Middleware) Codec() *store.Codec { return m.codec }
