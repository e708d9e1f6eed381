package caddy

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/caddytest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"
)

// The ports of the Caddy that caddytest runs in this process (its admin
// API is on caddytest's localhost:2999).
const (
	httpPort  = 19080
	httpsPort = 19443
)

var site = fmt.Sprintf("http://localhost:%d", httpPort)

// globals returns the Caddyfile's global options for a test server.
func globals() string {
	return fmt.Sprintf(`{
	admin localhost:2999
	http_port %d
	https_port %d
	grace_period 1ns
	skip_install_trust
	persist_config off
	storage file_system %s
}
`, httpPort, httpsPort, testDir)
}

// Markers of what the test page holds (testdata/site/index.html: the
// vendors' own Google Tag Manager and Meta Pixel snippets).
const (
	bannerMarker = `<div id="consentgate-banner"`
	gtmLoader    = "www.googletagmanager.com/gtm.js"
	gtmFrame     = "www.googletagmanager.com/ns.html"
	metaLoader   = "connect.facebook.net/en_US/fbevents.js"
	metaPixel    = "www.facebook.com/tr?id="
)

// siteConfig is a Caddyfile serving testdata/site with file_server, a
// tracker cookie on every response and consentgate with the given
// settings.
func siteConfig(t *testing.T, settings string, extra string) string {
	t.Helper()
	root, err := filepath.Abs("testdata/site")
	require.NoError(t, err)
	return globals() + fmt.Sprintf(`
%s {
	root * %s
	header Set-Cookie "_ga=GA1.1.424242.1700000000; Path=/; Max-Age=63072000"
	%s
	consentgate {
		%s
	}
	file_server
}
`, site, root, extra, settings)
}

// configSeq numbers the configs the tests load.
var configSeq atomic.Int64

