//go:build e2e

package e2e

import (
	"crypto/rand"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/consentgate/consent"
	"github.com/consentgate/consent/middleware"
	"github.com/consentgate/consent/store"
	"github.com/stretchr/testify/require"
)

// The trackers of the test policy live on *.localhost names, which Chrome
// resolves to loopback by itself (no DNS, no hosts file): each is a
// separate httptest server, so a separate origin, and the middleware sees
// a third-party host it can match.
const (
	hostA = "tracker-a.localhost" // category analytics
	hostB = "tracker-b.localhost" // category targeting
)

// testPolicy has one refusable category per tracker, and a first-party
// analytics cookie that the site sets on every page, so that withdrawing
// consent has a cookie to expire.
func testPolicy() *consent.Policy {
	return &consent.Policy{
		Version: "1",
		Categories: []consent.Category{
			{ID: consent.Essential, Name: "Essential", Required: true, Description: "Needed for the site to work."},
			{ID: consent.Analytics, Name: "Analytics", Description: "Counting visits with Tracker A."},
			{ID: consent.Targeting, Name: "Advertising", Description: "Ads measured by Tracker B."},
		},
		Cookies: []consent.Cookie{
			{Name: "session", Category: consent.Essential, Purpose: "Keeps your visit together."},
			{Name: "_ta", Provider: "Tracker A", Category: consent.Analytics, Purpose: "Counts visits.",
				Lifetime: consent.Lifetime(365 * 24 * time.Hour)},
		},
		Trackers: []consent.Tracker{
			{Name: "Tracker A", Category: consent.Analytics, Hosts: []string{hostA}},
			{Name: "Tracker B", Category: consent.Targeting, Hosts: []string{hostB}},
		},
	}
}

// hit is one request a test server received.
type hit struct {
	Path string
	At   time.Time
}

// recorder keeps the requests a server received.
type recorder struct {
	mu   sync.Mutex
	hits []hit
}

func (r *recorder) record(req *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.hits = append(r.hits, hit{Path: req.URL.Path, At: time.Now()})
}

// Hits returns the requests received so far.
func (r *recorder) Hits() []hit {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]hit(nil), r.hits...)
}

// Paths returns the paths of the requests received so far, in order.
func (r *recorder) Paths() []string {
	var paths []string
	for _, h := range r.Hits() {
		paths = append(paths, h.Path)
	}
	return paths
}

// tracker is a third-party tracker: it serves a script and a pixel, and
// records every request.
type tracker struct {
	recorder
	host string
	srv  *httptest.Server
}

// newTracker starts a tracker for host ("tracker-a.localhost") on loopback.
// Its scripts mark the page (window.trackerRuns), so that a test can also see
// that a script ran, not only that it was fetched.
func newTracker(t *testing.T, host string) *tracker {
	tr := &tracker{host: host}
	tr.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tr.record(r)
		// Every request must reach the server, or a reload could hide one.
		w.Header().Set("Cache-Control", "no-store")
		if strings.HasSuffix(r.URL.Path, ".js") {
			w.Header().Set("Content-Type", "text/javascript")
			_, _ = io.WriteString(w, `(window.trackerRuns = window.trackerRuns || []).push(`+
				`"`+host+r.URL.Path+`");`)
			return
		}
		w.Header().Set("Content-Type", "image/gif")
		_, _ = w.Write(gif1x1)
	}))
	t.Cleanup(tr.srv.Close)
	return tr
}

// Origin is the tracker's origin as the page names it: the *.localhost host
// and the server's port.
func (tr *tracker) Origin() string {
	_, port, _ := net.SplitHostPort(tr.srv.Listener.Addr().String())
	return "http://" + tr.host + ":" + port
}

// gif1x1 is a transparent 1×1 GIF.
var gif1x1 = []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")

