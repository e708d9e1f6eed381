package htmlrewrite

import (
	"bytes"
	"encoding/binary"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// Byte classes inside a tag.
const (
	cOther uint8 = iota
	cWS
	cSlash
	cGT
	cEq
	cDQ
	cSQ
)

var tagClass = func() (t [256]uint8) {
	for _, c := range []byte{' ', '\t', '\n', '\f', '\r'} {
		t[c] = cWS
	}
	t['/'] = cSlash
	t['>'] = cGT
	t['='] = cEq
	t['"'] = cDQ
	t['\''] = cSQ
	return t
}()

func isWS(c byte) bool { return tagClass[c] == cWS }

// Tag scanner states (HTML standard §13.2.5.8 ff., merged where the
// difference does not matter for finding the end of the tag).
const (
	tsName uint8 = iota
	tsBeforeAttr
	tsAttrName
	tsAfterAttrName
	tsBeforeVal
	tsDQ
	tsSQ
	tsUnq
	tsAfterQ
	tsSelfClose
)

// tagScan finds the '>' that ends a start or end tag, honouring quoted
// attribute values. It is resumable: scan can be called again with the
// next input after it returned false.
type tagScan struct {
	st          uint8
	selfClosing bool // valid after scan returned true
}

// scan continues at b[i]. It returns the index just after the closing '>'
// and true, or len(b) and false when b ended inside the tag.
func (s *tagScan) scan(b []byte, i int) (int, bool) {
	st := s.st
	for i < len(b) {
		switch st {
		case tsName, tsAttrName, tsUnq:
			// Runs of ordinary bytes.
			for i < len(b) && tagClass[b[i]] == cOther {
				i++
			}
			if i == len(b) {
				s.st = st
				return i, false
			}
			c := tagClass[b[i]]
			i++
			switch st {
			case tsName:
				switch c {
				case cWS:
					st = tsBeforeAttr
				case cSlash:
					st = tsSelfClose
				case cGT:
					s.st, s.selfClosing = tsName, false
					return i, true
				}
				// '=' and quotes belong to the tag name.
			case tsAttrName:
				switch c {
				case cWS:
					st = tsAfterAttrName
				case cSlash:
					st = tsSelfClose
				case cGT:
					s.st, s.selfClosing = tsName, false
					return i, true
				case cEq:
					st = tsBeforeVal
				}
			case tsUnq:
				switch c {
				case cWS:
					st = tsBeforeAttr
				case cGT:
					s.st, s.selfClosing = tsName, false
					return i, true
				}
			}
		case tsDQ, tsSQ:
			q := byte('"')
			if st == tsSQ {
				q = '\''
			}
			j := bytes.IndexByte(b[i:], q)
			if j < 0 {
				s.st = st
				return len(b), false
			}
			i += j + 1
			st = tsAfterQ
		default:
			c := tagClass[b[i]]
			i++
			switch st {
			case tsBeforeAttr:
				switch c {
				case cWS:
				case cSlash:
					st = tsSelfClose
				case cGT:
					s.st, s.selfClosing = tsName, false
					return i, true
				default: // '=' or anything else starts a name
					st = tsAttrName
				}
			case tsAfterAttrName:
				switch c {
				case cWS:
				case cSlash:
					st = tsSelfClose
				case cEq:
					st = tsBeforeVal
				case cGT:
					s.st, s.selfClosing = tsName, false
					return i, true
				default:
					st = tsAttrName
				}
			case tsBeforeVal:
				switch c {
				case cWS:
				case cDQ:
					st = tsDQ
				case cSQ:
					st = tsSQ
				case cGT:
					s.st, s.selfClosing = tsName, false
					return i, true
				default:
					st = tsUnq
				}
			case tsAfterQ:
				switch c {
				case cWS:
					st = tsBeforeAttr
				case cSlash:
					st = tsSelfClose
				case cGT:
					s.st, s.selfClosing = tsName, false
					return i, true
				default:
					st = tsAttrName
				}
			case tsSelfClose:
				switch c {
				case cGT:
					s.st, s.selfClosing = tsName, true
					return i, true
				case cWS:
					st = tsBeforeAttr
				case cSlash:
				default:
					st = tsAttrName
				}
			}
		}
	}
	s.st = st
	return i, false
}

// attr is one attribute of a complete tag, as offsets into the tag.
type attr struct {
	ns, ne int // name
	vs, ve int // value, without quotes (vs == ve when empty or absent)
	end    int // just after the value (or the name)
	hasVal bool
}

// nextAttr parses the attribute at or after t[i] of a complete tag t (which
// ends with '>'). It returns false when there are no more attributes.
func nextAttr(t []byte, i int) (a attr, next int, ok bool) {
	n := len(t) - 1 // the final '>'
	for i < n && (tagClass[t[i]] == cWS || t[i] == '/') {
		i++
	}
	if i >= n {
		return a, n, false
	}
	a.ns = i
	i++ // the first byte may be '='
	for i < n {
		c := tagClass[t[i]]
		if c == cWS || c == cSlash || c == cGT || c == cEq {
			break
		}
		i++
	}
	a.ne = i
	a.end = i
	k := i
	for k < n && tagClass[t[k]] == cWS {
		k++
	}
	if k < n && t[k] == '=' {
		k++
		for k < n && tagClass[t[k]] == cWS {
			k++
		}
		a.hasVal = true
		switch {
		case k < n && (t[k] == '"' || t[k] == '\''):
			e := bytes.IndexByte(t[k+1:n], t[k])
			if e < 0 {
				a.vs, a.ve, a.end = k+1, n, n
			} else {
				a.vs, a.ve, a.end = k+1, k+1+e, k+2+e
			}
		default:
			s := k
			for k < n && tagClass[t[k]] != cWS {
				k++
			}
			a.vs, a.ve, a.end = s, k, k
		}
	}
	return a, a.end, true
}

func eqFold(b []byte, lowerName string) bool {
	if len(b) != len(lowerName) {
		return false
	}
	for i := 0; i < len(b); i++ {
		if lower(b[i]) != lowerName[i] {
			return false
		}
	}
	return true
}

// Script data scanner states (HTML standard §13.2.5.15 ff.).
const (
	ssData uint8 = iota
	ssLT
	ssEndOpen
	ssEndName
	ssEscStart
	ssEscStartDash
	ssEsc
	ssEscDash
	ssEscDashDash
	ssEscLT
	ssEscEndOpen
	ssEscEndName
	ssDblStart
	ssDbl
	ssDblDash
	ssDblDashDash
	ssDblLT
	ssDblEnd
)

// scriptScan finds the end tag of a script element's text, following the
// script data, escaped and double-escaped states, so that a "</script>"
// inside "<!--<script>" does not end the element. Resumable.
type scriptScan struct {
	st uint8
	n  uint8 // letters of the tag name seen
	ok bool  // those letters spell a prefix of "script"
}

func (s *scriptScan) name(c byte) {
	if s.n < 6 && lower(c) == "script"[s.n] {
		s.n++
		return
	}
	s.ok = false
	if s.n < 7 {
		s.n++
	}
}

func (s *scriptScan) isScript() bool { return s.ok && s.n == 6 }

func isDelim(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == '/' || c == '>'
}

// scan continues at b[i]; found reports an appropriate end tag "</script"
// followed by whitespace, '/' or '>', and j is the index of that byte.
// Otherwise j is len(b).
func (s *scriptScan) scan(b []byte, i int) (j int, found bool) {
	for i < len(b) {
		c := b[i]
		switch s.st {
		case ssData:
			k := bytes.IndexByte(b[i:], '<')
			if k < 0 {
				return len(b), false
			}
			i += k + 1
			s.st = ssLT
		case ssLT:
			switch c {
			case '/':
				s.st = ssEndOpen
				i++
			case '!':
				s.st = ssEscStart
				i++
			default:
				s.st = ssData
			}
		case ssEndOpen, ssEscEndOpen:
			if isAlpha(c) {
				s.n, s.ok = 0, true
				s.st++ // → ssEndName / ssEscEndName
			} else if s.st == ssEndOpen {
				s.st = ssData
			} else {
				s.st = ssEsc
			}
		case ssEndName, ssEscEndName:
			if isDelim(c) {
				if s.isScript() {
					s.st = ssData
					return i, true
				}
			} else if isAlpha(c) {
				s.name(c)
				i++
				continue
			}
			if s.st == ssEndName {
				s.st = ssData
			} else {
				s.st = ssEsc
			}
		case ssEscStart:
			if c == '-' {
				s.st = ssEscStartDash
				i++
			} else {
				s.st = ssData
			}
		case ssEscStartDash:
			if c == '-' {
				s.st = ssEscDashDash
				i++
			} else {
				s.st = ssData
			}
		case ssEsc, ssDbl:
			for i < len(b) && b[i] != '-' && b[i] != '<' {
				i++
			}
			if i == len(b) {
				return i, false
			}
			if b[i] == '-' {
				s.st++ // → Dash
			} else if s.st == ssEsc {
				s.st = ssEscLT
			} else {
				s.st = ssDblLT
			}
			i++
		case ssEscDash, ssDblDash:
			i++
			switch c {
			case '-':
				s.st++ // → DashDash
			case '<':
				if s.st == ssEscDash {
					s.st = ssEscLT
				} else {
					s.st = ssDblLT
				}
			default:
				s.st-- // → Esc / Dbl
			}
		case ssEscDashDash, ssDblDashDash:
			i++
			switch c {
			case '-':
			case '<':
				if s.st == ssEscDashDash {
					s.st = ssEscLT
				} else {
					s.st = ssDblLT
				}
			case '>':
				s.st = ssData
			default:
				s.st -= 2
			}
		case ssEscLT:
			if c == '/' {
				s.st = ssEscEndOpen
				i++
			} else if isAlpha(c) {
				s.n, s.ok = 0, true
				s.st = ssDblStart
			} else {
				s.st = ssEsc
			}
		case ssDblStart, ssDblEnd:
			if isDelim(c) {
				i++
				toDbl := s.isScript() == (s.st == ssDblStart)
				if toDbl {
					s.st = ssDbl
				} else {
					s.st = ssEsc
				}
			} else if isAlpha(c) {
				s.name(c)
				i++
			} else if s.st == ssDblStart {
				s.st = ssEsc
			} else {
				s.st = ssDbl
			}
		case ssDblLT:
			if c == '/' {
				s.n, s.ok = 0, true
				s.st = ssDblEnd
				i++
			} else {
				s.st = ssDbl
			}
		}
	}
	return i, false
}

// rawScan finds the appropriate end tag of a RAWTEXT or RCDATA element
// ("</" + name, any case, then whitespace, '/' or '>'). n counts the bytes
// of "</name" matched so far (resumable). found reports the end tag, with j
// the index of the byte after the name.
func rawScan(b []byte, i int, name string, n *int) (j int, found bool) {
	for i < len(b) {
		switch {
		case *n == 0:
			k := bytes.IndexByte(b[i:], '<')
			if k < 0 {
				return len(b), false
			}
			i += k + 1
			*n = 1
		case *n == 1:
			if b[i] == '/' {
				*n = 2
				i++
			} else {
				*n = 0
			}
		case *n-2 < len(name):
			if lower(b[i]) == name[*n-2] {
				*n++
				i++
			} else {
				*n = 0
			}
		default:
			*n = 0
			if isDelim(b[i]) {
				return i, true
			}
		}
	}
	return i, false
}

// Tag names that matter. tBreakout stands for the other HTML elements that
// break out of SVG/MathML content.
type tagID uint8

const (
	tOther tagID = iota
	tA
	tArea
	tBody
	tEmbed
	tIframe
	tImg
	tLink
	tNoscript
	tObject
	tScript
	tSource
	tStyle
	tXmp
	tNoembed
	tNoframes
	tTitle
	tTextarea
	tPlaintext
	tTemplate
	tSvg
	tMath
	tForeignObject
	tDesc
	tMi
	tMo
	tMn
	tMs
	tMtext
	tAnnotationXML
	tBr
	tP
	tFont
	tHead
	tFrame
	tImage
	tInput
	tVideo
	tAudio
	tTrack
	tBase
	tMeta
	tTable
	tTd
	tTh
	tFeImage
	tUse
	tBreakout
	tCount
)

var rawNames = [...]string{tStyle: "style", tXmp: "xmp", tNoembed: "noembed", tNoframes: "noframes",
	tTitle: "title", tTextarea: "textarea", tIframe: "iframe", tScript: "script"}

type tagEntry struct {
	name string
	id   tagID
}

const tagTableSize = 256

var tagTable [tagTableSize]tagEntry

func tagHash(first, last byte, n int) int {
	return (int(first)*31 + int(last)*7 + n*131) & (tagTableSize - 1)
}

func init() {
	add := func(name string, id tagID) {
		h := tagHash(name[0], name[len(name)-1], len(name))
		for tagTable[h].id != tOther {
			h = (h + 1) & (tagTableSize - 1)
		}
		tagTable[h] = tagEntry{name, id}
	}
	for name, id := range map[string]tagID{
		"a": tA, "area": tArea, "body": tBody, "embed": tEmbed, "iframe": tIframe, "img": tImg,
		"link": tLink, "noscript": tNoscript, "object": tObject, "script": tScript, "source": tSource,
		"style": tStyle, "xmp": tXmp, "noembed": tNoembed, "noframes": tNoframes, "title": tTitle,
		"textarea": tTextarea, "plaintext": tPlaintext, "template": tTemplate, "svg": tSvg,
		"math": tMath, "foreignobject": tForeignObject, "desc": tDesc, "mi": tMi, "mo": tMo,
		"mn": tMn, "ms": tMs, "mtext": tMtext, "annotation-xml": tAnnotationXML, "br": tBr,
		"p": tP, "font": tFont, "head": tHead, "frame": tFrame, "image": tImage, "input": tInput,
		"video": tVideo, "audio": tAudio, "track": tTrack, "base": tBase, "meta": tMeta,
		"table": tTable, "td": tTd, "th": tTh, "feimage": tFeImage, "use": tUse,
	} {
		add(name, id)
	}
	for _, name := range []string{"b", "big", "blockquote", "center", "code", "dd", "div", "dl",
		"dt", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "li", "listing", "menu",
		"nobr", "ol", "pre", "ruby", "s", "small", "span", "strong", "strike", "sub", "sup",
		"tt", "u", "ul", "var"} {
		add(name, tBreakout)
	}
}

// lookupTag identifies a tag name (any case).
func lookupTag(name []byte) tagID {
	n := len(name)
	if n == 0 || n > 14 {
		return tOther
	}
	h := tagHash(lower(name[0]), lower(name[n-1]), n)
	for {
		e := &tagTable[h]
		if e.id == tOther {
			return tOther
		}
		if len(e.name) == n && eqFold(name, e.name) {
			return e.id
		}
		h = (h + 1) & (tagTableSize - 1)
	}
}

// isBreakout: HTML elements whose start tag ends SVG/MathML content.
func isBreakout(id tagID) bool {
	switch id {
	case tBreakout, tBody, tEmbed, tImg, tBr, tP, tHead, tTable, tMeta:
		return true
	}
	return false
}

// decodeAttr appends v to dst with character references decoded and tabs
// and newlines dropped, written or referenced (the URL parser drops them).
func decodeAttr(dst, v []byte) []byte {
	for len(v) > 0 {
		k := 0
		for k < len(v) && v[k] != '&' && v[k] != '\t' && v[k] != '\n' && v[k] != '\r' {
			k++
		}
		dst = append(dst, v[:k]...)
		v = v[k:]
		if len(v) == 0 {
			break
		}
		if v[0] != '&' {
			v = v[1:]
			continue
		}
		n, r, r2 := charRef(v)
		if n == 0 {
			dst = append(dst, '&')
			v = v[1:]
			continue
		}
		if r != '\t' && r != '\n' && r != '\r' { // &Tab;, &NewLine;, &#10; ...
			dst = utf8.AppendRune(dst, r)
		}
		if r2 != 0 {
			dst = utf8.AppendRune(dst, r2)
		}
		v = v[n:]
	}
	return dst
}

// decodeRefs appends v to dst with its character references decoded as
// the tokenizer decodes an attribute value (whitespace kept): what a
// keyword attribute (type, rel, http-equiv) or a list (srcset, ping) is
// before it is split.
func decodeRefs(dst, v []byte) []byte {
	for len(v) > 0 {
		k := bytes.IndexByte(v, '&')
		if k < 0 {
			return append(dst, v...)
		}
		dst = append(dst, v[:k]...)
		v = v[k:]
		n, r, r2 := charRef(v)
		if n == 0 {
			dst = append(dst, '&')
			v = v[1:]
			continue
		}
		dst = utf8.AppendRune(dst, r)
		if r2 != 0 {
			dst = utf8.AppendRune(dst, r2)
		}
		v = v[n:]
	}
	return dst
}

// namedRefs are the references that can spell URL syntax, decoded without
// a look at the full table (the common case).
var namedRefs = map[string]rune{
	"amp": '&', "lt": '<', "gt": '>', "quot": '"', "apos": '\'', "sol": '/', "bsol": '\\',
	"colon": ':', "period": '.', "comma": ',', "semi": ';', "quest": '?', "num": '#',
	"equals": '=', "percnt": '%', "lowbar": '_', "commat": '@', "excl": '!', "plus": '+',
	"ast": '*', "dollar": '$', "lpar": '(', "rpar": ')', "lsqb": '[', "rsqb": ']',
	"lbrack": '[', "rbrack": ']', "lcub": '{', "rcub": '}', "verbar": '|', "grave": '`',
	"Hat": '^', "nbsp": 0xA0, "Tab": '\t', "NewLine": '\n', "hyphen": 0x2010, "dash": 0x2010,
}

// win1252 maps numeric references to 0x80..0x9F as the HTML standard does
// (they name Windows-1252 characters); 0 keeps the code point.
var win1252 = [32]rune{0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030,
	0x0160, 0x2039, 0x0152, 0, 0x017D, 0, 0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178}

// maxRefName is longer than the longest named reference
// ("CounterClockwiseContourIntegral").
const maxRefName = 40

// charRef decodes the character reference at the start of v ("&...") as
// the tokenizer does in an attribute value: numeric references (with the
// Windows-1252 replacements and U+FFFD for invalid code points), every
// named reference of the HTML standard, and the legacy ones without ';'
// unless followed by '='. n is 0 when there is none; r2 is the second code
// point of the few references that decode to two.
func charRef(v []byte) (n int, r, r2 rune) {
	if len(v) < 2 {
		return 0, 0, 0
	}
	if v[1] == '#' {
		i := 2
		hex := i < len(v) && v[i]|0x20 == 'x'
		if hex {
			i++
		}
		s := i
		var x int64
		for i < len(v) {
			c := v[i]
			var d int64
			switch {
			case c >= '0' && c <= '9':
				d = int64(c - '0')
			case hex && c|0x20 >= 'a' && c|0x20 <= 'f':
				d = int64(c|0x20-'a') + 10
			default:
				goto done
			}
			if hex {
				x = x*16 + d
			} else {
				x = x*10 + d
			}
			if x > 0x10FFFF {
				x = 0x110000
			}
			i++
		}
	done:
		if i == s {
			return 0, 0, 0
		}
		if i < len(v) && v[i] == ';' {
			i++
		}
		if x >= 0x80 && x <= 0x9F && win1252[x-0x80] != 0 {
			return i, win1252[x-0x80], 0
		}
		if x == 0 || x > 0x10FFFF || x >= 0xD800 && x <= 0xDFFF {
			return i, utf8.RuneError, 0
		}
		return i, rune(x), 0
	}
	i := 1
	for i < len(v) && (isAlpha(v[i]) || v[i] >= '0' && v[i] <= '9') {
		i++
		if i > maxRefName {
			return 0, 0, 0
		}
	}
	name := v[1:i]
	if len(name) == 0 {
		return 0, 0, 0
	}
	if i < len(v) && v[i] == ';' {
		if r, ok := namedRefs[string(name)]; ok {
			return i + 1, r, 0
		}
		return fullRef(v[:i+1], true)
	}
	// Legacy references without ';' are decoded in attribute values only
	// when the whole name is one and '=' does not follow.
	if i < len(v) && v[i] == '=' {
		return 0, 0, 0
	}
	for _, l := range [...]struct {
		s string
		r rune
	}{{"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}} {
		if string(name) == l.s {
			return i, l.r, 0
		}
	}
	return fullRef(v[:i], false)
}

// fullRef looks a named reference up in the complete table of
// golang.org/x/net/html (rare references only: it allocates). ref is "&"
// and the name, with its ';' when semi.
func fullRef(ref []byte, semi bool) (n int, r, r2 rune) {
	s := html.UnescapeString(string(ref))
	// Outside attributes UnescapeString also decodes the longest legacy
	// prefix of an unknown name ("&copyx" → "©x"), which attribute values
	// do not: only a whole decoded name counts.
	if s == string(ref) || s == "" {
		return 0, 0, 0
	}
	if last := s[len(s)-1]; semi && last == ';' || !semi && (isAlpha(last) || last >= '0' && last <= '9') {
		return 0, 0, 0
	}
	r, k := utf8.DecodeRuneInString(s)
	if k < len(s) {
		r2, _ = utf8.DecodeRuneInString(s[k:])
	}
	return len(ref), r, r2
}

// isNameEnd: bytes that end a tag name (whitespace, '/', '>').
var isNameEnd = func() (t [256]bool) {
	for _, c := range []byte{' ', '\t', '\n', '\f', '\r', '/', '>'} {
		t[c] = true
	}
	return t
}()

// Attention bits: attribute names that make a tag matter whatever its
// element.
const (
	aPing  uint8 = 1 << iota // ping
	aOn                      // an event handler (on...)
	aLazy                    // a lazy loader's URL attribute (data-src, data-bg, ...)
	aBg                      // background
	aStyle                   // style
)

// attention classifies the attribute name b[s:e] (its first byte is c).
func attention(b []byte, s, e int, c byte) uint8 {
	switch n := e - s; c | 0x20 {
	case 'p':
		if n == 4 && eqFold(b[s:e], "ping") {
			return aPing
		}
	case 'o':
		if n > 2 && b[s+1]|0x20 == 'n' {
			return aOn
		}
	case 'd':
		if n >= 7 && n <= 20 && lazyAttrKind(b[s:e]) != 0 {
			return aLazy
		}
	case 'b':
		if n == 10 && eqFold(b[s:e], "background") {
			return aBg
		}
	case 's':
		if n == 5 && eqFold(b[s:e], "style") {
			return aStyle
		}
	}
	return 0
}

// tagAttention is the attention bits of a complete tag whose name ends at
// view[ne].
func tagAttention(view []byte, ne int) uint8 {
	var att uint8
	for a, i, ok := nextAttr(view, ne); ok; a, i, ok = nextAttr(view, i) {
		att |= attention(view, a.ns, a.ne, view[a.ns])
	}
	return att
}

// findTagEnd is the non-resumable twin of tagScan for a tag whose name
// ends at b[i] (b[i] is whitespace, '/' or '>'). It returns the index
// after the closing '>', whether the tag is self-closing, the attention
// bits of its attribute names, and true; or false when b ends first.
func findTagEnd(b []byte, i int) (end int, self bool, att uint8, ok bool) {
	n := len(b)
	sl := false
	for i < n {
		c := b[i]
		if c == '>' {
			return i + 1, sl, att, true
		}
		if tagClass[c] == cWS || c == '/' {
			sl = c == '/'
			i++
			continue
		}
		sl = false
		// Attribute name; its first byte may be anything, '=' included.
		s := i
		i++
		for i < n && !isAttrNameEnd[b[i]] {
			i++
		}
		if n := i - s; n < 32 && attLen[c]>>n&1 != 0 || n >= 32 && c|0x20 == 'o' {
			att |= attention(b, s, i, c)
		}
		for i < n && tagClass[b[i]] == cWS {
			i++
		}
		if i >= n {
			return n, false, 0, false
		}
		if b[i] != '=' {
			continue
		}
		i++
		for i < n && tagClass[b[i]] == cWS {
			i++
		}
		if i >= n {
			return n, false, 0, false
		}
		switch q := b[i]; q {
		case '"', '\'':
			i++
			// Short values are faster to walk than to IndexByte.
			e := i + 24
			if e > n {
				e = n
			}
			for i < e && b[i] != q {
				i++
			}
			if i == e {
				j := bytes.IndexByte(b[i:], q)
				if j < 0 {
					return n, false, 0, false
				}
				i += j
			}
			i++
		case '>':
			return i + 1, false, att, true
		default:
			for i < n && tagClass[b[i]] != cWS && b[i] != '>' {
				i++
			}
		}
	}
	return n, false, 0, false
}

// attLen[c] has bit n set when attention looks at names of n bytes that
// start with c: most attribute names (src, class, alt, width) are passed
// over with one lookup.
var attLen = func() (t [256]uint32) {
	set := func(c byte, mask uint32) {
		t[c] |= mask
		t[c-'a'+'A'] |= mask
	}
	set('p', 1<<4)
	set('s', 1<<5)
	set('b', 1<<10)
	set('o', ^uint32(0)&^7)
	for n, m := range lazyMask {
		if m != 0 {
			set('d', 1<<n)
		}
	}
	return t
}()

// isAttrNameEnd: bytes that end an attribute name.
var isAttrNameEnd = func() (t [256]bool) {
	t = isNameEnd
	t['='] = true
	return t
}()

// Fast identification of the tag names that matter in HTML content: the
// lowercased name (up to 8 bytes) packed into a uint64, looked up in a
// perfect hash.
type fastEntry struct {
	x  uint64
	id tagID
}

var (
	fastTab   [128]fastEntry
	fastMagic uint64
)

func packName(name []byte) uint64 {
	var x uint64
	for k := len(name) - 1; k >= 0; k-- {
		x = x<<8 | uint64(name[k]|0x20)
	}
	return x
}

func init() {
	names := map[string]tagID{"a": tA, "area": tArea, "body": tBody, "embed": tEmbed,
		"iframe": tIframe, "img": tImg, "link": tLink, "noscript": tNoscript, "object": tObject,
		"script": tScript, "source": tSource, "style": tStyle, "xmp": tXmp, "noembed": tNoembed,
		"noframes": tNoframes, "title": tTitle, "textarea": tTextarea, "template": tTemplate,
		"svg": tSvg, "math": tMath, "head": tHead, "frame": tFrame, "image": tImage,
		"input": tInput, "video": tVideo, "audio": tAudio, "track": tTrack, "base": tBase,
		"meta": tMeta, "table": tTable, "td": tTd, "th": tTh}
	// plaintext has 9 bytes: fastTag checks it apart.
	seed := uint64(0x9E3779B97F4A7C15)
search:
	for {
		seed = seed*6364136223846793005 + 1442695040888963407
		magic := seed | 1
		var tab [128]fastEntry
		for name, id := range names {
			x := packName([]byte(name))
			h := x * magic >> 57
			if tab[h].id != tOther {
				continue search
			}
			tab[h] = fastEntry{x, id}
		}
		fastTab, fastMagic = tab, magic
		for name := range names {
			maybeHTMLTag[maybeIndex(name[0], len(name))] = true
			maybeHTMLLast[maybeIndex(name[len(name)-1], len(name))] = true
		}
		maybeHTMLTag[maybeIndex('p', 9)] = true // plaintext
		maybeHTMLLast[maybeIndex('t', 9)] = true
		return
	}
}

// maybeHTMLTag[(first letter & 31)<<4 | min(len, 15)] is set for the
// first letters and lengths of the names htmlTagID knows.
var maybeHTMLTag [512]bool

// maybeHTMLLast is maybeHTMLTag for the last letters: together they tell
// most names apart ("tr" from "td", "div" from "del") without htmlTagID.
var maybeHTMLLast [512]bool

// maybeIndex is the maybeHTMLTag index of a name starting with c, n bytes
// long. It computes in int: in byte arithmetic the shift would drop the
// high bit of the letter (so 'p' and 'a' collide, and the constant index
// of plaintext would not be the one looked up).
func maybeIndex(c byte, n int) int {
	return int(c&31)<<4 | min(n, 15)
}

// htmlTagID identifies the tag names that matter in HTML content (not
// SVG/MathML); every other name is tOther. The name is b[p:e].
func htmlTagID(b []byte, p, e int) tagID {
	n := e - p
	if n > 8 {
		if n == 9 && eqFold(b[p:e], "plaintext") {
			return tPlaintext
		}
		return tOther
	}
	var x uint64
	if p+8 <= len(b) {
		x = (binary.LittleEndian.Uint64(b[p:]) | 0x2020202020202020) & nameMask[n]
	} else {
		x = packName(b[p:e])
	}
	if f := &fastTab[x*fastMagic>>57]; f.x == x {
		return f.id
	}
	return tOther
}

var nameMask = [9]uint64{0, 0xff, 0xffff, 0xffffff, 0xffffffff, 0xffffffffff, 0xffffffffffff, 0xffffffffffffff, 0xffffffffffffffff}
