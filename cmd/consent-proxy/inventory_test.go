package main

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/consentgate/consent"
	"github.com/consentgate/consent/internal/syncbuf"
	"github.com/consentgate/consent/middleware"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// gtmHost is the host of the Google tag in gtagTag.
const gtmHost = "www.googletagmanager.com"

// rolloutPage is the upstream's page in the rollout tests: only the Google
// tag, so that a byte-identical answer proves nothing was removed.
const rolloutPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Shop</title>
` + gtagTag + `
</head><body><h1>Shop</h1></body></html>
`

// rolloutSite is the upstream of the rollout tests: rolloutPage with the
// Google Analytics cookie and shop_ab, an A/B-test cookie no policy
// declares. Like most sites it compresses when asked, so the tests see
// whether report-only mode still reads the pages a browser gets.
func rolloutSite() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "_ga", Value: "GA1.1.1", Path: "/", MaxAge: 3600})
		http.SetCookie(w, &http.Cookie{Name: "shop_ab", Value: "b", Path: "/", MaxAge: 3600})
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			_, _ = io.WriteString(w, rolloutPage)
			return
		}
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		_, _ = io.WriteString(zw, rolloutPage)
		_ = zw.Close()
	})
}

// adminRun is a proxy started with -admin 127.0.0.1:0.
type adminRun struct {
	*proxyRun
	AdminAddr string
	AdminURL  string
}

// startAdmin runs consent-proxy in front of upstream with the test keys,
// -insecure-dev, the site's policy and an admin listener on a free
// loopback port, plus extra.
func startAdmin(t *testing.T, upstream string, extra ...string) *adminRun {
	t.Helper()
	args := append([]string{"-upstream", upstream, "-hash-key", testHash, "-block-key", testBlock,
		"-insecure-dev", "-policy", sitePolicyFile(t), "-admin", "127.0.0.1:0"}, extra...)
	return startAdminEnv(t, nil, args...)
}

// startAdminEnv runs consent-proxy with args and the environment vars,
// which set -admin one way or another.
func startAdminEnv(t *testing.T, vars map[string]string, args ...string) *adminRun {
	t.Helper()
	admin := make(chan net.Addr, 1)
	p := startProxyEnv(t, env{getenv: mapEnv(vars), adminReady: func(a net.Addr) { admin <- a }}, args...)
	select {
	case a := <-admin: // called before ready, so it is here by now
		return &adminRun{proxyRun: p, AdminAddr: a.String(), AdminURL: "http://" + a.String()}
	default:
		t.Fatalf("the proxy listens, but adminReady was not called:\n%s", p.Stderr)
		return nil
	}
}

// rawClient fetches without asking for or decoding any compression itself,
// so that a test sees the bytes the proxy sends.
func rawClient(t *testing.T) *http.Client {
	t.Helper()
	tr := &http.Transport{DisableCompression: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// inventoryJSON fetches the admin listener's inventory as JSON.
func inventoryJSON(t *testing.T, adminURL string) *middleware.Inventory {
	t.Helper()
	resp, body := get(t, rawClient(t), adminURL+"/inventory?format=json", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	var inv middleware.Inventory
	require.NoError(t, json.Unmarshal([]byte(body), &inv))
	return &inv
}

func TestReportOnlyPassesPagesUnchangedAndInventoriesThem(t *testing.T) {
	modes := []struct {
		name       string
		flags      []string
		wantBanner bool
	}{
		{name: "report-only", flags: []string{"-report-only"}},
		{name: "report-only with banner", flags: []string{"-report-only", "-report-only-banner"}, wantBanner: true},
		{name: "report-only from the environment", flags: nil}, // CONSENT_REPORT_ONLY, set below
	}
	// A browser always asks for compression: the page then stays
	// compressed, and report-only mode reads a decoded copy.
	visitors := []struct {
		name   string
		path   string
		header map[string]string
	}{
		{name: "no Accept-Encoding", path: "/shop", header: nil},
		{name: "browser asking for gzip and br", path: "/cart", header: map[string]string{"Accept-Encoding": "gzip, deflate, br"}},
	}
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			upstream := httptest.NewServer(rolloutSite())
			t.Cleanup(upstream.Close)
			var p *adminRun
			if mode.flags == nil {
				p = startAdminEnv(t, map[string]string{"CONSENT_REPORT_ONLY": "true", "CONSENT_ADMIN": "127.0.0.1:0",
					"CONSENT_UPSTREAM": upstream.URL, "CONSENT_HASH_KEY": testHash, "CONSENT_INSECURE_DEV": "true"})
			} else {
				p = startAdmin(t, upstream.URL, mode.flags...)
			}
			assert.Contains(t, p.Stderr.String(), "-report-only: the policy is not enforced", "the log says nothing is enforced")
			assert.Contains(t, p.Stderr.String(), "report_only=true")

			c := rawClient(t)
			for _, v := range visitors {
				resp, body := get(t, c, p.URL+v.path, v.header)
				require.Equal(t, http.StatusOK, resp.StatusCode, v.name)
				if v.header != nil {
					require.Equal(t, "gzip", resp.Header.Get("Content-Encoding"), "%s: still compressed", v.name)
					zr, err := gzip.NewReader(strings.NewReader(body))
					require.NoError(t, err, v.name)
					plain, err := io.ReadAll(zr)
					require.NoError(t, err, v.name)
					body = string(plain)
				} else {
					assert.Empty(t, resp.Header.Get("Content-Encoding"), v.name)
				}
				assert.ElementsMatch(t, []string{"_ga", "shop_ab"}, setCookies(resp), "%s: every Set-Cookie is kept", v.name)
				if mode.wantBanner {
					assert.Contains(t, body, bannerMark, v.name)
					assert.Contains(t, body, gtagTag, "%s: the banner is the one change", v.name)
				} else {
					assert.Equal(t, rolloutPage, body, "%s: the page is upstream's, byte for byte", v.name)
				}
			}

			// A page is recorded when the proxy's handler has returned,
			// which may be just after the client has read the page.
			var inv *middleware.Inventory
			require.Eventually(t, func() bool {
				inv = inventoryJSON(t, p.AdminURL)
				n := 0
				for _, h := range inv.Hosts {
					if h.Host == gtmHost {
						n += int(h.Count)
					}
				}
				return n == len(visitors)
			}, 5*time.Second, 10*time.Millisecond)
			assert.True(t, inv.ReportOnly)
			cookies := map[string]middleware.SeenCookie{}
			for _, ck := range inv.Cookies {
				cookies[ck.Name] = ck
			}
			require.Contains(t, cookies, "_ga")
			assert.Equal(t, string(consent.Analytics), cookies["_ga"].Category)
			assert.Equal(t, int64(len(visitors)), cookies["_ga"].Removed, "counted as would-have-been-removed, once a visit")
			require.Contains(t, cookies, "shop_ab")
			assert.Equal(t, middleware.Undeclared, cookies["shop_ab"].Category)

			i := slices.IndexFunc(inv.Hosts, func(h middleware.SeenHost) bool { return h.Host == gtmHost && h.Kind == "script" })
			require.GreaterOrEqual(t, i, 0, "hosts: %+v", inv.Hosts)
			assert.Equal(t, int64(len(visitors)), inv.Hosts[i].Removed)

			for _, v := range visitors {
				j := slices.IndexFunc(inv.Pages, func(pr middleware.PageReport) bool { return pr.Path == v.path })
				require.GreaterOrEqual(t, j, 0, "%s: no page report for %s: %+v", v.name, v.path, inv.Pages)
				var acts []string
				for _, a := range inv.Pages[j].Actions {
					acts = append(acts, a.What+" "+a.Name)
				}
				assert.Contains(t, acts, "script "+gtmHost, v.name)
				assert.Contains(t, acts, "set-cookie _ga", v.name)
			}
		})
	}
}

func TestInventoryIsServedOnlyOnTheAdminListener(t *testing.T) {
	var mu sync.Mutex
	var upstreamSaw []string
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		upstreamSaw = append(upstreamSaw, r.URL.RequestURI())
		mu.Unlock()
		http.SetCookie(w, &http.Cookie{Name: "_ga", Value: "GA1.1.1", Path: "/", MaxAge: 3600})
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "upstream "+r.URL.RequestURI())
	}))
	t.Cleanup(upstream.Close)
	p := startAdmin(t, upstream.URL)
	c := rawClient(t)
	get(t, c, p.URL+"/", nil) // the inventory then holds _ga: not empty, so a leak would show it

	// What inventory content looks like in each of its formats.
	leaks := []string{"Consent inventory", `"cookies"`, "_ga", "undecided", "drafted", "googletagmanager"}
	t.Run("public listener", func(t *testing.T) {
		for _, path := range []string{"/inventory", "/inventory?format=json", "/inventory?format=policy",
			"/consent/inventory", "/consent/inventory?format=json", "/admin", "/admin/inventory"} {
			resp, body := get(t, c, p.URL+path, map[string]string{"Accept": "application/json"})
			if resp.StatusCode != http.StatusNotFound {
				assert.Equal(t, "upstream "+path, body, "%s: answered by upstream, or 404", path)
			}
			for _, l := range leaks {
				assert.NotContains(t, body, l, path)
			}
		}
		mu.Lock()
		defer mu.Unlock()
		assert.Contains(t, upstreamSaw, "/inventory?format=policy", "the site's own /inventory is untouched")
	})

	t.Run("admin listener", func(t *testing.T) {
		tests := []struct {
			method, path string
			status       int
			contentType  string // its start
			body         string // held by the body
			location     string
		}{
			{method: http.MethodGet, path: "/", status: http.StatusFound, location: "/inventory", body: `href="/inventory"`},
			{method: http.MethodGet, path: "/inventory", status: http.StatusOK, contentType: "text/html", body: "Consent inventory"},
			{method: http.MethodGet, path: "/inventory?format=json", status: http.StatusOK, contentType: "application/json", body: `"name": "_ga"`},
			{method: http.MethodGet, path: "/inventory?format=policy", status: http.StatusOK, contentType: "application/yaml", body: "# Policy drafted"},
			{method: http.MethodHead, path: "/inventory", status: http.StatusOK},
			{method: http.MethodPost, path: "/inventory", status: http.StatusMethodNotAllowed},
			{method: http.MethodGet, path: "/inventory/", status: http.StatusNotFound},
			{method: http.MethodGet, path: "/consent", status: http.StatusNotFound},
			{method: http.MethodGet, path: "/healthz", status: http.StatusNotFound},
			{method: http.MethodGet, path: "/shop", status: http.StatusNotFound},
		}
		for _, tt := range tests {
			req, err := http.NewRequest(tt.method, p.AdminURL+tt.path, nil)
			require.NoError(t, err)
			resp, err := c.Do(req)
			require.NoError(t, err)
			body, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			require.NoError(t, resp.Body.Close())
			name := tt.method + " " + tt.path
			assert.Equal(t, tt.status, resp.StatusCode, name)
			assert.True(t, strings.HasPrefix(resp.Header.Get("Content-Type"), tt.contentType), "%s: %s", name, resp.Header.Get("Content-Type"))
			assert.Contains(t, string(body), tt.body, name)
			assert.Equal(t, tt.location, resp.Header.Get("Location"), name)
			assert.NotContains(t, string(body), "upstream ", "%s: the admin listener never proxies", name)
		}
	})
	assert.Contains(t, p.Stderr.String(), `msg="consent-proxy admin listening" addr=`+p.AdminAddr)
	assert.NotContains(t, p.Stderr.String(), "not a loopback address")

	t.Run("stops with the proxy", func(t *testing.T) {
		require.Equal(t, exitOK, p.stop(t))
		conn, err := net.DialTimeout("tcp", p.AdminAddr, time.Second)
		if err == nil {
			conn.Close()
		}
		assert.Error(t, err, "the admin listener is closed")
	})
}

func TestAdminIsOffByDefault(t *testing.T) {
	upstream := httptest.NewServer(rolloutSite())
	t.Cleanup(upstream.Close)
	var called atomic.Bool
	p := startProxyEnv(t, env{getenv: mapEnv(nil), adminReady: func(net.Addr) { called.Store(true) }},
		"-upstream", upstream.URL, "-insecure-dev", "-report-only")
	assert.False(t, called.Load(), "no admin listener")
	assert.NotContains(t, p.Stderr.String(), "admin listening")
	assert.Contains(t, p.Stderr.String(), "-report-only without -admin", "a report nobody can read is pointed out")
	resp, body := get(t, rawClient(t), p.URL+"/inventory?format=json", nil)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, rolloutPage, body, "upstream's page")
}

func TestAdminBindFailureIsACleanStartupError(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { busy.Close() })
	free, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	listen := free.Addr().String()
	require.NoError(t, free.Close())

	var stderr syncbuf.Buffer
	ready := false
	code := run(context.Background(), []string{"-listen", listen, "-upstream", "http://127.0.0.1:1", "-insecure-dev", "-admin", busy.Addr().String()},
		env{getenv: mapEnv(nil), stderr: &stderr, stdout: io.Discard, ready: func(net.Addr) { ready = true }})
	assert.Equal(t, exitError, code)
	assert.False(t, ready, "never announced as listening")
	assert.Contains(t, stderr.String(), "cannot listen on the admin address (-admin)")
	assert.Contains(t, stderr.String(), "addr="+busy.Addr().String())
	ln, err := net.Listen("tcp", listen)
	require.NoError(t, err, "the public listener was released")
	require.NoError(t, ln.Close())
}

// runDraft runs `consent-proxy inventory draft` with args.
func runDraft(t *testing.T, vars map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out strings.Builder
	var errOut syncbuf.Buffer
	code = run(context.Background(), append([]string{"inventory", "draft"}, args...),
		env{getenv: mapEnv(vars), stdout: &out, stderr: &errOut})
	return code, out.String(), errOut.String()
}

func TestInventoryDraftWritesAPolicyToResolve(t *testing.T) {
	upstream := httptest.NewServer(rolloutSite())
	t.Cleanup(upstream.Close)
	p := startAdmin(t, upstream.URL, "-report-only")
	get(t, rawClient(t), p.URL+"/shop", nil)

	dir := t.TempDir()
	tests := []struct {
		name   string
		vars   map[string]string
		args   []string
		toFile bool
	}{
		{name: "to a file", args: []string{"-admin", p.AdminURL, "-o", filepath.Join(dir, "draft.yaml")}, toFile: true},
		{name: "to stdout", args: []string{"-admin", p.AdminURL}},
		{name: "admin as host:port", args: []string{"-admin", p.AdminAddr}},
		{name: "admin from CONSENT_ADMIN", vars: map[string]string{"CONSENT_ADMIN": p.AdminAddr}},
		{name: "flag over CONSENT_ADMIN", vars: map[string]string{"CONSENT_ADMIN": "127.0.0.1:1"}, args: []string{"-admin", p.AdminURL + "/"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runDraft(t, tt.vars, tt.args...)
			require.Equal(t, exitOK, code, stderr)
			draft := stdout
			if tt.toFile {
				path := tt.args[len(tt.args)-1]
				data, err := os.ReadFile(path)
				require.NoError(t, err)
				draft = string(data)
				assert.Empty(t, stdout)
				assert.Equal(t, "consent-proxy: inventory draft: wrote "+path+`: choose a category for each of its 1 "undecided" entries before loading it with -policy`+"\n", stderr)
				fi, err := os.Stat(path)
				require.NoError(t, err)
				assert.Equal(t, os.FileMode(0o644), fi.Mode().Perm())
				entries, err := os.ReadDir(dir)
				require.NoError(t, err)
				assert.Len(t, entries, 1, "no temporary file left")
			}

			_, err := consent.ParsePolicy([]byte(draft), consent.YAML)
			require.Error(t, err, "the loader refuses an undecided draft")
			assert.ErrorIs(t, err, consent.ErrInvalidPolicy)
			assert.Contains(t, err.Error(), `cookie "shop_ab" is still "undecided"`)

			resolved := strings.ReplaceAll(draft, "category: undecided", "category: functionality")
			pol, err := consent.ParsePolicy([]byte(resolved), consent.YAML)
			require.NoError(t, err, "resolved:\n%s", resolved)
			decl, ok := pol.CookieDeclaration("shop_ab")
			require.True(t, ok)
			assert.Equal(t, consent.Functionality, decl.Category)
			_, ok = pol.CookieDeclaration("session")
			assert.True(t, ok, "the running -policy is kept")
		})
	}
}

func TestInventoryDraftFailsWithExitOne(t *testing.T) {
	upstream := httptest.NewServer(rolloutSite())
	t.Cleanup(upstream.Close)
	p := startAdmin(t, upstream.URL)
	dead := deadUpstream(t)
	tests := []struct {
		name  string
		admin string
		want  string // the start of the one line
		also  string
	}{
		{name: "unreachable", admin: dead,
			want: "consent-proxy: inventory draft: cannot reach the proxy's admin address " + dead + "/inventory?format=policy: ", also: "connection refused"},
		{name: "the public listener", admin: p.URL,
			want: "consent-proxy: inventory draft: " + p.URL + `/inventory?format=policy answered "text/html; charset=utf-8", not a drafted policy`},
		{name: "a path with no inventory", admin: p.AdminURL + "/nope",
			want: "consent-proxy: inventory draft: " + p.AdminURL + "/nope/inventory?format=policy answered 404 Not Found"},
		{name: "password kept out of the message", admin: "http://u:secret@" + strings.TrimPrefix(dead, "http://"),
			want: "consent-proxy: inventory draft: cannot reach the proxy's admin address http://u:xxxxx@"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "policy.yaml")
			require.NoError(t, os.WriteFile(out, []byte("previous\n"), 0o644))
			code, stdout, stderr := runDraft(t, nil, "-admin", tt.admin, "-o", out)
			assert.Equal(t, exitError, code)
			assert.Empty(t, stdout)
			assert.True(t, strings.HasPrefix(stderr, tt.want), "stderr %q does not start with %q", stderr, tt.want)
			assert.Contains(t, stderr, tt.also)
			assert.Equal(t, 1, strings.Count(stderr, "\n"), "one line: %q", stderr)
			assert.NotContains(t, stderr, "secret")
			data, err := os.ReadFile(out)
			require.NoError(t, err)
			assert.Equal(t, "previous\n", string(data), "a failed draft leaves the file alone")
		})
	}
}

func TestRolloutSettingsExitTwoNamingTheFlag(t *testing.T) {
	const up = "http://127.0.0.1:1"
	base := []string{"-upstream", up, "-insecure-dev"}
	tests := []struct {
		name   string
		args   []string
		env    map[string]string
		config string // a config file's body; its path is appended as -config
		want   string
	}{
		{name: "banner without report-only", args: append(base, "-report-only-banner"),
			want: "consent-proxy: -report-only-banner: set without -report-only"},
		{name: "banner without report-only from env", args: base, env: map[string]string{"CONSENT_REPORT_ONLY_BANNER": "true"},
			want: "consent-proxy: -report-only-banner: set without -report-only (from CONSENT_REPORT_ONLY_BANNER)"},
		{name: "banner without report-only from config", args: base, config: "report-only-banner: true\nreport-only: false\n",
			want: "consent-proxy: -report-only-banner: set without -report-only (from config file "},
		{name: "report-only not a bool", args: append(base, "-report-only=maybe"), want: `consent-proxy: -report-only: must be true or false, not "maybe"`},
		{name: "report-only not a bool from env", args: base, env: map[string]string{"CONSENT_REPORT_ONLY": "yes"},
			want: `consent-proxy: -report-only: must be true or false, not "yes" (from CONSENT_REPORT_ONLY)`},
		{name: "admin without host", args: append(base, "-admin", "9090"), want: `consent-proxy: -admin: must be host:port, such as 127.0.0.1:9090, not "9090"`},
		{name: "admin as URL", args: append(base, "-admin", "http://127.0.0.1:9090"), want: "consent-proxy: -admin: must be host:port"},
		{name: "admin without port", args: append(base, "-admin", "127.0.0.1:"), want: "consent-proxy: -admin: must be host:port"},
		{name: "admin from env", args: base, env: map[string]string{"CONSENT_ADMIN": "localhost"},
			want: `consent-proxy: -admin: must be host:port, such as 127.0.0.1:9090, not "localhost" (from CONSENT_ADMIN)`},
		{name: "admin on the public listener", args: append(base, "-listen", "127.0.0.1:8089", "-admin", "127.0.0.1:8089"),
			want: "consent-proxy: -admin: 127.0.0.1:8089 is the -listen address"},

		{name: "inventory without command", args: []string{"inventory"}, want: "consent-proxy: inventory: missing command (commands: draft)"},
		{name: "inventory unknown command", args: []string{"inventory", "show"}, want: `consent-proxy: inventory: unknown command "show" (commands: draft)`},
		{name: "draft admin scheme", args: []string{"inventory", "draft", "-admin", "ftp://127.0.0.1:9090"},
			want: `consent-proxy: -admin: must be the proxy's admin address, host:port or an http or https URL, not "ftp://127.0.0.1:9090"`},
		{name: "draft admin from env", args: []string{"inventory", "draft"}, env: map[string]string{"CONSENT_ADMIN": "ftp://x"},
			want: `consent-proxy: -admin: must be the proxy's admin address, host:port or an http or https URL, not "ftp://x" (from CONSENT_ADMIN)`},
		{name: "draft admin query", args: []string{"inventory", "draft", "-admin", "http://127.0.0.1:9090/?format=json"},
			want: "consent-proxy: -admin: must hold no query or fragment"},
		{name: "draft output directory", args: []string{"inventory", "draft", "-o", "/nonexistent/policy.yaml"},
			want: "consent-proxy: -o: directory /nonexistent does not exist"},
		{name: "draft stray argument", args: []string{"inventory", "draft", "policy.yaml"}, want: `consent-proxy: unexpected argument "policy.yaml"`},
		{name: "draft unknown flag", args: []string{"inventory", "draft", "-format", "json"}, want: "consent-proxy: flag provided but not defined: -format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := slices.Clone(tt.args)
			if tt.config != "" {
				args = append(args, "-config", writeFile(t, "proxy.yaml", tt.config))
			}
			vars := map[string]string{"CONSENT_LISTEN": "127.0.0.1:0"}
			for k, v := range tt.env {
				vars[k] = v
			}
			var stderr syncbuf.Buffer
			// An ended context: a case that wrongly passes stops at once.
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			code := run(ctx, args, env{getenv: mapEnv(vars), stderr: &stderr, stdout: io.Discard})
			out := stderr.String()
			assert.Equal(t, exitUsage, code, out)
			assert.True(t, strings.HasPrefix(out, tt.want), "stderr %q does not start with %q", out, tt.want)
			assert.Equal(t, 1, strings.Count(out, "\n"), "one line: %q", out)
		})
	}
}

