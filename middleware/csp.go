package middleware

import (
	"net/http"
	"strings"

	"github.com/consentgate/consent/banner"
)

// cspAllowance is what a response's Content-Security-Policy lets the
// injected stylesheet and script do.
type cspAllowance struct {
	scriptNonce, styleNonce string
	// inlineBlocked: some policy admits neither a nonce nor
	// 'unsafe-inline' for scripts or styles, so inline assets would not
	// run; they are linked as files instead.
	inlineBlocked bool
}

// cspFor reads the Content-Security-Policy headers of a response. Report-only
// policies block nothing and are ignored.
func cspFor(h http.Header) cspAllowance {
	var a cspAllowance
	for _, policy := range h.Values("Content-Security-Policy") {
		script, sOK := effectiveSource(policy, "script-src-elem", "script-src", "default-src")
		style, tOK := effectiveSource(policy, "style-src-elem", "style-src", "default-src")
		for _, d := range []struct {
			src   string
			ok    bool
			nonce *string
		}{{script, sOK, &a.scriptNonce}, {style, tOK, &a.styleNonce}} {
			if !d.ok {
				continue // the policy does not restrict this kind
			}
			nonce, unsafeInline := sourceNonce(d.src)
			switch {
			case nonce != "":
				if *d.nonce == "" {
					*d.nonce = nonce
				}
			case !unsafeInline:
				a.inlineBlocked = true
			}
		}
	}
	return a
}

// effectiveSource returns the source list of the first of the directives
// that the policy sets, in order of precedence.
func effectiveSource(policy string, names ...string) (string, bool) {
	for _, name := range names {
		for directive := range strings.SplitSeq(policy, ";") {
			directive = strings.TrimSpace(directive)
			n, rest, _ := strings.Cut(directive, " ")
			if strings.EqualFold(n, name) {
				return rest, true
			}
		}
	}
	return "", false
}

// sourceNonce finds a 'nonce-…' source and 'unsafe-inline' in a source list.
// Browsers ignore 'unsafe-inline' when a nonce is present, so the nonce wins.
func sourceNonce(src string) (nonce string, unsafeInline bool) {
	for _, tok := range strings.Fields(src) {
		if len(tok) > len("'nonce-'") && strings.HasPrefix(strings.ToLower(tok), "'nonce-") && tok[len(tok)-1] == '\'' {
			if v := tok[len("'nonce-") : len(tok)-1]; nonce == "" && isBase64(v) {
				nonce = v
			}
		} else if strings.EqualFold(tok, "'unsafe-inline'") {
			unsafeInline = true
		}
	}
	return nonce, unsafeInline
}

// injection builds what the banner injects into this response.
func (rw *responseWriter) injection(h http.Header, lang int) banner.Injection {
	in := banner.Injection{
		Lang:    lang,
		Decided: rw.consent.Decided(),
		Return:  SafeReturn(rw.req.URL.RequestURI()),
		Assets:  rw.m.assets,
	}
	if _, ok := h["Content-Security-Policy"]; ok {
		csp := cspFor(h)
		in.ScriptNonce, in.StyleNonce = csp.scriptNonce, csp.styleNonce
		if csp.inlineBlocked {
			in.Assets = banner.Files
		}
	}
	return in
}

// isBase64 reports whether a nonce is base64 or base64url, the only forms
// CSP allows; anything else is not copied into the page.
func isBase64(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '+' || c == '/' || c == '=' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
