package htmlrewrite

import (
	"bytes"
	"unicode/utf8"
)

// CSS: url(), image-set() and @import in a style attribute or a <style>
// element fetch. The scanner cuts the text into segments at ';', '{' and
// '}' outside comments, strings and parentheses: a declaration or an
// at-rule statement each; a segment ending in '{' is a selector or an
// at-rule prelude and fetches nothing (@import has none). A segment whose
// URLs (url(...) and every string, read with CSS escapes decoded and
// comments dropped) name a blocked tracker is removed with its ';', the
// rest of the stylesheet stays.

// cssSpan is a removed segment of CSS text, [s, e).
type cssSpan struct{ s, e int }

// cssSegments calls f with each segment of css (start, end) and whether
// it ends a prelude ('{'); end includes the ';' that ends a segment.
func cssSegments(css []byte, f func(s, e int, prelude bool)) {
	s, depth := 0, 0
	for i := 0; i < len(css); i++ {
		switch c := css[i]; c {
		case '/':
			if i+1 < len(css) && css[i+1] == '*' {
				if k := bytes.Index(css[i+2:], commentEnd); k >= 0 {
					i += k + 3
				} else {
					i = len(css)
				}
			}
		case '"', '\'':
			for i++; i < len(css) && css[i] != c && css[i] != '\n'; i++ {
				if css[i] == '\\' {
					i++
				}
			}
		case '\\':
			i++
		case '(':
			depth++
		case ')':
			if depth > 0 {
				depth--
			}
		case ';', '{', '}':
			if depth > 0 && c == ';' {
				continue
			}
			depth = 0
			e := i
			if c == ';' {
				e = i + 1
			}
			f(s, e, c == '{')
			s = i + 1
		}
	}
	if s < len(css) {
		f(s, len(css), false)
	}
}

var commentEnd = []byte("*/")

// cssUnescape appends s with comments dropped and CSS escapes decoded
// (hex escapes of up to six digits with one optional whitespace after,
// escaped newlines dropped, any other escaped character as itself).
func cssUnescape(dst, s []byte) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '/' && i+1 < len(s) && s[i+1] == '*':
			if k := bytes.Index(s[i+2:], commentEnd); k >= 0 {
				i += k + 3
			} else {
				i = len(s)
			}
			dst = append(dst, ' ')
		case c == '\\' && i+1 < len(s):
			i++
			if isHex(s[i]) {
				var r rune
				k := 0
				for k < 6 && i < len(s) && isHex(s[i]) {
					r = r<<4 | rune(unhex(s[i]))
					i++
					k++
				}
				if i < len(s) && isWS(s[i]) {
					i++
				}
				i--
				if r == 0 || r > utf8.MaxRune || r >= 0xD800 && r <= 0xDFFF {
					r = utf8.RuneError
				}
				dst = utf8.AppendRune(dst, r)
			} else if s[i] != '\n' && s[i] != '\r' && s[i] != '\f' {
				dst = append(dst, s[i])
			}
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// cssURLs calls f with each URL a decoded CSS segment can fetch, until f
// returns true: the argument of url( (quoted or not), the strings in
// image-set(), image() and cross-fade() (prefixed or not), and the string
// of an @import.
func cssURLs(seg []byte, f func(u []byte) bool) bool {
	t := bytes.TrimLeft(seg, " \t\n\f\r")
	imp := len(t) >= 7 && eqFold(t[:7], "@import")
	var fn [8]bool // per open parenthesis: a function whose strings are URLs
	depth := 0
	for i := 0; i < len(seg); i++ {
		c := seg[i]
		switch {
		case c == '"' || c == '\'':
			k := bytes.IndexByte(seg[i+1:], c)
			if k < 0 {
				k = len(seg) - i - 1
			}
			if (imp && depth == 0 || depth > 0 && depth <= len(fn) && fn[depth-1]) && f(seg[i+1:i+1+k]) {
				return true
			}
			i += k + 1
		case c == '(':
			n := i
			for n > 0 && (isLabelByte[seg[n-1]]) {
				n--
			}
			name := seg[n:i]
			if depth < len(fn) {
				fn[depth] = eqFold(name, "url") || cssImageFunc(name)
			}
			depth++
			if !eqFold(name, "url") {
				continue
			}
			k := i + 1
			for k < len(seg) && isWS(seg[k]) {
				k++
			}
			if k < len(seg) && (seg[k] == '"' || seg[k] == '\'') {
				continue // a string: taken above
			}
			e := bytes.IndexByte(seg[k:], ')')
			if e < 0 {
				e = len(seg) - k
			}
			if f(bytes.TrimRight(seg[k:k+e], " \t\n\f\r")) {
				return true
			}
			i = k + e - 1
		case c == ')':
			if depth > 0 {
				depth--
			}
		}
	}
	return false
}

