package banner

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"strings"
)

//go:embed assets/banner.css
var bannerCSS []byte

//go:embed assets/banner.js
var bannerJS []byte

// assetVersion changes with the assets, so that their URLs can be cached
// for good.
var assetVersion = func() string {
	h := sha256.New()
	h.Write(bannerCSS)
	h.Write(bannerJS)
	return hex.EncodeToString(h.Sum(nil))[:12]
}()

// Asset returns the banner's stylesheet ("banner.css") or script
// ("banner.js") and its Content-Type, for serving them as files.
func Asset(name string) (body []byte, contentType string, ok bool) {
	switch name {
	case "banner.css":
		return bannerCSS, "text/css; charset=utf-8", true
	case "banner.js":
		return bannerJS, "text/javascript; charset=utf-8", true
	}
	return nil, "", false
}

// AssetVersion identifies the current assets; asset URLs carry it so that
// they can be cached as immutable.
func AssetVersion() string { return assetVersion }

// Slots stand for the per-request values in the pre-rendered markup: the
// markup is rendered once per language, and only these are filled in.
const (
	returnSlot = "CONSENTGATERETURNSLOT"
	queryslot  = "CONSENTGATEQUERYSLOT"
)

// Banner renders what the middleware injects into HTML pages: the consent
// banner for a visitor who has not decided, the small "Cookie settings"
// control for one who has, and the stylesheet and script that go with
// them. Markup is rendered once per language from html/template; Append
// only fills in the page's path and the nonce. It is immutable and safe
// for concurrent use.
type Banner struct {
	prefix   string
	notices  [][]bannerPart // per language: the banner
	settings [][]bannerPart // per language: the settings control
}

// bannerPart is literal markup followed by the return path in one of two
// escaping contexts.
type bannerPart struct {
	markup []byte
	slot   slotKind
}

type slotKind uint8

const (
	slotNone  slotKind = iota
	slotAttr           // an attribute value: HTML-escaped
	slotQuery          // a URL query value inside an attribute: query-escaped
)

type bannerView struct {
	Prefix string
	Lang   string
	T      func(string) string
	Return string
	Query  string
}

// DefaultTemplate defines the "banner" and "settings" templates that
// NewBanner renders by default. A site can replace them (BannerTemplate):
// the data has Prefix, Lang, Return (the page's path, for a hidden "return"
// field), Query (the same, for a URL query) and T (call .T "id" gives a text
// in the visitor's language).
const DefaultTemplate = `{{define "banner"}}<div id="consentgate-banner" class="cg-banner" role="region" aria-label="{{call .T "banner.label"}}" lang="{{.Lang}}">` +
	`<div class="cg-inner"><p class="cg-title">{{call .T "banner.title"}}</p>` +
	`<p class="cg-notice">{{call .T "banner.notice"}} <a href="{{.Prefix}}/policy">{{call .T "banner.policy_link"}}</a></p>` +
	`<form class="cg-actions" method="post" action="{{.Prefix}}">` +
	`<input type="hidden" name="return" value="{{.Return}}">` +
	`<button type="submit" name="action" value="accept-all" class="cg-btn">{{call .T "banner.accept_all"}}</button>` +
	`<button type="submit" name="action" value="reject-all" class="cg-btn">{{call .T "banner.reject_all"}}</button>` +
	`<a class="cg-btn" href="{{.Prefix}}/preferences?return={{.Query}}" data-consent-open>{{call .T "banner.manage"}}</a>` +
	`</form></div></div>{{end}}` +
	`{{define "settings"}}<a id="consentgate-settings" class="cg-settings" href="{{.Prefix}}/preferences?return={{.Query}}" lang="{{.Lang}}" data-consent-open>{{call .T "banner.settings"}}</a>{{end}}`

// NewBanner renders the banner in every language of catalog (whose texts
// include the policy's own), for an endpoint mounted at prefix. tmpl
// replaces DefaultTemplate when not empty; it must define "banner" and
// "settings".
func NewBanner(catalog *Catalog, prefix, tmpl string) (*Banner, error) {
	if tmpl == "" {
		tmpl = DefaultTemplate
	}
	t, err := template.New("banner").Parse(tmpl)
	if err != nil {
		return nil, fmt.Errorf("%w: banner template: %w", ErrTexts, err)
	}
	for _, name := range []string{"banner", "settings"} {
		if t.Lookup(name) == nil {
			return nil, fmt.Errorf("%w: banner template: no {{define %q}}", ErrTexts, name)
		}
	}
	b := &Banner{prefix: prefix}
	for i := range catalog.Languages() {
		texts := catalog.Texts(i)
		v := bannerView{Prefix: prefix, Lang: texts.Lang(), T: texts.T, Return: returnSlot, Query: queryslot}
		notice, err := renderParts(t, "banner", v)
		if err != nil {
			return nil, err
		}
		settings, err := renderParts(t, "settings", v)
		if err != nil {
			return nil, err
		}
		b.notices = append(b.notices, notice)
		b.settings = append(b.settings, settings)
	}
	return b, nil
}