// load makes config the running one, and waits until it answers: a config
// load returns while the previous server still serves the connections it
// has (keep-alive ones, and some that the shared listener just accepted).
// Each config marks its responses with a header of its own, added in front
// of its consentgate directive.
func load(t *testing.T, tc *caddytest.Tester, config string) {
	t.Helper()
	id := strconv.FormatInt(configSeq.Add(1), 10)
	marked := strings.Replace(config, "\tconsentgate {", "\theader X-Test-Config "+id+"\n\tconsentgate {", 1)
	require.NotEqual(t, config, marked, "the config has a consentgate block")
	tc.InitServer(marked, "caddyfile")
	for range 100 {
		req, err := http.NewRequest(http.MethodHead, site+"/", nil)
		require.NoError(t, err)
		req.Close = true // a new connection each time
		if res, err := tc.Client.Do(req); err == nil {
			res.Body.Close()
			if res.Header.Get("X-Test-Config") == id {
				tc.Client.CloseIdleConnections()
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("config %s never answered", id)
}

// get fetches a path through the tester's client (its cookie jar holds the
// consent cookie once given).
func get(t *testing.T, tc *caddytest.Tester, path string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, site+path, nil)
	require.NoError(t, err)
	res := do(t, tc.Client, req)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res, string(body)
}

// do sends a GET, again when the connection closes before an answer: a
// config load returns while the previous server is still shutting down, and
// a connection it accepted then is closed unanswered.
func do(t *testing.T, client *http.Client, req *http.Request) *http.Response {
	t.Helper()
	for attempt := 1; ; attempt++ {
		res, err := client.Do(req)
		if err == nil || attempt == 5 || !errors.Is(err, io.EOF) && !errors.Is(err, syscall.ECONNRESET) {
			require.NoError(t, err)
			return res
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func cookieNames(res *http.Response) []string {
	var names []string
	for _, c := range res.Cookies() {
		names = append(names, c.Name)
	}
	return names
}

func TestCaddyConsentFlow(t *testing.T) {
	t.Setenv("CG_CADDY_HASH_KEY", testHashKey)
	t.Setenv("CG_CADDY_BLOCK_KEY", testBlockKey)
	tc := caddytest.NewTester(t)
	load(t, tc, siteConfig(t, `hash_key {env.CG_CADDY_HASH_KEY}
		block_key {env.CG_CADDY_BLOCK_KEY}
		insecure_dev`, ""))

	// An undecided visitor: the banner, no tracker tag, no tracker cookie.
	res, body := get(t, tc, "/")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, body, bannerMarker)
	for _, tracker := range []string{gtmLoader, gtmFrame, metaLoader, metaPixel} {
		assert.NotContains(t, body, tracker)
	}
	assert.Contains(t, body, "<h1>Welcome to the shop</h1>", "the page itself is intact")
	assert.NotContains(t, cookieNames(res), "_ga")
	assert.Contains(t, res.Header.Values("Vary"), "Cookie")

	// The consent endpoint is served by the middleware, not file_server.
	noRedirect := *tc.Client
	noRedirect.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	post := func(headers map[string]string) *http.Response {
		form := url.Values{"action": {"accept-all"}, "return": {"/"}}
		req, err := http.NewRequest(http.MethodPost, site+"/consent", strings.NewReader(form.Encode()))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		res, err := noRedirect.Do(req)
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res
	}
	refused := post(map[string]string{"Sec-Fetch-Site": "cross-site"})
	assert.Equal(t, http.StatusForbidden, refused.StatusCode, "a cross-site POST gives no consent")
	assert.NotContains(t, cookieNames(refused), "consent")

	accepted := post(map[string]string{"Sec-Fetch-Site": "same-origin"})
	require.Equal(t, http.StatusSeeOther, accepted.StatusCode)
	assert.Equal(t, "/", accepted.Header.Get("Location"))
	assert.Contains(t, cookieNames(accepted), "consent")

	// After accepting everything the trackers pass and the banner is gone.
	res, body = get(t, tc, "/")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.NotContains(t, body, bannerMarker)
	for _, tracker := range []string{gtmLoader, gtmFrame, metaLoader, metaPixel} {
		assert.Contains(t, body, tracker)
	}
	assert.Contains(t, cookieNames(res), "_ga")
}

func TestCaddyKeepsCaddysErrors(t *testing.T) {
	tc := caddytest.NewTester(t)
	load(t, tc, siteConfig(t, "insecure_dev", `handle_errors 404 {
		respond "the site's own 404 page" 404
	}`))
	// file_server returns an error for a missing file; the answer is
	// Caddy's (here the site's handle_errors route), not an empty 200 from
	// the middleware.
	res, body := get(t, tc, "/no-such-page")
	assert.Equal(t, http.StatusNotFound, res.StatusCode)
	assert.Equal(t, "the site's own 404 page", body)
	assert.NotContains(t, cookieNames(res), "_ga", "a tracker cookie is filtered on an error too")

	load(t, tc, siteConfig(t, "insecure_dev", ""))
	res, body = get(t, tc, "/no-such-page")
	assert.Equal(t, http.StatusNotFound, res.StatusCode, "without handle_errors, Caddy's own status")
	assert.Empty(t, body)
}

func TestCaddyModeDeferAndPrefix(t *testing.T) {
	tc := caddytest.NewTester(t)
	load(t, tc, siteConfig(t, "insecure_dev\n mode defer\n prefix /privacy\n csp off", ""))
	res, body := get(t, tc, "/")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, body, bannerMarker)
	assert.Contains(t, body, `data-consent-category`, "refused tags are kept inert for the banner script")
	assert.Contains(t, body, `action="/privacy"`, "the banner posts to the prefix")
	assert.Empty(t, res.Header.Get("Content-Security-Policy"), "csp off")
	res, _ = get(t, tc, "/privacy/preferences")
	assert.Equal(t, http.StatusOK, res.StatusCode)
}

func TestCaddyInventoryBehindBasicAuth(t *testing.T) {
	hash, err := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost)
	require.NoError(t, err)
	tc := caddytest.NewTester(t)
	load(t, tc, siteConfig(t, "insecure_dev\n report_only\n inventory /admin/consent-inventory",
		fmt.Sprintf(`basic_auth /admin/* {
		admin %s
	}`, hash)))

	// Report-only: the page passes unchanged, and is recorded.
	res, body := get(t, tc, "/")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, body, gtmLoader)
	assert.NotContains(t, body, bannerMarker)
	assert.Contains(t, cookieNames(res), "_ga")

	res, _ = get(t, tc, "/admin/consent-inventory")
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode, "basic_auth runs before consentgate")

	req, err := http.NewRequest(http.MethodGet, site+"/admin/consent-inventory?format=json", nil)
	require.NoError(t, err)
	req.SetBasicAuth("admin", "s3cret")
	res = do(t, tc.Client, req)
	defer res.Body.Close()
	inv, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "application/json", res.Header.Get("Content-Type"))
	assert.Equal(t, "no-store", res.Header.Get("Cache-Control"))
	assert.True(t, bytes.Contains(inv, []byte(`"_ga"`)), "the inventory lists the cookie it saw: %s", inv)
	assert.True(t, bytes.Contains(inv, []byte("googletagmanager.com")), "and the tracker host")
}