// cssImageFunc: the image functions whose strings are URLs.
func cssImageFunc(name []byte) bool {
	if name = bytes.TrimPrefix(name, []byte("-webkit-")); len(name) > 0 {
		return eqFold(name, "image-set") || eqFold(name, "image") || eqFold(name, "cross-fade")
	}
	return false
}

// cssBlocked appends to spans the segments of css that name a blocked
// tracker, reporting each (kind "style"). It looks only when css holds a
// '(' or a string: other CSS fetches nothing.
func (r *Rewriter) cssBlocked(spans []cssSpan, css []byte) []cssSpan {
	if bytes.IndexByte(css, '(') < 0 && bytes.IndexByte(css, '"') < 0 && bytes.IndexByte(css, '\'') < 0 {
		return spans
	}
	cssSegments(css, func(s, e int, prelude bool) {
		if prelude {
			return
		}
		seg := css[s:e]
		if bytes.IndexByte(seg, '\\') >= 0 || bytes.Contains(seg, commentStart) {
			r.cssBuf = cssUnescape(r.cssBuf[:0], seg)
			seg = r.cssBuf
		}
		var bt *Tracker
		var host []byte
		cssURLs(seg, func(u []byte) bool {
			if hasTabNL(u) {
				r.dec = stripTabNL(r.dec[:0], u)
				u = r.dec
			}
			t, h, v := r.checkDecoded(u)
			if v == vBlocked {
				bt, host = t, h
				return true
			}
			if h != nil {
				r.kept("style", h, t)
			}
			return false
		})
		if bt != nil {
			spans = append(spans, cssSpan{s, e})
			r.reportAttr("style", host, bt)
		}
	})
	return spans
}

var commentStart = []byte("/*")

// cutSpans appends css without the spans.
func cutSpans(dst, css []byte, spans []cssSpan) []byte {
	prev := 0
	for _, sp := range spans {
		dst = append(dst, css[prev:sp.s]...)
		prev = sp.e
	}
	return append(dst, css[prev:]...)
}

// styleAttr judges a style attribute: when declarations in it name a
// blocked tracker, it adds the edit that rewrites the attribute without
// them (the value decoded, cut and escaped again) and returns true.
func (r *Rewriter) styleAttr(view []byte, a attr) bool {
	v := view[a.vs:a.ve]
	if bytes.IndexByte(v, '&') >= 0 {
		r.lst = decodeRefs(r.lst[:0], v)
		v = r.lst
	}
	r.spans = r.cssBlocked(r.spans[:0], v)
	if len(r.spans) == 0 {
		return false
	}
	r.cssOut = cutSpans(r.cssOut[:0], v, r.spans)
	cut := string(r.cssOut) // the edit outlives the scratch buffers
	ins := make([]byte, 0, len(cut)+len(view[a.ns:a.ne])+3)
	ins = append(ins, view[a.ns:a.ne]...)
	ins = append(ins, `="`...)
	ins = appendAttrEscaped(ins, cut)
	ins = append(ins, '"')
	r.edits = append(r.edits, edit{pos: a.ns, del: a.end - a.ns, ins: ins})
	return true
}

// styleHold holds a <style> element's text up to its end tag (at most
// MaxScriptBytes), then decides on it.
func (r *Rewriter) styleHold(b []byte, i int) int {
	if r.styleEnter {
		r.styleEnter = false
		r.ts = i
		r.tok = r.tok[:0]
	}
	room := MaxScriptBytes - len(r.tok) - (i - r.ts)
	lim, capped := len(b), false
	if lim-i > room {
		lim, capped = i+room, true
	}
	j, found := rawScan(b[:lim], i, r.rawName, &r.rawN)
	if !found && !capped {
		return len(b)
	}
	view := r.tokView(b, j)
	r.decideStyle(view, found)
	r.tok = r.tok[:0]
	r.ts = j
	return j
}

// decideStyle emits held <style> text without the segments that name a
// blocked tracker. With end, view ends with "</style" of the end tag;
// without, the text was cut at MaxScriptBytes (the rest streams through
// unread) or at Close.
func (r *Rewriter) decideStyle(view []byte, end bool) {
	text := view
	if end {
		text = view[:len(view)-len("</style")]
	}
	r.spans = r.cssBlocked(r.spans[:0], text)
	if len(r.spans) == 0 {
		r.emit(view)
	} else {
		prev := 0
		for _, sp := range r.spans {
			r.emit(text[prev:sp.s])
			prev = sp.e
		}
		r.emit(view[prev:])
	}
	if end {
		r.state, r.rawDrop, r.tsc = stEndTail, false, tagScan{}
	} else {
		r.state, r.rawDrop = stRaw, false
	}
}