// renderParts renders one template and splits it at the slots, which the
// template leaves as they are (plain letters need no escaping).
func renderParts(t *template.Template, name string, v bannerView) ([]bannerPart, error) {
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, v); err != nil {
		return nil, fmt.Errorf("%w: banner template: %w", ErrTexts, err)
	}
	var parts []bannerPart
	s := buf.String()
	for {
		ri, qi := strings.Index(s, returnSlot), strings.Index(s, queryslot)
		switch {
		case ri < 0 && qi < 0:
			return append(parts, bannerPart{markup: []byte(s)}), nil
		case qi < 0 || (ri >= 0 && ri < qi):
			parts = append(parts, bannerPart{markup: []byte(s[:ri]), slot: slotAttr})
			s = s[ri+len(returnSlot):]
		default:
			parts = append(parts, bannerPart{markup: []byte(s[:qi]), slot: slotQuery})
			s = s[qi+len(queryslot):]
		}
	}
}

// Assets says how the stylesheet and script come with the markup.
type Assets uint8

const (
	// Inline puts them in <style> and <script> elements, with the nonce
	// when there is one.
	Inline Assets = iota
	// Files links them from under the consent prefix, which a
	// Content-Security-Policy allowing 'self' admits without a nonce.
	Files
)

// Injection is what one page gets.
type Injection struct {
	// Lang is the language index (Catalog.Pick).
	Lang int
	// Decided selects the settings control instead of the banner.
	Decided bool
	// Return is the page's path and query, already checked as safe.
	Return string
	// ScriptNonce and StyleNonce are the nonces of the response's
	// Content-Security-Policy, empty when it has none.
	ScriptNonce, StyleNonce string
	// Assets is Inline or Files.
	Assets Assets
}

// Append appends the markup for one page to dst.
func (b *Banner) Append(dst []byte, in Injection) []byte {
	if in.Lang < 0 || in.Lang >= len(b.notices) {
		in.Lang = 0
	}
	dst = b.appendStyle(dst, in)
	parts := b.notices[in.Lang]
	if in.Decided {
		parts = b.settings[in.Lang]
	}
	for _, p := range parts {
		dst = append(dst, p.markup...)
		switch p.slot {
		case slotAttr:
			dst = appendAttrEscaped(dst, in.Return)
		case slotQuery:
			dst = appendQueryEscaped(dst, in.Return)
		}
	}
	return b.appendScript(dst, in)
}

func (b *Banner) appendStyle(dst []byte, in Injection) []byte {
	if in.Assets == Files {
		dst = append(dst, `<link rel="stylesheet" href="`...)
		dst = appendAttrEscaped(dst, b.prefix) // the prefix is configuration, not markup
		dst = append(dst, "/assets/banner.css?v="...)
		dst = append(dst, assetVersion...)
		dst = append(dst, '"')
		dst = appendNonce(dst, in.StyleNonce)
		return append(dst, '>')
	}
	dst = append(dst, "<style"...)
	dst = appendNonce(dst, in.StyleNonce)
	dst = append(dst, '>')
	dst = append(dst, bannerCSS...)
	return append(dst, "</style>"...)
}

func (b *Banner) appendScript(dst []byte, in Injection) []byte {
	dst = append(dst, `<script data-prefix="`...)
	dst = appendAttrEscaped(dst, b.prefix)
	dst = append(dst, '"')
	dst = appendNonce(dst, in.ScriptNonce)
	if in.Assets == Files {
		dst = append(dst, ` defer src="`...)
		dst = appendAttrEscaped(dst, b.prefix)
		dst = append(dst, "/assets/banner.js?v="...)
		dst = append(dst, assetVersion...)
		return append(dst, `"></script>`...)
	}
	dst = append(dst, '>')
	dst = append(dst, bannerJS...)
	return append(dst, "</script>"...)
}

func appendNonce(dst []byte, nonce string) []byte {
	if nonce == "" {
		return dst
	}
	dst = append(dst, ` nonce="`...)
	dst = appendAttrEscaped(dst, nonce)
	return append(dst, '"')
}

// appendAttrEscaped appends s escaped for a double-quoted attribute value.
func appendAttrEscaped(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '&':
			dst = append(dst, "&amp;"...)
		case '"':
			dst = append(dst, "&#34;"...)
		case '\'':
			dst = append(dst, "&#39;"...)
		case '<':
			dst = append(dst, "&lt;"...)
		case '>':
			dst = append(dst, "&gt;"...)
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// appendQueryEscaped appends s escaped as a URL query value, as
// url.QueryEscape does but without allocating. Its output needs no further
// HTML escaping.
func appendQueryEscaped(dst []byte, s string) []byte {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_', c == '.', c == '~':
			dst = append(dst, c)
		case c == ' ':
			dst = append(dst, '+')
		default:
			dst = append(dst, '%', hex[c>>4], hex[c&15])
		}
	}
	return dst
}
