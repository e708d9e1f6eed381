package banner

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"

	"github.com/consentgate/consent"
)

// TextNotice is the Policy.Texts key of the banner's notice.
const TextNotice = "banner.notice"

// defaultNotice is the banner's notice when the policy has no TextNotice.
const defaultNotice = "We use essential cookies to run this site. With your permission we and our partners also use cookies and web beacons for analytics, functionality and advertising. You can accept or reject them all, or choose in the preferences."

// returnSlot stands for the return path in the pre-rendered banner: the
// banner is rendered once and only the path is filled in per request.
const returnSlot = "CONSENTGATERETURNSLOT"

// Banner is the consent notice injected into HTML pages of visitors who
// have not decided. It is rendered once from the policy; Append fills in the
// page's path without running a template per request. It is immutable and
// safe for concurrent use.
type Banner struct {
	parts []bannerPart
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
	Notice string
	Return string
	Query  string
}

var bannerTmpl = template.Must(template.New("banner").Parse(
	`<div id="consentgate-banner" class="consentgate-banner" role="region" aria-label="Cookie consent">` +
		`<p>{{.Notice}} <a href="{{.Prefix}}/policy">Cookie policy</a></p>` +
		`<form method="post" action="{{.Prefix}}">` +
		`<input type="hidden" name="return" value="{{.Return}}">` +
		`<button type="submit" name="action" value="accept-all">Accept all</button> ` +
		`<button type="submit" name="action" value="reject-all">Reject all</button> ` +
		`<a href="{{.Prefix}}/preferences?return={{.Query}}">Manage Preferences</a>` +
		`</form></div>`))

// NewBanner renders the banner of policy for an endpoint mounted at prefix.
func NewBanner(policy *consent.Policy, prefix string) (*Banner, error) {
	notice := defaultNotice
	if t := policy.Texts[TextNotice]; t != "" {
		notice = t
	}
	var buf bytes.Buffer
	v := bannerView{Prefix: prefix, Notice: notice, Return: returnSlot, Query: returnSlot}
	if err := bannerTmpl.Execute(&buf, v); err != nil {
		return nil, fmt.Errorf("banner: %w", err)
	}
	// The template escapes neither slot (it is plain letters), so each
	// occurrence is where a path goes; the second is inside the query.
	pieces := strings.Split(buf.String(), returnSlot)
	if len(pieces) != 3 {
		return nil, fmt.Errorf("banner: return path slot found %d times, want 2", len(pieces)-1)
	}
	return &Banner{parts: []bannerPart{
		{markup: []byte(pieces[0]), slot: slotAttr},
		{markup: []byte(pieces[1]), slot: slotQuery},
		{markup: []byte(pieces[2])},
	}}, nil
}

// Append appends the banner markup for a page at returnPath (a path with
// an optional query, already checked by the caller) to dst.
func (b *Banner) Append(dst []byte, returnPath string) []byte {
	for _, p := range b.parts {
		dst = append(dst, p.markup...)
		switch p.slot {
		case slotAttr:
			dst = appendAttrEscaped(dst, returnPath)
		case slotQuery:
			dst = appendQueryEscaped(dst, returnPath)
		}
	}
	return dst
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
