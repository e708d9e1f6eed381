package banner

import (
	"bytes"
	"compress/gzip"
	"strings"
	"testing"

	"github.com/consentgate/consent"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newTestBanner(t testing.TB, p *consent.Policy, prefix string) (*Banner, *Catalog) {
	t.Helper()
	c, err := NewCatalog(p)
	require.NoError(t, err)
	b, err := NewBanner(c, prefix, "")
	require.NoError(t, err)
	return b, c
}

func TestBannerMarkup(t *testing.T) {
	b, _ := newTestBanner(t, consent.DefaultPolicy(), "/consent")
	tests := []struct {
		name, path string
		want       []string
	}{
		{"plain path", "/about", []string{
			`<div id="consentgate-banner" class="cg-banner" role="region" aria-label="Cookie consent" lang="en">`,
			`<form class="cg-actions" method="post" action="/consent">`,
			`<input type="hidden" name="return" value="/about">`,
			`<button type="submit" name="action" value="accept-all" class="cg-btn">Accept all</button>`,
			`<button type="submit" name="action" value="reject-all" class="cg-btn">Reject all</button>`,
			`<a class="cg-btn" href="/consent/preferences?return=%2Fabout" data-consent-open>Manage Preferences</a>`,
			`<a href="/consent/policy">Cookie policy</a>`,
		}},
		{"query", "/shop?q=a b&x=1", []string{
			`value="/shop?q=a b&amp;x=1"`,
			`?return=%2Fshop%3Fq%3Da+b%26x%3D1"`,
		}},
		{"markup in the path is escaped", `/"><script>alert(1)</script>`, []string{
			`value="/&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"`,
			`?return=%2F%22%3E%3Cscript%3Ealert%281%29%3C%2Fscript%3E"`,
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := string(b.Append(nil, Injection{Return: tc.path}))
			assert.True(t, strings.HasPrefix(got, `<style>`), got[:40])
			assert.Equal(t, 1, strings.Count(got, "<script"), "only the banner script")
			assert.NotContains(t, got, "alert(1)</script>")
			for _, w := range tc.want {
				assert.Contains(t, got, w)
			}
			// Equal weight: the three actions share one class and style.
			assert.Equal(t, 3, strings.Count(got, `class="cg-btn"`))
		})
	}
}

func TestSettingsControlForDecidedVisitors(t *testing.T) {
	b, _ := newTestBanner(t, consent.DefaultPolicy(), "/consent")
	got := string(b.Append(nil, Injection{Decided: true, Return: "/x"}))
	assert.NotContains(t, got, `<div id="consentgate-banner"`)
	assert.Contains(t, got, `<a id="consentgate-settings" class="cg-settings" href="/consent/preferences?return=%2Fx" lang="en" data-consent-open>Cookie settings</a>`)
}

func TestBannerLanguages(t *testing.T) {
	b, c := newTestBanner(t, consent.DefaultPolicy(), "/consent")
	for _, tc := range []struct{ accept, lang, accept1 string }{
		{"de-DE,de;q=0.9,en;q=0.5", "de", "Alle akzeptieren"},
		{"fr-CA", "fr", "Tout accepter"},
		{"ja", "en", "Accept all"},
		{"", "en", "Accept all"},
	} {
		t.Run(tc.accept, func(t *testing.T) {
			got := string(b.Append(nil, Injection{Lang: c.Pick(tc.accept), Return: "/"}))
			assert.Contains(t, got, `lang="`+tc.lang+`"`)
			assert.Contains(t, got, `value="accept-all" class="cg-btn">`+tc.accept1+`</button>`)
		})
	}
}

func TestBannerNoticeFromThePolicyIsEscaped(t *testing.T) {
	p := consent.DefaultPolicy()
	p.Texts = map[string]string{"banner.notice": `We <b>bake</b> cookies & "track".`, "de:banner.title": `<img src=x onerror=alert(1)>`}
	c, err := NewCatalog(p)
	require.NoError(t, err)
	b, err := NewBanner(c, "/privacy", "")
	require.NoError(t, err)
	got := string(b.Append(nil, Injection{Return: "/"}))
	assert.Contains(t, got, `We &lt;b&gt;bake&lt;/b&gt; cookies &amp; &#34;track&#34;.`)
	assert.Contains(t, got, `action="/privacy"`)
	de := string(b.Append(nil, Injection{Lang: c.Pick("de"), Return: "/"}))
	assert.Contains(t, de, `&lt;img src=x onerror=alert(1)&gt;`)
	assert.NotContains(t, de, `<img`)
}

func TestBannerAssetsAndNonces(t *testing.T) {
	b, _ := newTestBanner(t, consent.DefaultPolicy(), "/consent")
	t.Run("inline with nonces", func(t *testing.T) {
		got := string(b.Append(nil, Injection{Return: "/", ScriptNonce: "abc123", StyleNonce: `s"1`}))
		assert.True(t, strings.HasPrefix(got, `<style nonce="s&#34;1">`), got[:40])
		assert.Contains(t, got, `<script data-prefix="/consent" nonce="abc123">`)
	})
	t.Run("files", func(t *testing.T) {
		got := string(b.Append(nil, Injection{Return: "/", Assets: Files, ScriptNonce: "n1"}))
		assert.Contains(t, got, `<link rel="stylesheet" href="/consent/assets/banner.css?v=`+AssetVersion()+`">`)
		assert.Contains(t, got, `<script data-prefix="/consent" nonce="n1" defer src="/consent/assets/banner.js?v=`+AssetVersion()+`"></script>`)
		assert.NotContains(t, got, "<style")
	})
	t.Run("asset lookup", func(t *testing.T) {
		body, ctype, ok := Asset("banner.js")
		require.True(t, ok)
		assert.Equal(t, "text/javascript; charset=utf-8", ctype)
		assert.NotEmpty(t, body)
		_, _, ok = Asset("../banner.go")
		assert.False(t, ok)
	})
}

// The script must run under a strict CSP: no eval, no inline handlers, no
// innerHTML.
func TestBannerScriptIsCSPSafe(t *testing.T) {
	js, _, _ := Asset("banner.js")
	for _, bad := range []string{"eval(", "innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "new Function", "onclick", "setAttribute(\"on"} {
		assert.NotContains(t, string(js), bad)
	}
	b, _ := newTestBanner(t, consent.DefaultPolicy(), "/consent")
	markup := string(b.Append(nil, Injection{Return: "/", Assets: Files}))
	assert.NotRegexp(t, `\son[a-z]+\s*=`, markup, "no inline event handler attributes")
}

// The whole payload a page gets — markup, CSS and JavaScript — stays within
// 6 KB gzipped (Klaro ships about 37 KB, orestbida's CookieConsent about 15).
func TestBannerPayloadBudget(t *testing.T) {
	b, c := newTestBanner(t, consent.DefaultPolicy(), "/consent")
	for _, lang := range c.Languages() {
		payload := b.Append(nil, Injection{Lang: c.Pick(lang), Return: "/a/typical/page?with=query"})
		var z bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&z, gzip.DefaultCompression)
		_, _ = zw.Write(payload)
		require.NoError(t, zw.Close())
		t.Logf("%s: banner payload %d bytes, %d gzipped", lang, len(payload), z.Len())
		assert.LessOrEqual(t, z.Len(), 6*1024)
	}
}

func TestBannerAppendDoesNotAllocate(t *testing.T) {
	b, _ := newTestBanner(t, consent.DefaultPolicy(), "/consent")
	buf := make([]byte, 0, 16<<10)
	allocs := testing.AllocsPerRun(100, func() {
		buf = b.Append(buf[:0], Injection{Return: "/shop?page=2", ScriptNonce: "n"})
	})
	assert.Zero(t, allocs)
}

func TestBannerTemplateCanBeReplaced(t *testing.T) {
	c, err := NewCatalog(consent.DefaultPolicy())
	require.NoError(t, err)
	b, err := NewBanner(c, "/consent", `{{define "banner"}}<aside id="consentgate-banner" aria-label="{{call .T "banner.label"}}"><form method="post" action="{{.Prefix}}"><input type="hidden" name="return" value="{{.Return}}"><button name="action" value="accept-all">OK</button></form></aside>{{end}}{{define "settings"}}<a href="{{.Prefix}}/preferences">prefs</a>{{end}}`)
	require.NoError(t, err)
	got := string(b.Append(nil, Injection{Return: "/a?b=<c>"}))
	assert.Contains(t, got, `<aside id="consentgate-banner" aria-label="Cookie consent"><form method="post" action="/consent"><input type="hidden" name="return" value="/a?b=&lt;c&gt;">`)

	for _, bad := range []string{`{{define "banner"}}x{{end}}`, `{{define "banner"}}{{end}}{{define "settings"}}{{.Nope}}{{end}}`, `{{`} {
		_, err := NewBanner(c, "/consent", bad)
		assert.ErrorIs(t, err, ErrTexts, bad)
	}
}