// pageHTML is every page of the test site: a tracker script, an inline
// loader that names the tracker's host (as Tag Manager's does), a
// <noscript> pixel of the same tracker, and a pixel of the other one.
// Placeholders are replaced literally: html/template would escape the
// loader's URL ("http:\/\/…"), and the point is a loader as sites write it.
const pageHTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>TITLE</title>
<script src="TRACKER_A/t.js"NONCE></script>
<script NONCE>(function () { var s = document.createElement("script"); s.src = "TRACKER_A/loader.js"; document.head.appendChild(s); })();</script>
</head><body>
<main>
<h1>TITLE</h1>
<p>A page of the test shop. <a href="/other">Another page</a> · <a href="/shop?item=7">The shop</a></p>
<noscript><img src="TRACKER_A/ns.gif" width="1" height="1" alt=""></noscript>
<img src="TRACKER_B/px.gif" width="1" height="1" alt="">
</main>
</body></html>
`

// site is the site under test: a page handler wrapped by the middleware,
// two trackers, and a CSP report endpoint.
type site struct {
	srv        *httptest.Server
	a, b       *tracker
	cspReports recorder
	csp        string // Content-Security-Policy of the pages, if any
	nonce      string // nonce of the pages' own inline scripts
	mw         *middleware.Middleware
}

// siteOption configures a test site.
type siteOption func(*siteConfig)

type siteConfig struct {
	mw    []middleware.Option
	csp   string
	nonce string
}

// withMiddleware adds middleware options (TagMode(Defer), …).
func withMiddleware(opts ...middleware.Option) siteOption {
	return func(c *siteConfig) { c.mw = append(c.mw, opts...) }
}

// withCSP makes every page carry a Content-Security-Policy, its own inline
// scripts the nonce.
func withCSP(policy, nonce string) siteOption {
	return func(c *siteConfig) { c.csp, c.nonce = policy, nonce }
}

// newSite starts a test site on 127.0.0.1 with fresh trackers and keys.
func newSite(t *testing.T, opts ...siteOption) *site {
	var cfg siteConfig
	for _, o := range opts {
		o(&cfg)
	}
	s := &site{a: newTracker(t, hostA), b: newTracker(t, hostB), csp: cfg.csp, nonce: cfg.nonce}

	keys := []store.KeyPair{{Hash: randomBytes(32), Block: randomBytes(32)}}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	// InsecureDev: the site is plain http, where a Secure cookie would be
	// dropped by the browser (Chrome exempts localhost names, not 127.0.0.1).
	mwOpts := append([]middleware.Option{middleware.Keys(keys...), middleware.InsecureDev(), middleware.Logger(logger)}, cfg.mw...)
	mw, err := middleware.New(testPolicy(), mwOpts...)
	require.NoError(t, err)
	s.mw = mw

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.page("Home"))
	mux.HandleFunc("GET /shop", s.page("Shop"))
	mux.HandleFunc("GET /other", s.page("Other page"))
	mux.HandleFunc("POST /csp-report", func(w http.ResponseWriter, r *http.Request) {
		s.cspReports.record(r)
		w.WriteHeader(http.StatusNoContent)
	})
	s.srv = httptest.NewServer(mw.Handler(siteCookies(mux)))
	t.Cleanup(s.srv.Close)
	return s
}

// URL returns the absolute URL of path on the site.
func (s *site) URL(path string) string { return s.srv.URL + path }

func (s *site) page(title string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		nonce := ""
		if s.nonce != "" {
			nonce = ` nonce="` + s.nonce + `"`
		}
		body := strings.NewReplacer("TITLE", title, "TRACKER_A", s.a.Origin(), "TRACKER_B", s.b.Origin(), "NONCE", nonce).Replace(pageHTML)
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Cache-Control", "no-store")
		if s.csp != "" {
			h.Set("Content-Security-Policy", s.csp)
		}
		_, _ = io.WriteString(w, body)
	}
}

// siteCookies sets an essential session cookie and, like an analytics
// integration that writes first-party cookies server-side, Tracker A's _ta
// on every response: the middleware drops _ta until analytics is granted,
// and expires it when the grant is withdrawn.
func siteCookies(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := r.Cookie("session"); err != nil {
			http.SetCookie(w, &http.Cookie{Name: "session", Value: rand.Text(), Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
		}
		http.SetCookie(w, &http.Cookie{Name: "_ta", Value: "TA.1.42", Path: "/", MaxAge: 365 * 86400})
		next.ServeHTTP(w, r)
	})
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails since Go 1.24
	return b
}
