package main

import (
	"context"
	"encoding/json"
	"github.com/consentgate/consent/internal/syncbuf"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/consentgate/consent"
	"github.com/stretchr/testify/require"
)

// Test keys: 32-byte hash and block keys, hex.
const (
	testHash  = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	testBlock = "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
)

// What the middleware does to the test site's page.
const (
	bannerMark = `<div id="consentgate-banner"`
	gtagTag    = `<script async src="https://www.googletagmanager.com/gtag/js?id=G-1"></script>`
	pixelTag   = `<noscript><img src="https://www.facebook.com/tr?id=1&ev=PageView"></noscript>`
)

// sitePage is the upstream's HTML page, with a Google tag and a Meta pixel.
const sitePage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Shop</title>
` + gtagTag + `
</head><body>
<h1>Shop</h1>
` + pixelTag + `
</body></html>
`

// mapEnv is an environment of exactly the given variables.
func mapEnv(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// proxyRun is a consent-proxy started by run in a goroutine.
type proxyRun struct {
	URL    string
	Addr   string
	Stderr *syncbuf.Buffer
	cancel context.CancelFunc
	done   chan int
}

// startProxy runs consent-proxy with args (listening on a free loopback
// port unless args say otherwise) and the given environment, and stops it
// when the test ends.
func startProxy(t *testing.T, vars map[string]string, args ...string) *proxyRun {
	t.Helper()
	return startProxyEnv(t, env{getenv: mapEnv(vars)}, args...)
}

// startProxyEnv is startProxy with e's getenv and ledgerOptions; its
// output and ready hook are the test's.
func startProxyEnv(t *testing.T, e env, args ...string) *proxyRun {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	p := &proxyRun{Stderr: new(syncbuf.Buffer), cancel: cancel, done: make(chan int, 1)}
	ready := make(chan net.Addr, 1)
	e.stdout, e.stderr, e.ready = io.Discard, p.Stderr, func(a net.Addr) { ready <- a }
	go func() { p.done <- run(ctx, append([]string{"-listen", "127.0.0.1:0"}, args...), e) }()
	select {
	case a := <-ready:
		p.Addr = a.String()
		p.URL = "http://" + p.Addr
	case code := <-p.done:
		cancel()
		t.Fatalf("consent-proxy exited with %d before listening:\n%s", code, p.Stderr)
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatal("consent-proxy did not start listening")
	}
	t.Cleanup(func() { p.stop(t) })
	return p
}

// stop shuts the proxy down as SIGTERM would and returns its exit status.
// It may be called more than once.
func (p *proxyRun) stop(t *testing.T) int {
	t.Helper()
	p.cancel()
	select {
	case code := <-p.done:
		p.done <- code // for a later call
		return code
	case <-time.After(40 * time.Second):
		t.Fatal("consent-proxy did not stop")
		return -1
	}
}

// sitePolicyFile writes the default policy plus the site's own essential
// session cookie, as a site owner would, and returns its path.
func sitePolicyFile(t *testing.T) string {
	t.Helper()
	data, err := json.Marshal(sitePolicy())
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "policy.json")
	require.NoError(t, os.WriteFile(path, data, 0o600))
	return path
}

// sitePolicy is the default policy plus the site's session cookie.
func sitePolicy() *consent.Policy {
	p := consent.DefaultPolicy()
	p.Cookies = append(p.Cookies, consent.Cookie{Name: "session", Category: consent.Essential, Purpose: "Keeps the visit together."})
	return p
}

// siteHandler is the upstream site: the page at every path, with the
// session cookie and the Google Analytics and Meta cookies a server-side
// integration sets.
func siteHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "session", Value: "s1", Path: "/", HttpOnly: true})
		http.SetCookie(w, &http.Cookie{Name: "_ga", Value: "GA1.1.1", Path: "/", MaxAge: 3600})
		http.SetCookie(w, &http.Cookie{Name: "_fbp", Value: "fb.1.1", Path: "/", MaxAge: 3600})
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("X-Upstream", "site")
		_, _ = io.WriteString(w, sitePage)
	})
}

// newVisitor is a browser: a cookie jar, and redirects left for the test.
func newVisitor(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &http.Client{
		Jar:           jar,
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// get fetches url and returns the response with its body read.
func get(t *testing.T, c *http.Client, url string, header map[string]string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(body)
}

// decide posts a choice to the consent endpoint as a same-origin browser
// form does.
func decide(t *testing.T, c *http.Client, proxyURL, action string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, proxyURL+"/consent", strings.NewReader("action="+action+"&return=/"))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", proxyURL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := c.Do(req)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, action)
}

// setCookies lists the names of the cookies a response stores (not those it
// expires).
func setCookies(resp *http.Response) []string {
	var names []string
	for _, c := range resp.Cookies() {
		if c.MaxAge >= 0 {
			names = append(names, c.Name)
		}
	}
	return names
}
