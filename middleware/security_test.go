package middleware

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/consentgate/consent"
	"github.com/consentgate/consent/internal/syncbuf"
	"github.com/consentgate/consent/store"
	"github.com/consentgate/consent/store/sqlite"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"
)

// The XSS payloads put into every text a site owner or translator
// configures, and into every value a visitor controls.
const (
	xssScript = `<script>alert(1)</script>`
	xssAttr   = `"><img src=x onerror=alert(1)>`
	xssURL    = `javascript:alert(1)`
)

// hostilePolicy is testPolicy with the payloads in every text it holds.
func hostilePolicy() *consent.Policy {
	p := testPolicy()
	p.Version = "2"
	p.Revisions = []consent.Revision{
		{Version: "1", Date: consent.DateOf(2026, time.January, 10), Summary: "First " + xssScript, Material: true, Text: "Cookies.\n" + xssScript},
		{Version: "2", Date: consent.DateOf(2026, time.March, 2), Summary: xssAttr + " " + xssURL, Text: "Cookies.\n" + xssAttr},
	}
	p.Categories[1].Name = "Analytics " + xssScript
	p.Categories[1].Description = xssAttr
	p.Categories[2].Description = xssURL
	p.Cookies = append(p.Cookies, consent.Cookie{Name: "_ga", Category: consent.Analytics, Purpose: xssAttr, Provider: xssScript})
	p.Trackers = append(p.Trackers, consent.Tracker{Name: xssAttr, Category: consent.Analytics, Purpose: xssScript, Docs: xssURL,
		Hosts: []string{"stats.example.net"}})
	p.Texts = map[string]string{
		"banner.title":       xssScript,
		"banner.notice":      xssAttr,
		"banner.accept_all":  xssScript,
		"banner.policy_link": xssURL,
		"prefs.intro":        xssAttr,
		"prefs.title":        xssScript,
		"policy.dnt_body":    xssAttr,
		"de:banner.notice":   xssScript,
	}
	return p
}

// hostileLanguageFile is a translation whose texts are the payloads.
func hostileLanguageFile(t *testing.T) string {
	t.Helper()
	data, err := json.Marshal(map[string]any{"language": "es", "texts": map[string]string{
		"banner.title": xssAttr, "banner.notice": xssScript, "banner.manage": xssURL, "banner.reject_all": xssAttr,
		"prefs.title": xssAttr, "prefs.save": xssScript, "policy.title": xssScript, "policy.dnt_body": xssScript,
		"diff.title": xssAttr,
	}})
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "es.json")
	require.NoError(t, os.WriteFile(path, data, 0o600))
	return path
}

