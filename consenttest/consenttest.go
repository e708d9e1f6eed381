// Package consenttest helps the tests of applications that use
// ConsentGate: it builds the consent cookie of a visitor who decided one
// way or another, for a middleware's own keys, and checks that the pages a
// handler serves to that visitor hold no tracker, no undeclared beacon and
// no cookie the visitor did not allow.
//
// It judges with the middleware's own declarations — the policy and the
// catalog of known third parties — and its own matcher
// (middleware.Middleware.Audit), so a test sees what the middleware sees:
//
//	func TestNoTrackersBeforeConsent(t *testing.T) {
//		mw, _ := middleware.New(policy, middleware.Keys(keys...))
//		app := mw.Handler(routes())
//		consenttest.AssertClean(t, mw, app, consenttest.Undecided, "/", "/shop", "/blog/post")
//		consenttest.AssertClean(t, mw, app, consenttest.RejectAll, "/", "/shop")
//	}
//
// The handler is whatever the application serves, normally already wrapped
// by mw.Handler: a finding then means that something gets past the
// middleware (a body in an encoding it cannot read, a tracker the policy
// and the catalog do not know, a cookie declared in the wrong category).
package consenttest

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/consentgate/consent"
	"github.com/consentgate/consent/middleware"
	"github.com/consentgate/consent/store"
)

// Visitor is a visitor's consent state, as a test names it.
type Visitor struct {
	label      string
	method     consent.Method
	categories []consent.CategoryID
}

// The visitors of most tests.
var (
	// Undecided has made no choice: no consent cookie.
	Undecided = Visitor{label: "undecided"}
	// RejectAll refused every category that can be refused.
	RejectAll = Visitor{label: "reject-all", method: consent.RejectAll}
	// AcceptAll granted every category.
	AcceptAll = Visitor{label: "accept-all", method: consent.AcceptAll}
)

// Granting is a visitor who chose categories one by one: the policy's
// required categories and these.
func Granting(categories ...consent.CategoryID) Visitor {
	return Visitor{label: "granting " + joinIDs(categories), method: consent.Custom, categories: slices.Clone(categories)}
}

func joinIDs(ids []consent.CategoryID) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = string(id)
	}
	return strings.Join(s, ",")
}

// String names the visitor ("undecided", "granting analytics").
func (v Visitor) String() string { return v.label }

// Consent returns the visitor's consent under policy p, as the middleware
// puts it in the request context.
func (v Visitor) Consent(p *consent.Policy) *consent.Consent {
	switch v.method {
	case "":
		return consent.Undecided(p)
	case consent.AcceptAll:
		ids := make([]consent.CategoryID, len(p.Categories))
		for i, c := range p.Categories {
			ids[i] = c.ID
		}
		return &consent.Consent{Method: v.method, PolicyVersion: p.Version, Granted: ids}
	}
	granted := p.RequiredCategories()
	for _, c := range p.Categories {
		if slices.Contains(v.categories, c.ID) && !slices.Contains(granted, c.ID) {
			granted = append(granted, c.ID)
		}
	}
	return &consent.Consent{Method: v.method, PolicyVersion: p.Version, Granted: granted}
}

// Cookie returns the consent cookie that mw sets for v, signed (and
// encrypted) with mw's keys; nil for Undecided. A category v grants that
// the policy lacks is an error.
func Cookie(mw *middleware.Middleware, v Visitor) (*http.Cookie, error) {
	p := mw.Policy()
	if v.method == "" {
		return nil, nil
	}
	for _, id := range v.categories {
		if _, ok := p.Category(id); !ok {
			return nil, fmt.Errorf("consenttest: %s: the policy has no category %q", v, id)
		}
	}
	c := v.Consent(p)
	now := time.Now().UTC().Truncate(time.Second)
	c.ID, c.Given, c.Updated = store.NewID(), now, now
	return mw.Codec().Encode(p, c)
}

// NewRequest returns a GET request for target as v would send it: with
// its consent cookie and a browser's Accept header for pages.
func NewRequest(mw *middleware.Middleware, v Visitor, target string) (*http.Request, error) {
	c, err := Cookie(mw, v)
	if err != nil {
		return nil, err
	}
	req := httptest.NewRequest(http.MethodGet, target, nil)
	req.Header.Set("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
	req.Header.Set("Sec-Fetch-Dest", "document")
	if c != nil {
		req.AddCookie(c)
	}
	return req, nil
}

// Finding is what Check found on one path.
type Finding struct {
	// Path is the path requested.
	Path string
	middleware.Finding
}

// String reads "/shop: script www.googletagmanager.com (Google Tag
// Manager, tracking)".
func (f Finding) String() string { return f.Path + ": " + f.Finding.String() }

// Check serves each path to v through h and returns everything the
// responses hold that v's consent does not allow (see
// middleware.Middleware.Audit). A body in a content encoding the test
// cannot read is a finding of kind "unreadable": neither can the
// middleware.
func Check(mw *middleware.Middleware, h http.Handler, v Visitor, paths ...string) ([]Finding, error) {
	var out []Finding
	for _, path := range paths {
		req, err := NewRequest(mw, v, path)
		if err != nil {
			return nil, err
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		resp := rec.Result()
		body, err := decode(resp.Header.Get("Content-Encoding"), rec.Body.Bytes())
		if err != nil {
			out = append(out, Finding{Path: path, Finding: middleware.Finding{Kind: "unreadable", Name: err.Error()}})
			continue
		}
		for _, f := range mw.Audit(req, resp.Header, body, v.Consent(mw.Policy())) {
			out = append(out, Finding{Path: path, Finding: f})
		}
	}
	return out, nil
}

// decode undoes the content codings the middleware can read itself.
func decode(coding string, body []byte) ([]byte, error) {
	var r io.Reader
	switch strings.ToLower(strings.TrimSpace(coding)) {
	case "", "identity":
		return body, nil
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, fmt.Errorf("gzip body: %w", err)
		}
		r = zr
	case "deflate":
		if zr, err := zlib.NewReader(bytes.NewReader(body)); err == nil {
			r = zr
		} else {
			r = flate.NewReader(bytes.NewReader(body))
		}
	default:
		return nil, fmt.Errorf("content encoding %q", coding)
	}
	return io.ReadAll(r)
}

// AssertClean fails t for every finding of Check: no tracker, no
// undeclared beacon, no cookie v did not allow. It reports whether there
// were none.
func AssertClean(t testing.TB, mw *middleware.Middleware, h http.Handler, v Visitor, paths ...string) bool {
	t.Helper()
	return assert(t, mw, h, v, paths, "", func(Finding) bool { return true })
}

// AssertNoTrackers fails t for every tag of a declared tracker or catalog
// vendor v did not grant.
func AssertNoTrackers(t testing.TB, mw *middleware.Middleware, h http.Handler, v Visitor, paths ...string) bool {
	t.Helper()
	return assert(t, mw, h, v, paths, "tracker tags", func(f Finding) bool { return f.Kind != "set-cookie" && f.Tracker != "" })
}

// AssertNoUndeclaredBeacons fails t for every undeclared web beacon (a
// hidden or 1×1 image or frame on a third-party host) v did not allow.
func AssertNoUndeclaredBeacons(t testing.TB, mw *middleware.Middleware, h http.Handler, v Visitor, paths ...string) bool {
	t.Helper()
	return assert(t, mw, h, v, paths, "undeclared beacons", func(f Finding) bool { return f.Kind != "set-cookie" && f.Tracker == "" })
}

// AssertNoNonEssentialCookies fails t for every Set-Cookie of a category v
// did not grant (or undeclared, unless the policy lets them through).
func AssertNoNonEssentialCookies(t testing.TB, mw *middleware.Middleware, h http.Handler, v Visitor, paths ...string) bool {
	t.Helper()
	return assert(t, mw, h, v, paths, "cookies", func(f Finding) bool { return f.Kind == "set-cookie" })
}

func assert(t testing.TB, mw *middleware.Middleware, h http.Handler, v Visitor, paths []string, what string, keep func(Finding) bool) bool {
	t.Helper()
	findings, err := Check(mw, h, v, paths...)
	if err != nil {
		t.Errorf("consenttest: %v", err)
		return false
	}
	var bad []string
	for _, f := range findings {
		if keep(f) || f.Kind == "unreadable" {
			bad = append(bad, f.String())
		}
	}
	if len(bad) == 0 {
		return true
	}
	if what == "" {
		what = "findings"
	}
	t.Errorf("consenttest: %d %s for a visitor %s:\n\t%s", len(bad), what, v, strings.Join(bad, "\n\t"))
	return false
}
