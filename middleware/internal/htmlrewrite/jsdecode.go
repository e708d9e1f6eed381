package htmlrewrite

import (
	"bytes"
	"unicode/utf8"
	"unsafe"
)

// Script text is read as JavaScript reads its string literals before it is
// matched: "www\x2egoogletagmanager\u002ecom", "https:\/\/", "\u{2e}" and
// percent escapes ("%2F%2Fwww.clarity.ms", what decodeURIComponent makes
// of them) all spell the host they decode to. The decoding is done into a
// scratch buffer, and only for text that holds an escape.

// needsJSDecode reports whether text holds a backslash escape other than
// the common \n \r \t \" \' \\ (which cannot spell a host), or a percent
// escape.
func needsJSDecode(text []byte) bool {
	for i := 0; ; {
		j := bytes.IndexByte(text[i:], '\\')
		if j < 0 {
			break
		}
		i += j + 1
		if i >= len(text) {
			break
		}
		switch text[i] {
		case 'n', 'r', 't', '"', '\'', '\\':
			i++
		default:
			return true
		}
	}
	for i := 0; ; {
		j := bytes.IndexByte(text[i:], '%')
		if j < 0 {
			return false
		}
		i += j + 1
		if i+1 < len(text) && isHex(text[i]) && isHex(text[i+1]) {
			return true
		}
	}
}

// jsUnescape appends s with JavaScript string escapes decoded: \xHH,
// \uHHHH, \u{H...}, line continuations dropped, the control escapes (\n,
// \t, ...) as a space, and any other escaped character as itself.
func jsUnescape(dst, s []byte) []byte {
	for len(s) > 0 {
		k := bytes.IndexByte(s, '\\')
		if k < 0 {
			return append(dst, s...)
		}
		dst = append(dst, s[:k]...)
		s = s[k:]
		if len(s) == 1 {
			return append(dst, '\\')
		}
		c := s[1]
		switch {
		case c == 'x' && len(s) >= 4 && isHex(s[2]) && isHex(s[3]):
			dst = utf8.AppendRune(dst, rune(unhex(s[2])<<4|unhex(s[3])))
			s = s[4:]
		case c == 'u' && len(s) >= 6 && isHex(s[2]) && isHex(s[3]) && isHex(s[4]) && isHex(s[5]):
			r := rune(unhex(s[2]))<<12 | rune(unhex(s[3]))<<8 | rune(unhex(s[4]))<<4 | rune(unhex(s[5]))
			dst = utf8.AppendRune(dst, r)
			s = s[6:]
		case c == 'u' && len(s) >= 4 && s[2] == '{':
			i, r := 3, rune(0)
			for i < len(s) && i < 3+8 && isHex(s[i]) {
				r = r<<4 | rune(unhex(s[i]))
				i++
			}
			if i > 3 && i < len(s) && s[i] == '}' && r <= utf8.MaxRune {
				dst = utf8.AppendRune(dst, r)
				s = s[i+1:]
			} else {
				dst = append(dst, 'u')
				s = s[2:]
			}
		case c == '\n' || c == '\r':
			s = s[2:] // line continuation
		case c == 'n' || c == 'r' || c == 't' || c == 'b' || c == 'f' || c == 'v' || c == '0':
			dst = append(dst, ' ')
			s = s[2:]
		default:
			dst = append(dst, c)
			s = s[2:]
		}
	}
	return dst
}

// percentUnescape appends s with %HH escapes decoded.
func percentUnescape(dst, s []byte) []byte {
	for len(s) > 0 {
		k := bytes.IndexByte(s, '%')
		if k < 0 {
			return append(dst, s...)
		}
		dst = append(dst, s[:k]...)
		s = s[k:]
		if len(s) >= 3 && isHex(s[1]) && isHex(s[2]) {
			dst = append(dst, unhex(s[1])<<4|unhex(s[2]))
			s = s[3:]
		} else {
			dst = append(dst, '%')
			s = s[1:]
		}
	}
	return dst
}

// jsText returns text decoded as script strings are read (see
// needsJSDecode), in r's scratch buffers, or text itself when it holds no
// escape.
func (r *Rewriter) jsText(text []byte) []byte {
	if !needsJSDecode(text) {
		return text
	}
	r.js = jsUnescape(r.js[:0], text)
	if bytes.IndexByte(r.js, '%') >= 0 {
		r.js2 = percentUnescape(r.js2[:0], r.js)
		return r.js2
	}
	return r.js
}

// matchScript is Matcher.matchText over an inline script's text read as
// JavaScript strings.
func (r *Rewriter) matchScript(text []byte) (*Tracker, string) {
	return r.m.matchText(r.jsText(text), r.o.Granted)
}

// matchHandler judges an event handler attribute (or the text of a
// javascript: URL): character references decoded, then read as script.
func (r *Rewriter) matchHandler(v []byte) (*Tracker, string) {
	if r.m == nil || len(v) == 0 {
		return nil, ""
	}
	if bytes.IndexByte(v, '&') >= 0 {
		r.kw = decodeRefs(r.kw[:0], v)
		v = r.kw
	}
	return r.matchScript(v)
}

// javascriptURL returns the script of a "javascript:" URL (character
// references decoded, tabs and newlines dropped), nil for other URLs.
func javascriptURL(u []byte) []byte {
	for len(u) > 0 && u[0] <= ' ' {
		u = u[1:]
	}
	if len(u) < 11 || !eqFold(u[:11], "javascript:") {
		return nil
	}
	return u[11:]
}

// stringBytes views a string as bytes, read-only.
func stringBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }
