package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// startBehind runs the proxy in front of h with the site's policy.
func startBehind(t *testing.T, h http.Handler, extra ...string) *proxyRun {
	t.Helper()
	upstream := httptest.NewServer(h)
	t.Cleanup(upstream.Close)
	args := append([]string{"-upstream", upstream.URL, "-hash-key", testHash, "-block-key", testBlock,
		"-insecure-dev", "-policy", sitePolicyFile(t)}, extra...)
	return startProxy(t, nil, args...)
}

// postConsent posts action to the consent endpoint from origin, as a
// browser's form does, and returns the response.
func postConsent(t *testing.T, c *http.Client, proxyURL, origin, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, proxyURL+"/consent", strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", origin)
	if origin == proxyURL {
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	} else {
		req.Header.Set("Sec-Fetch-Site", "cross-site")
	}
	resp, err := c.Do(req)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	require.NoError(t, resp.Body.Close())
	return resp
}

// cookieNamed is the cookie called name that a response sets, nil if none.
func cookieNamed(resp *http.Response, name string) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func TestCookieNameAndLifetimeFlags(t *testing.T) {
	p := startSite(t, "-cookie-name", "cg", "-cookie-lifetime", "6mo")
	c := newVisitor(t)
	resp := postConsent(t, c, p.URL, p.URL, "action=accept-all&return=/")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Nil(t, cookieNamed(resp, "consent"), "the default name is not used")
	ck := cookieNamed(resp, "cg")
	require.NotNil(t, ck, "the consent cookie has the flag's name")
	assert.InDelta(t, 180*24*60*60, ck.MaxAge, 5, "6mo is 180 days")

	// The renamed cookie is read back: the visitor's trackers pass.
	_, body := get(t, c, p.URL+"/", nil)
	assert.Contains(t, body, gtagTag)
	assert.NotContains(t, body, bannerMark)
}

func TestTrustedOriginsFlag(t *testing.T) {
	const shop = "https://shop.example.com"
	for _, tc := range []struct {
		name string
		args []string
		want int
	}{
		{"refused by default", nil, http.StatusForbidden},
		{"trusted", []string{"-trusted-origins", "https://blog.example.com," + shop}, http.StatusSeeOther},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := startSite(t, tc.args...)
			resp := postConsent(t, newVisitor(t), p.URL, shop, "action=reject-all&return=/")
			assert.Equal(t, tc.want, resp.StatusCode)
		})
	}
}

func TestMaxFormBytesFlag(t *testing.T) {
	body := "action=accept-all&return=/&note=" + strings.Repeat("x", 400)
	for _, tc := range []struct {
		name   string
		args   []string
		stored bool
	}{
		{"default 16 KiB", nil, true},
		{"256 bytes", []string{"-max-form-bytes", "256"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := startSite(t, tc.args...)
			resp := postConsent(t, newVisitor(t), p.URL, p.URL, body)
			assert.Equal(t, tc.stored, resp.StatusCode == http.StatusSeeOther, "status %d", resp.StatusCode)
			assert.Equal(t, tc.stored, cookieNamed(resp, "consent") != nil)
		})
	}
}

func TestUndeclaredCategoryFlag(t *testing.T) {
	site := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "ab_test", Value: "b", Path: "/", MaxAge: 3600}) // in no policy
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, sitePage)
	})
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"refused by default", nil, nil},
		{"essential lets it through", []string{"-undeclared-category", "essential"}, []string{"ab_test"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := startBehind(t, site, tc.args...)
			c := newVisitor(t)
			decide(t, c, p.URL, "reject-all")
			resp, _ := get(t, c, p.URL+"/", nil)
			assert.Equal(t, tc.want, setCookies(resp))
		})
	}
}