func TestInventoryHelpExitsZero(t *testing.T) {
	for _, args := range [][]string{{"inventory", "-h"}, {"inventory", "draft", "-h"}, {"help", "inventory"}} {
		var stdout, stderr syncbuf.Buffer
		code := run(context.Background(), args, env{getenv: mapEnv(nil), stdout: &stdout, stderr: &stderr})
		assert.Equal(t, exitOK, code, args)
		assert.Contains(t, stdout.String(), "Usage: consent-proxy inventory draft [-admin URL] [-o FILE]", args)
		assert.Empty(t, stderr.String(), args)
	}
}

func TestParseAdminURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"127.0.0.1:9090", "http://127.0.0.1:9090"},
		{"localhost:9090", "http://localhost:9090"},
		{":9090", "http://127.0.0.1:9090"}, // an -admin on every interface is dialled on loopback
		{"0.0.0.0:9090", "http://127.0.0.1:9090"},
		{"[::]:9090", "http://[::1]:9090"},
		{"http://127.0.0.1:9090/", "http://127.0.0.1:9090/"},
		{"https://admin.example.com/consent", "https://admin.example.com/consent"},
	}
	for _, tt := range tests {
		u, err := parseAdminURL(tt.in)
		require.NoError(t, err, tt.in)
		assert.Equal(t, tt.want, u.String(), tt.in)
		assert.Equal(t, strings.TrimSuffix(tt.want, "/")+"/inventory", u.JoinPath("inventory").String(), tt.in)
	}
}

func TestIsLoopback(t *testing.T) {
	tests := []struct {
		addr net.Addr
		want bool
	}{
		{&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9090}, true},
		{&net.TCPAddr{IP: net.IPv6loopback, Port: 9090}, true},
		{&net.TCPAddr{IP: net.IPv4zero, Port: 9090}, false}, // every interface
		{&net.TCPAddr{IP: net.IPv6unspecified, Port: 9090}, false},
		{&net.TCPAddr{IP: net.IPv4(192, 168, 1, 10), Port: 9090}, false},
		{&net.UnixAddr{Name: "/run/admin.sock", Net: "unix"}, false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, isLoopback(tt.addr), tt.addr.String())
	}
}