func TestCaddyfileLoadErrors(t *testing.T) {
	tests := []struct {
		name     string
		settings string
		wantErr  string
	}{
		{"no keys", "", "consentgate: hash_keys: required"},
		{"unknown setting", "colour blue", `consentgate: unknown setting \"colour\"`},
		{"bad language", "insecure_dev\n language xx", "consentgate: language:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			caddytest.AssertLoadError(t, siteConfig(t, tt.settings, ""), "caddyfile", tt.wantErr)
		})
	}
}

func TestCaddyReverseProxy(t *testing.T) {
	page, err := os.ReadFile("testdata/site/index.html")
	require.NoError(t, err)
	var askedFor []string
	var mu sync.Mutex
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		askedFor = append(askedFor, r.Header.Get("Accept-Encoding"))
		mu.Unlock()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Add("Set-Cookie", "_ga=GA1.1.424242.1700000000; Path=/")
		w.Header().Add("Set-Cookie", "_fbp=fb.1.1700000000.42; Path=/")
		_, _ = w.Write(page)
	}))
	defer upstream.Close()

	tc := caddytest.NewTester(t)
	load(t, tc, globals()+fmt.Sprintf(`
%s {
	encode gzip
	consentgate {
		insecure_dev
	}
	reverse_proxy %s
}
`, site, strings.TrimPrefix(upstream.URL, "http://")))

	req, err := http.NewRequest(http.MethodGet, site+"/", nil)
	require.NoError(t, err)
	// What Chromium sends with shared dictionaries on: dcb and dcz are
	// codings the middleware cannot read.
	req.Header.Set("Accept-Encoding", "gzip, deflate, br, zstd, dcb, dcz")
	res := do(t, tc.Client, req)
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "gzip", res.Header.Get("Content-Encoding"), "encode compresses the rewritten page")
	zr, err := gzip.NewReader(res.Body)
	require.NoError(t, err)
	body, err := io.ReadAll(zr)
	require.NoError(t, err)
	assert.Contains(t, string(body), bannerMarker)
	for _, tracker := range []string{gtmLoader, gtmFrame, metaLoader, metaPixel} {
		assert.NotContains(t, string(body), tracker)
	}
	assert.NotContains(t, cookieNames(res), "_ga")
	assert.NotContains(t, cookieNames(res), "_fbp")
	mu.Lock()
	defer mu.Unlock()
	require.NotEmpty(t, askedFor)
	assert.Equal(t, "gzip, deflate, br, zstd", askedFor[len(askedFor)-1], "upstream is never asked for a coding the middleware cannot rewrite")
}

func TestCaddyUpgradePassesThrough(t *testing.T) {
	// An upstream that switches protocols, setting a tracker cookie on the
	// way, then echoes one line.
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") != "echo" {
			http.Error(w, "want Upgrade: echo", http.StatusBadRequest)
			return
		}
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		_, _ = brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n" +
			"Set-Cookie: _ga=GA1.1.424242.1700000000; Path=/\r\n\r\n")
		_ = brw.Flush()
		line, err := brw.ReadString('\n')
		if err != nil {
			return
		}
		_, _ = brw.WriteString("echo: " + line)
		_ = brw.Flush()
	}))
	defer upstream.Close()

	tc := caddytest.NewTester(t)
	load(t, tc, globals()+fmt.Sprintf(`
%s {
	consentgate {
		insecure_dev
	}
	reverse_proxy %s
}
`, site, strings.TrimPrefix(upstream.URL, "http://")))

	var conn net.Conn
	var err error
	for attempt := 0; attempt < 5; attempt++ { // see do: the previous config's server may still close
		if conn, err = net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", httpPort), 5*time.Second); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.SetDeadline(time.Now().Add(10*time.Second)))
	_, err = io.WriteString(conn, "GET /ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n")
	require.NoError(t, err)
	br := bufio.NewReader(conn)
	res, err := http.ReadResponse(br, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusSwitchingProtocols, res.StatusCode)
	names := cookieNames(res)
	assert.NotContains(t, names, "_ga", "the switch's cookies are filtered")
	_, err = io.WriteString(conn, "hello\n")
	require.NoError(t, err)
	line, err := br.ReadString('\n')
	require.NoError(t, err)
	assert.Equal(t, "echo: hello\n", line, "the connection is the upstream's after the switch")
}