func TestBeaconsFlag(t *testing.T) {
	const beacon = `<img src="https://pixel.unknown-tracker.example/p.gif" width="1" height="1">`
	site := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, "<!doctype html><html><head><title>x</title></head><body><p>Hi</p>"+beacon+"</body></html>")
	})
	for _, tc := range []struct {
		name string
		args []string
		kept bool
	}{
		{"removed by default", nil, false},
		{"kept with -beacons=false", []string{"-beacons=false"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := startBehind(t, site, append([]string{"-csp", "off"}, tc.args...)...)
			_, body := get(t, newVisitor(t), p.URL+"/", nil)
			assert.Equal(t, tc.kept, strings.Contains(body, "unknown-tracker.example"), body)
		})
	}
}

func TestSettingsControlFlag(t *testing.T) {
	const control = `id="consentgate-settings"`
	for _, tc := range []struct {
		name string
		args []string
		want bool
	}{
		{"on by default", nil, true},
		{"off", []string{"-settings-control=false"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := startSite(t, tc.args...)
			c := newVisitor(t)
			decide(t, c, p.URL, "accept-all")
			_, body := get(t, c, p.URL+"/", nil)
			assert.Equal(t, tc.want, strings.Contains(body, control))
		})
	}
}

func TestAssetFilesFlag(t *testing.T) {
	for _, tc := range []struct {
		name  string
		args  []string
		files bool
	}{
		{"inline by default", nil, false},
		{"files", []string{"-asset-files"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := startSite(t, tc.args...)
			_, body := get(t, newVisitor(t), p.URL+"/", nil)
			require.Contains(t, body, bannerMark)
			assert.Equal(t, tc.files, strings.Contains(body, "/consent/assets/banner.js?v="))
		})
	}
}

func TestLanguageFileFlag(t *testing.T) {
	p := startSite(t, "-language-file", writeFile(t, "es.yaml", spanishFile))
	_, body := get(t, newVisitor(t), p.URL+"/", map[string]string{"Accept-Language": "es-ES,es;q=0.9"})
	assert.Contains(t, body, "Aceptar todo", "the file's text, for a Spanish visitor")
	_, body = get(t, newVisitor(t), p.URL+"/", map[string]string{"Accept-Language": "en"})
	assert.NotContains(t, body, "Aceptar todo")
}

func TestConsentModeMapFlag(t *testing.T) {
	// Analytics storage waits for functionality here, not analytics.
	mapFile := writeFile(t, "map.yaml", "analytics_storage: [functionality]\n")
	for _, tc := range []struct {
		name string
		args []string
		want string // the update call for a visitor who granted analytics only
	}{
		{"default mapping", []string{"-consent-mode"}, `"analytics_storage":"granted"`},
		{"mapping file, implying -consent-mode", []string{"-consent-mode-map", mapFile}, `gtag('consent','update',{"analytics_storage":"denied"})`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := startSite(t, tc.args...)
			c := newVisitor(t)
			resp := postConsent(t, c, p.URL, p.URL, "action=save&category=analytics&return=/")
			require.Equal(t, http.StatusSeeOther, resp.StatusCode)
			_, body := get(t, c, p.URL+"/", nil)
			assert.Contains(t, body, "gtag('consent','default',")
			assert.Contains(t, body, tc.want)
		})
	}
}

func TestBannerTemplateFlag(t *testing.T) {
	tmpl := writeFile(t, "banner.tmpl", `{{define "banner"}}<div id="site-banner" lang="{{.Lang}}"><form method="post" action="{{.Prefix}}">`+
		`<button name="action" value="accept-all">{{call .T "banner.accept_all"}}</button></form></div>{{end}}`+
		`{{define "settings"}}<a id="site-settings" href="{{.Prefix}}/preferences">Cookies</a>{{end}}`)
	p := startSite(t, "-banner-template", tmpl)
	_, body := get(t, newVisitor(t), p.URL+"/", nil)
	assert.Contains(t, body, `<div id="site-banner" lang="en"><form method="post" action="/consent">`)
	assert.NotContains(t, body, bannerMark, "the built-in markup is replaced")
	assert.NotContains(t, body, "googletagmanager.com", "trackers are still refused")
}