// markupFindings parses body as a browser would and lists what a payload
// could have turned into: scripts running it, event handlers, javascript:
// URLs, the payload's image. The page's text (where payloads belong, as
// text) is returned too.
func markupFindings(t *testing.T, body string) (findings []string, text string) {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	require.NoError(t, err)
	var txt strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			if p := n.Parent; p == nil || p.Type != html.ElementNode || (p.Data != "script" && p.Data != "style") {
				txt.WriteString(n.Data)
			}
		case html.ElementNode:
			if n.Data == "script" {
				var src strings.Builder
				for c := n.FirstChild; c != nil; c = c.NextSibling {
					src.WriteString(c.Data)
				}
				if strings.Contains(src.String(), "alert(1)") {
					findings = append(findings, "a <script> running the payload")
				}
			}
			for _, a := range n.Attr {
				key := strings.ToLower(a.Key)
				val := strings.ToLower(strings.TrimSpace(a.Val))
				switch {
				case strings.HasPrefix(key, "on"):
					findings = append(findings, "<"+n.Data+" "+a.Key+"=…>")
				case (key == "href" || key == "src" || key == "action" || key == "formaction") && strings.HasPrefix(val, "javascript:"):
					findings = append(findings, "<"+n.Data+" "+a.Key+"="+a.Val+">")
				case n.Data == "img" && key == "src" && val == "x":
					findings = append(findings, "the payload's <img>")
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return findings, txt.String()
}

// plainPage is a site page with nothing of its own that could look like a
// finding.
const plainPage = `<!doctype html><html><head><title>Shop</title></head><body><h1>Shop</h1><p>Hello.</p></body></html>`

func TestNoXSSThroughConfigurableTexts(t *testing.T) {
	m, err := New(hostilePolicy(), Keys(testKey), Logger(slog.New(slog.NewTextHandler(io.Discard, nil))),
		LanguageFile(hostileLanguageFile(t)), GoogleConsentMode(nil))
	require.NoError(t, err)
	accepted := decide(t, m, acceptAll())
	site := htmlHandler(plainPage)

	// Return paths pass SafeReturn when rooted, so they reach the pages.
	returnAttr := "/" + xssAttr
	returnScript := "/" + xssScript
	pages := []struct {
		name, target string
		decided      bool
		payloadShown bool // a configured payload is on the page, as text
	}{
		{"banner", "/shop?q=" + url.QueryEscape(xssAttr), false, true},
		{"banner, payload in the raw query", "/shop?q=\"><img%20src=x%20onerror=alert(1)>", false, true},
		{"settings control", "/shop?q=" + url.QueryEscape(xssScript), true, false},
		{"preferences", "/consent/preferences?return=" + url.QueryEscape(returnAttr), false, true},
		{"preferences, decided", "/consent/preferences?return=" + url.QueryEscape(returnScript), true, true},
		{"preferences, javascript: return", "/consent/preferences?return=" + url.QueryEscape(xssURL), false, true},
		{"policy", "/consent/policy?return=" + url.QueryEscape(returnAttr), false, true},
		{"changes", "/consent/policy/changes?from=1&to=2&return=" + url.QueryEscape(returnScript), false, true},
		{"changes, default range", "/consent/policy/changes", false, true},
	}
	t.Run("the checker sees injected markup", func(t *testing.T) {
		for _, payload := range []string{xssScript, xssAttr, `<a href="` + xssURL + `">x</a>`} {
			findings, _ := markupFindings(t, "<p>"+payload+"</p>")
			assert.NotEmpty(t, findings, payload)
		}
	})
	for _, lang := range []string{"en", "de", "es"} {
		for _, pg := range pages {
			t.Run(lang+" "+pg.name, func(t *testing.T) {
				req := httptest.NewRequest(http.MethodGet, pg.target, nil)
				req.Header.Set("Accept-Language", lang)
				if pg.decided {
					req.AddCookie(accepted)
				}
				rec := httptest.NewRecorder()
				m.Handler(site).ServeHTTP(rec, req)
				require.Equal(t, http.StatusOK, rec.Code)
				findings, text := markupFindings(t, rec.Body.String())
				assert.Empty(t, findings, "payload turned into markup")
				if pg.payloadShown {
					assert.True(t, strings.Contains(text, "alert(1)"), "the payload is shown as text, not dropped")
				}
			})
		}
	}

	t.Run("state JSON", func(t *testing.T) {
		for _, lang := range []string{"en", "es"} {
			for _, c := range []*http.Cookie{nil, accepted} {
				req := httptest.NewRequest(http.MethodGet, "/consent", nil)
				req.Header.Set("Accept-Language", lang)
				if c != nil {
					req.AddCookie(c)
				}
				rec := serve(m, req)
				body := rec.Body.String()
				assert.Equal(t, "application/json; charset=utf-8", rec.Header().Get("Content-Type"))
				assert.NotContains(t, body, "<", "HTML-escaped JSON: a sniffing browser finds no markup")
				assert.NotContains(t, body, ">")
				s := decodeState(t, rec)
				names := map[string]string{}
				for _, cat := range s.Categories {
					names[string(cat.ID)] = cat.Name + "|" + cat.Description
				}
				assert.Equal(t, "Analytics "+xssScript+"|"+xssAttr, names["analytics"], "the texts arrive intact, as data")
				if lang == "en" {
					assert.Equal(t, xssScript, s.Texts["accept_all"])
				} else {
					assert.Equal(t, xssAttr, s.Texts["title"])
				}
			}
		}
	})
	t.Run("error answers echo input only as plain text", func(t *testing.T) {
		for _, form := range []url.Values{{"action": {xssScript}}, {"action": {"save"}, "category": {xssAttr}}} {
			rec := serve(m, formRequest(form))
			require.Equal(t, http.StatusBadRequest, rec.Code)
			assert.Equal(t, "text/plain; charset=utf-8", rec.Header().Get("Content-Type"))
			assert.Equal(t, "nosniff", rec.Header().Get("X-Content-Type-Options"))
			assert.Empty(t, rec.Header().Values("Set-Cookie"))
		}
	})
	t.Run("JSON decision", func(t *testing.T) {
		req := formRequest(url.Values{"action": {"accept-all"}, "return": {returnScript}})
		req.Header.Set("Accept", "application/json")
		rec := serve(m, req)
		require.Equal(t, http.StatusOK, rec.Code)
		assert.NotContains(t, rec.Body.String(), "<")
	})
}

// The prefix is configuration too (-prefix of consent-proxy): linked
// assets, chosen by AssetFiles or forced by a strict CSP, used to write it
// into their URLs unescaped.
func TestNoXSSThroughThePrefix(t *testing.T) {
	prefix := "/c" + xssAttr
	tests := []struct {
		name   string
		opts   []Option
		header []string
	}{
		{"inline assets", nil, nil},
		{"AssetFiles", []Option{AssetFiles()}, nil},
		{"strict CSP forces files", nil, []string{"Content-Security-Policy", "default-src 'self'"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _ := newTestMiddleware(t, append([]Option{Prefix(prefix)}, tt.opts...)...)
			post := formRequest(acceptAll())
			post.URL.Path = prefix
			accepted := consentCookieOf(serve(m, post), "consent")
			require.NotNil(t, accepted, "the endpoint works under that prefix")
			for _, c := range []*http.Cookie{nil, accepted} {
				req := httptest.NewRequest(http.MethodGet, "/", nil)
				if c != nil {
					req.AddCookie(c)
				}
				rec := httptest.NewRecorder()
				m.Handler(htmlHandler(plainPage, tt.header...)).ServeHTTP(rec, req)
				findings, _ := markupFindings(t, rec.Body.String())
				assert.Empty(t, findings, "payload turned into markup")
				for _, ref := range assetRefs(t, rec.Body.String()) {
					assert.True(t, strings.HasPrefix(ref, prefix+"/assets/"), "the asset is still found: %q", ref)
				}
			}
		})
	}
}

// assetRefs lists the href of <link> and the src of <script> elements.
func assetRefs(t *testing.T, body string) []string {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	require.NoError(t, err)
	var out []string
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && (n.Data == "link" || n.Data == "script") {
			for _, a := range n.Attr {
				if (n.Data == "link" && a.Key == "href") || (n.Data == "script" && a.Key == "src") {
					out = append(out, a.Val)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return out
}

// assertNoInjectedHeader fails on any sign of a header a value injected.
func assertNoInjectedHeader(t *testing.T, resp *http.Response) {
	t.Helper()
	for k, vs := range resp.Header {
		assert.NotEqual(t, "X-Injected", k)
		for _, v := range vs {
			assert.NotContains(t, v, "\r")
			assert.NotContains(t, v, "\n")
		}
	}
	for _, c := range resp.Cookies() {
		assert.NotEqual(t, "injected", c.Name)
	}
}

func TestNoResponseSplitting(t *testing.T) {
	m, _ := newTestMiddleware(t, Debug(true))
	page := `<!doctype html><html><body><h1>Shop</h1>` +
		`<img src="https://evil.example&#13;&#10;X-Injected: 1/p.gif" width="1" height="1">` +
		`<script src="https://www.googletagmanager.com/gtag/js?id=%0d%0aX-Injected:%201"></script></body></html>`
	srv := httptest.NewServer(m.Handler(htmlHandler(page)))
	t.Cleanup(srv.Close)

	returns := []string{
		"/ok\r\nSet-Cookie: injected=1",
		"/ok\r\nX-Injected: 1",
		"/ok\rX-Injected: 1",
		"/ok\nX-Injected: 1",
		"/ok%0d%0aX-Injected:%201",
		"/ok%0D%0ASet-Cookie:%20injected=1",
		"/ok\u0085X-Injected: 1",
		"/ok\u2028X-Injected: 1",
		"/ok\x00X-Injected: 1",
		"\r\nX-Injected: 1",
	}
	for _, ret := range returns {
		t.Run("return "+strings.ToValidUTF8(ret, "?"), func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPost, srv.URL+"/consent",
				strings.NewReader(url.Values{"action": {"reject-all"}, "return": {ret}}.Encode()))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			req.Header.Set("Idempotency-Key", "k%0d%0aX-Injected: 1")
			resp, err := noRedirects.Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			require.Equal(t, http.StatusSeeOther, resp.StatusCode)
			assertNoInjectedHeader(t, resp)
			loc := resp.Header.Get("Location")
			assert.True(t, strings.HasPrefix(loc, "/"), loc)

			// The same value as the preferences page's return and as the
			// page's own path (the banner's return).
			for _, target := range []string{
				srv.URL + "/consent/preferences?return=" + url.QueryEscape(ret),
				srv.URL + "/shop?return=" + url.QueryEscape(ret),
			} {
				resp, err := http.Get(target)
				require.NoError(t, err)
				resp.Body.Close()
				assert.Equal(t, http.StatusOK, resp.StatusCode)
				assertNoInjectedHeader(t, resp)
			}
		})
	}
	t.Run("debug header from a hostile page", func(t *testing.T) {
		resp, err := http.Get(srv.URL + "/")
		require.NoError(t, err)
		resp.Body.Close()
		assertNoInjectedHeader(t, resp)
		assert.NotEmpty(t, resp.Header.Get(DebugHeader), "something was removed and listed")
	})
	t.Run("Content-Language only names an offered language", func(t *testing.T) {
		for _, al := range []string{"en%0d%0aX-Injected: 1", "xx-<script>", "de;q=1%0d%0a", strings.Repeat("a-", 400)} {
			req, err := http.NewRequest(http.MethodGet, srv.URL+"/consent/policy", nil)
			require.NoError(t, err)
			req.Header.Set("Accept-Language", al)
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			assertNoInjectedHeader(t, resp)
			assert.Contains(t, []string{"en", "de", "fr"}, resp.Header.Get("Content-Language"))
		}
	})
}

// onSite resolves a Location or link as a browser's URL parser would (tabs
// and newlines removed, backslashes read as slashes, leading controls and
// spaces trimmed) and reports whether it stays on https://shop.example.
func onSite(t *testing.T, ref string) bool {
	t.Helper()
	ref = strings.TrimLeft(ref, "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f ")
	ref = strings.NewReplacer("\t", "", "\n", "", "\r", "", `\`, "/").Replace(ref)
	base, _ := url.Parse("https://shop.example/consent")
	u, err := url.Parse(ref)
	if err != nil {
		return false
	}
	abs := base.ResolveReference(u)
	return abs.Scheme == "https" && abs.Host == "shop.example"
}

// TestDecisionRedirectsOnlyToSafePaths checks SafeReturn's common cases;
// this is a table of known open-redirect tricks, checked where a browser
// would go after the form, from the preferences page and from the banner.
func TestNoOpenRedirects(t *testing.T) {
	attacks := []string{
		"//evil.example", "//evil.example/path", "///evil.example", "////evil.example",
		`/\evil.example`, `\\evil.example`, `\/evil.example`, `/\/evil.example`,
		"https://evil.example", "HTTPS://evil.example", "http:evil.example", "https:/evil.example", "//evil.example:443@shop.example",
		"/%2f%2fevil.example", "%2f%2fevil.example", "/%2F%2Fevil.example", "/%5cevil.example", "/%5C%5Cevil.example",
		"\t//evil.example", "/\t/evil.example", "/\n/evil.example", "/\r/evil.example", "\n//evil.example",
		" //evil.example", "\x00//evil.example", "/\x00/evil.example",
		"/%09/evil.example", "/%0a/evil.example", "//%09/evil.example", "/%2e%2e//evil.example",
		"javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)",
		"／／evil.example", "/／evil.example", "/\u3002evil.example",
		"//evil%2eexample", "/.//evil.example", "/./\\evil.example",
	}
	t.Run("the checker sees an off-site URL", func(t *testing.T) {
		for _, bad := range []string{"//evil.example", `/\evil.example`, "/\t/evil.example", "https://evil.example", "javascript:alert(1)"} {
			assert.False(t, onSite(t, bad), bad)
		}
		assert.True(t, onSite(t, "/%2f%2fevil.example"))
	})
	m, _ := newTestMiddleware(t)
	for _, ret := range attacks {
		t.Run(strings.ToValidUTF8(ret, "?"), func(t *testing.T) {
			rec := serve(m, formRequest(url.Values{"action": {"accept-all"}, "return": {ret}}))
			require.Equal(t, http.StatusSeeOther, rec.Code)
			loc := rec.Header().Get("Location")
			assert.True(t, onSite(t, loc), "the form sends the visitor to %q", loc)

			// The preferences page links back and posts the return on.
			rec = serve(m, httptest.NewRequest(http.MethodGet, "/consent/preferences?return="+url.QueryEscape(ret), nil))
			require.Equal(t, http.StatusOK, rec.Code)
			for _, ref := range linksAndReturns(t, rec.Body.String()) {
				assert.True(t, onSite(t, ref), "the preferences page links to %q", ref)
			}
		})
	}
	t.Run("the banner's return from the page's own URL", func(t *testing.T) {
		for _, target := range []string{"//evil.example/x", "/\\evil.example", "/%2f%2fevil.example", "/shop?next=//evil.example"} {
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.URL, _ = url.ParseRequestURI(target)
			req.RequestURI = target
			rec := httptest.NewRecorder()
			m.Handler(htmlHandler(plainPage)).ServeHTTP(rec, req)
			refs := linksAndReturns(t, rec.Body.String())
			require.NotEmpty(t, refs, target)
			for _, ref := range refs {
				assert.True(t, onSite(t, ref), "%s: the banner links to %q", target, ref)
			}
		}
	})
}

// linksAndReturns lists every href and every hidden "return" field value
// of an HTML page, and the return parameter of each href under the prefix.
func linksAndReturns(t *testing.T, body string) []string {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	require.NoError(t, err)
	var out []string
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			attrs := map[string]string{}
			for _, a := range n.Attr {
				attrs[a.Key] = a.Val
			}
			if href, ok := attrs["href"]; ok {
				out = append(out, href)
				if u, err := url.Parse(href); err == nil && u.Query().Has("return") {
					out = append(out, u.Query().Get("return"))
				}
			}
			if n.Data == "input" && attrs["name"] == "return" {
				out = append(out, attrs["value"])
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return out
}

// TestDecisionRefusesCrossSiteRequests covers the headers one by one; this
// adds what else a forged POST could try, and what it must not change.
func TestCrossSiteConsentForgery(t *testing.T) {
	l := openTestLedger(t, "sqlite://"+filepath.Join(t.TempDir(), "ledger.db"))
	m, _ := newTestMiddleware(t, Ledger(l))
	accepted := decide(t, m, acceptAll())
	before := len(ledgerRecords(t, l))

	forged := []struct {
		name    string
		header  map[string]string
		ctype   string
		body    string
		cookie  *http.Cookie
		comment string
	}{
		{name: "Origin and Sec-Fetch-Site cross-site", header: map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}},
		{name: "as JSON", header: map[string]string{"Origin": "https://evil.example", "Accept": "application/json"}},
		{name: "text/plain form", header: map[string]string{"Sec-Fetch-Site": "cross-site"}, ctype: "text/plain", body: "action=accept-all"},
		{name: "multipart form", header: map[string]string{"Sec-Fetch-Site": "cross-site"}, ctype: "multipart/form-data; boundary=X",
			body: "--X\r\nContent-Disposition: form-data; name=\"action\"\r\n\r\naccept-all\r\n--X--\r\n"},
		{name: "Origin null (sandboxed frame)", header: map[string]string{"Origin": "null"}},
		{name: "same host, other port", header: map[string]string{"Origin": "http://example.com:8080"}},
		{name: "sibling subdomain", header: map[string]string{"Origin": "http://evil.example.com"}},
		{name: "withdrawal forged for a visitor who accepted", header: map[string]string{"Sec-Fetch-Site": "cross-site"},
			body: "action=reject-all", cookie: accepted},
		{name: "upgrade forged for a visitor who rejected", header: map[string]string{"Origin": "https://evil.example"},
			body: "action=accept-all", cookie: decide(t, m, rejectAll())},
	}
	before++ // the reject-all just above
	for _, tt := range forged {
		t.Run(tt.name, func(t *testing.T) {
			body := tt.body
			if body == "" {
				body = "action=accept-all"
			}
			req := httptest.NewRequest(http.MethodPost, "/consent", strings.NewReader(body))
			ctype := tt.ctype
			if ctype == "" {
				ctype = "application/x-www-form-urlencoded"
			}
			req.Header.Set("Content-Type", ctype)
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			if tt.cookie != nil {
				req.AddCookie(tt.cookie)
			}
			rec := serve(m, req)
			assert.Equal(t, http.StatusForbidden, rec.Code)
			assert.Empty(t, rec.Header().Values("Set-Cookie"), "no consent cookie and no expiry")
			assert.Empty(t, rec.Header().Get("Location"))
		})
	}
	assert.Len(t, ledgerRecords(t, l), before, "nothing recorded")
	t.Run("the visitor's choice stands", func(t *testing.T) {
		assertAcceptedPage(t, get(m, cookieSite(), "/", accepted))
	})
	t.Run("the state is not readable cross-origin", func(t *testing.T) {
		req := withCookie(httptest.NewRequest(http.MethodGet, "/consent", nil), accepted)
		req.Header.Set("Origin", "https://evil.example")
		rec := serve(m, req)
		require.Equal(t, http.StatusOK, rec.Code)
		for k := range rec.Header() {
			assert.False(t, strings.HasPrefix(k, "Access-Control-"), "no CORS grant: %s", k)
		}
	})
	t.Run("same-origin POST still works", func(t *testing.T) {
		req := formRequest(rejectAll())
		req.Header.Set("Origin", "http://example.com")
		rec := serve(m, req)
		assert.Equal(t, http.StatusSeeOther, rec.Code)
		assert.Equal(t, []string{"consent"}, setCookieNames(rec.Header()))
	})
}

// consentSetCookie returns the raw Set-Cookie line of the consent cookie.
func consentSetCookie(t *testing.T, h http.Header, name string) string {
	t.Helper()
	for _, line := range h.Values("Set-Cookie") {
		if strings.HasPrefix(line, name+"=") {
			return line
		}
	}
	t.Fatalf("no %s cookie in %q", name, h.Values("Set-Cookie"))
	return ""
}

// The attributes as the browser receives them, on every path that sets the
// cookie: the consent POST (form and JSON) and the re-signing after a key
// rotation.
func TestConsentCookieAttributes(t *testing.T) {
	oldKey := store.KeyPair{Hash: bytes.Repeat([]byte{7}, 32)}
	tests := []struct {
		name   string
		opts   []Option
		cookie string
		secure bool
	}{
		{"default", nil, "consent", true},
		{"HostPrefix", []Option{HostPrefix()}, "__Host-consent", true},
		{"HostPrefix with a cookie name", []Option{HostPrefix(), CookieName("cg")}, "__Host-cg", true},
		{"InsecureDev", []Option{InsecureDev()}, "consent", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _ := newTestMiddleware(t, tt.opts...)
			check := func(t *testing.T, line string) {
				t.Helper()
				attrs := map[string]string{}
				parts := strings.Split(line, ";")
				for _, a := range parts[1:] {
					k, v, _ := strings.Cut(strings.TrimSpace(a), "=")
					attrs[strings.ToLower(k)] = v
				}
				_, secure := attrs["secure"]
				assert.Equal(t, tt.secure, secure, line)
				assert.Contains(t, attrs, "httponly", line)
				assert.Equal(t, "Lax", attrs["samesite"], line)
				assert.Equal(t, "/", attrs["path"], line)
				assert.NotContains(t, attrs, "domain", "host-only: %s", line)
				c, err := http.ParseSetCookie(line)
				require.NoError(t, err)
				assert.Positive(t, c.MaxAge)
				assert.LessOrEqual(t, c.MaxAge, int(store.DefaultLifetime/time.Second))
			}
			form := serve(m, formRequest(acceptAll()))
			check(t, consentSetCookie(t, form.Header(), tt.cookie))

			req := formRequest(save("analytics"))
			req.Header.Set("Accept", "application/json")
			check(t, consentSetCookie(t, serve(m, req).Header(), tt.cookie))

			old, _ := newTestMiddleware(t, append([]Option{Keys(oldKey)}, tt.opts...)...)
			oldCookie := decide(t, old, acceptAll())
			rotated, _ := newTestMiddleware(t, append([]Option{Keys(testKey, oldKey)}, tt.opts...)...)
			check(t, consentSetCookie(t, get(rotated, setsCookies(), "/", oldCookie).Header(), tt.cookie))
		})
	}
	t.Run("HostPrefix ignores an unprefixed cookie a subdomain could plant", func(t *testing.T) {
		plain, _ := newTestMiddleware(t)
		planted := decide(t, plain, acceptAll())
		prefixed, _ := newTestMiddleware(t, HostPrefix())
		assertUndecidedPage(t, get(prefixed, cookieSite(), "/", planted))
		genuine := decide(t, prefixed, acceptAll())
		assertAcceptedPage(t, get(prefixed, cookieSite(), "/", genuine))
	})
	t.Run("a handler cannot set or weaken the consent cookie", func(t *testing.T) {
		m, _ := newTestMiddleware(t)
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Add("Set-Cookie", "consent=forged; Path=/; SameSite=None")
		})
		assert.Empty(t, setCookieNames(get(m, h, "/").Header()))
	})
}

// TestNothingSensitiveInLogs runs the middleware through everything it
// logs about and checks the log for what must never be in it.
func TestNothingSensitiveInLogs(t *testing.T) {
	var logs syncbuf.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	keys := store.KeyPair{Hash: []byte("hash-key-material-0123456789abcd"), Block: []byte("block-key-material-0123456789abc")}
	dbPath := filepath.Join(t.TempDir(), "ledger.db")
	ledger, err := sqlite.Open(context.Background(), "sqlite://"+dbPath, store.LedgerRetention(0))
	require.NoError(t, err)
	m, err := New(testPolicy(), Keys(keys), Logger(logger), Ledger(ledger), Debug(true), GPC(true))
	require.NoError(t, err)

	const (
		clientIP  = "203.0.113.77"
		clientIP6 = "2001:db8:77::beef"
		userAgent = "SecretAgent/7.7"
	)
	secrets := []string{"SESSIONSECRET1", "GASECRET2", "TRACKERSECRET3", "MALFORMEDSECRET4", "OWNCONSENTSECRET5",
		"IDEMPOTENCYSECRET6", "GARBAGECONSENT7", "BRSECRET8"}
	site := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Set-Cookie", "session=SESSIONSECRET1; Path=/")
		w.Header().Add("Set-Cookie", "trk_undeclared=TRACKERSECRET3; Path=/")
		w.Header().Add("Set-Cookie", "bad name=MALFORMEDSECRET4")
		w.Header().Add("Set-Cookie", "consent=OWNCONSENTSECRET5; Path=/")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		switch r.URL.Path {
		case "/br":
			w.Header().Set("Content-Encoding", "br")
			_, _ = io.WriteString(w, "BRSECRET8")
		case "/gzip":
			w.Header().Set("Content-Encoding", "gzip")
			_, _ = io.WriteString(w, "not gzip at all")
		default:
			_, _ = io.WriteString(w, trackerPage)
		}
	})
	h := m.Handler(site)
	do := func(method, target, body, cookie string, header ...string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, target, strings.NewReader(body))
		req.RemoteAddr = clientIP + ":4711"
		req.Header.Set("User-Agent", userAgent)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		if body != "" {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		if cookie != "" {
			req.Header.Set("Cookie", cookie)
		}
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		rec := httptest.NewRecorder()
		defer func() {
			// A body that is not in its coding aborts the response.
			if v := recover(); v != nil && v != http.ErrAbortHandler {
				panic(v)
			}
		}()
		h.ServeHTTP(rec, req)
		return rec
	}

	browserCookies := "session=SESSIONSECRET1; _ga=GASECRET2"
	first := do(http.MethodPost, "/consent", "action=accept-all&return=/shop", browserCookies, "Idempotency-Key", "IDEMPOTENCYSECRET6")
	require.Equal(t, http.StatusSeeOther, first.Code)
	good := consentCookieOf(first, "consent")
	require.NotNil(t, good)
	tampered := good.Value[:20] + flip(good.Value[20]) + good.Value[21:]
	for _, cookie := range []string{
		"", browserCookies, browserCookies + "; consent=" + good.Value, "consent=" + tampered,
		"consent=GARBAGECONSENT7", "consent=" + strings.Repeat("GARBAGECONSENT7", 300),
	} {
		for _, path := range []string{"/", "/br", "/gzip", "/consent", "/consent/preferences"} {
			do(http.MethodGet, path, "", cookie)
		}
		do(http.MethodPost, "/consent", "action=save&category=analytics", cookie, "Accept", "application/json", "Sec-GPC", "1")
		do(http.MethodPost, "/consent", "action=bogus&category=GARBAGECONSENT7", cookie)
	}
	req := httptest.NewRequest(http.MethodPost, "/consent", strings.NewReader("action=reject-all"))
	req.RemoteAddr = "[" + clientIP6 + "]:443"
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	h.ServeHTTP(httptest.NewRecorder(), req)

	// The ledger fails: the decision is refused and the failure logged.
	require.NoError(t, ledger.Close())
	failed := do(http.MethodPost, "/consent", "action=accept-all", browserCookies+"; consent="+good.Value)
	require.Equal(t, http.StatusServiceUnavailable, failed.Code)

	out := logs.String()
	require.Contains(t, out, "undeclared cookie", "the test reaches the findings")
	require.Contains(t, out, "the ledger cannot record consent")
	require.Contains(t, out, "dropped a malformed Set-Cookie")
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		require.True(t, json.Valid(sc.Bytes()), "one JSON object per line: %s", sc.Text())
	}
	forbidden := append([]string{clientIP, clientIP6, "2001:db8:77:0:0:0:0:beef", userAgent, good.Value, tampered, dbPath}, secrets...)
	for _, k := range [][]byte{keys.Hash, keys.Block} {
		forbidden = append(forbidden, string(k), hex.EncodeToString(k), base64.StdEncoding.EncodeToString(k), base64.RawURLEncoding.EncodeToString(k))
	}
	for _, s := range forbidden {
		assert.NotContains(t, out, s)
	}
}

// The ledger end to end: what the database file and the exports hold after
// real decisions through the middleware.
func TestLedgerHoldsNoRawClientData(t *testing.T) {
	key := bytes.Repeat([]byte{0x5a}, 32)
	hashed, err := store.NewPseudonymizer(store.PseudonymConfig{IP: store.IPHash, Key: key})
	require.NoError(t, err)
	otherKey, err := store.NewPseudonymizer(store.PseudonymConfig{IP: store.IPHash, Key: bytes.Repeat([]byte{0x5b}, 32)})
	require.NoError(t, err)

	const (
		ipA, ipB, ip6 = "198.51.100.7", "198.51.100.8", "2001:db8:abcd:12::99"
		spoofed       = "192.0.2.200"
		userAgent     = "Mozilla/5.0 (SecretBrowser 9.9)"
	)
	raw := []string{ipA, ipB, ip6, "2001:db8:abcd:12:0:0:0:99", spoofed, userAgent, "SecretBrowser", "SESSIONSECRET"}
	post := func(m *Middleware, remote string) {
		req := formRequest(url.Values{"action": {"accept-all"}, "return": {"/account?email=alice@example.com"}})
		req.RemoteAddr = remote
		req.Header.Set("User-Agent", userAgent)
		req.Header.Set("X-Forwarded-For", spoofed)
		req.Header.Set("Cookie", "session=SESSIONSECRET")
		rec := serve(m, req)
		require.Equal(t, http.StatusSeeOther, rec.Code)
	}
	tests := []struct {
		name  string
		ps    *store.Pseudonymizer
		wantA string
		same  bool // A and B, in one /24, get the same value
	}{
		{"truncated (default)", nil, "198.51.100.0/24", true},
		{"keyed hash", hashed, hashed.IP(ipA), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			dbURL := "sqlite://" + filepath.Join(dir, "ledger.db")
			l, err := sqlite.Open(context.Background(), dbURL, store.LedgerRetention(0))
			require.NoError(t, err)
			opts := []Option{Ledger(l)}
			if tt.ps != nil {
				opts = append(opts, LedgerPseudonyms(tt.ps))
			}
			m, _ := newTestMiddleware(t, opts...)
			post(m, ipA+":1111")
			post(m, ipA+":2222") // another visitor on the same address
			post(m, ipB+":3333")
			post(m, "["+ip6+"]:4444")
			// A restart with the same key: the same address, the same value.
			m2, _ := newTestMiddleware(t, opts...)
			post(m2, ipA+":5555")

			recs := ledgerRecords(t, l)
			require.Len(t, recs, 5)
			a1, a2, b, v6, a3 := recs[0], recs[1], recs[2], recs[3], recs[4]
			assert.Equal(t, tt.wantA, a1.IP)
			assert.Equal(t, a1.IP, a2.IP, "one address, one pseudonym")
			assert.Equal(t, a1.IP, a3.IP, "stable across restarts with the same key")
			assert.NotEqual(t, a1.ConsentID, a2.ConsentID)
			assert.Equal(t, tt.same, a1.IP == b.IP)
			assert.NotEqual(t, a1.IP, v6.IP)
			if tt.ps != nil {
				assert.NotEqual(t, otherKey.IP(ipA), a1.IP, "another key, other pseudonyms")
			}
			for _, r := range recs {
				assert.Len(t, r.UserAgentHash, 64)
				assert.Equal(t, "/account", r.Path, "no query string")
			}

			var exports strings.Builder
			for _, f := range []store.ExportFormat{store.ExportJSONLines, store.ExportCSV} {
				require.NoError(t, l.Export(context.Background(), time.Time{}, time.Time{}, &exports, f))
			}
			require.NoError(t, l.Close())
			var stored []byte
			entries, err := os.ReadDir(dir)
			require.NoError(t, err)
			for _, e := range entries { // the database and any WAL left over
				b, err := os.ReadFile(filepath.Join(dir, e.Name()))
				require.NoError(t, err)
				stored = append(stored, b...)
			}
			require.Contains(t, string(stored), a1.ConsentID, "the file holds the records")
			for _, s := range append(raw, "alice@example.com") {
				assert.NotContains(t, exports.String(), s, "export")
				assert.False(t, bytes.Contains(stored, []byte(s)), "the database file holds %q", s)
			}
		})
	}
}
