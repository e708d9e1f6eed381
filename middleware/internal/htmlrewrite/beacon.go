package htmlrewrite

import (
	"bytes"
)

// The beacon rule's reading of sizes and styles: an image or frame that
// the visitor cannot see is a beacon, however its size or its hiding is
// spelled.

// dimValue parses a dimension as the HTML standard's rules for parsing
// dimension values do (leading whitespace, digits, an optional fraction,
// anything after ignored: "1.0", "1px", "1abc"), after character
// references are decoded. ok is false when there is no number.
func dimValue(v []byte) (n float64, ok bool) {
	i := 0
	for i < len(v) && isWS(v[i]) {
		i++
	}
	if i < len(v) && v[i] == '+' {
		i++
	}
	s := i
	for i < len(v) && v[i] >= '0' && v[i] <= '9' {
		n = n*10 + float64(v[i]-'0')
		if n > 1e6 {
			return n, true
		}
		i++
	}
	digits := i > s
	if i < len(v) && v[i] == '.' {
		f := 0.1
		for i++; i < len(v) && v[i] >= '0' && v[i] <= '9'; i++ {
			n += float64(v[i]-'0') * f
			f /= 10
			digits = true
		}
	}
	return n, digits
}

// styleHides reads an inline style as declarations ("prop: value", ';'
// separated, case and whitespace ignored) and reports whether it hides the
// element: display:none, visibility:hidden, opacity:0, or an off-screen
// position (left, top, right, bottom, margin-left, margin-top or
// text-indent of -100px or more outwards). It also returns the width and
// height it sets in pixels, -1 when it sets none.
func styleHides(v []byte) (hides bool, w, h float64) {
	w, h = -1, -1
	for len(v) > 0 {
		var decl []byte
		if k := bytes.IndexByte(v, ';'); k >= 0 {
			decl, v = v[:k], v[k+1:]
		} else {
			decl, v = v, nil
		}
		c := bytes.IndexByte(decl, ':')
		if c < 0 {
			continue
		}
		prop := bytes.TrimFunc(decl[:c], isSpaceRune)
		val := bytes.TrimFunc(decl[c+1:], isSpaceRune)
		if k := bytes.IndexByte(val, '!'); k >= 0 { // !important
			val = bytes.TrimFunc(val[:k], isSpaceRune)
		}
		switch {
		case eqFold(prop, "display"):
			hides = hides || eqFold(val, "none")
		case eqFold(prop, "visibility"):
			hides = hides || eqFold(val, "hidden") || eqFold(val, "collapse")
		case eqFold(prop, "opacity"):
			if n, ok := dimValue(val); ok && n == 0 {
				hides = true
			}
		case eqFold(prop, "width"), eqFold(prop, "max-width"):
			if n, ok := cssPx(val); ok && (w < 0 || n < w) {
				w = n
			}
		case eqFold(prop, "height"), eqFold(prop, "max-height"):
			if n, ok := cssPx(val); ok && (h < 0 || n < h) {
				h = n
			}
		case eqFold(prop, "left"), eqFold(prop, "top"), eqFold(prop, "right"), eqFold(prop, "bottom"),
			eqFold(prop, "margin-left"), eqFold(prop, "margin-top"), eqFold(prop, "text-indent"):
			if len(val) > 1 && val[0] == '-' {
				if n, ok := cssPx(val[1:]); ok && n >= 100 {
					hides = true
				}
			}
		}
	}
	return hides, w, h
}

// cssPx parses a CSS length in px (or unitless 0); ok is false for other
// units, which the rule does not judge.
func cssPx(v []byte) (float64, bool) {
	n, ok := dimValue(v)
	if !ok {
		return 0, false
	}
	k := len(v)
	for k > 0 && (isAlpha(v[k-1]) || v[k-1] == '%') {
		k--
	}
	unit := v[k:]
	switch {
	case len(unit) == 0, eqFold(unit, "px"):
		return n, true
	case eqFold(unit, "em"), eqFold(unit, "rem"):
		return n * 16, true
	}
	return 0, false
}

func isSpaceRune(c rune) bool { return c < 0x80 && isWS(byte(c)) }

// invisible applies the beacon rule's size and hiding tests to a tag's
// hidden, width, height and style attributes (values as written).
func (r *Rewriter) invisible(hidden bool, width, height, style []byte) bool {
	if hidden {
		return true
	}
	w, h := -1.0, -1.0
	if width != nil {
		if n, ok := dimValue(r.keyword(width)); ok {
			w = n
		}
	}
	if height != nil {
		if n, ok := dimValue(r.keyword(height)); ok {
			h = n
		}
	}
	if style != nil {
		v := style
		if bytes.IndexByte(v, '&') >= 0 {
			r.kw = decodeRefs(r.kw[:0], v)
			v = r.kw
		}
		hides, sw, sh := styleHides(v)
		if hides {
			return true
		}
		if sw >= 0 {
			w = sw
		}
		if sh >= 0 {
			h = sh
		}
	}
	return w >= 0 && w <= 1 && h >= 0 && h <= 1
}
