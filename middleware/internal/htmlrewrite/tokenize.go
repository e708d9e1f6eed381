package htmlrewrite

import (
	"bytes"
)

// ---- tokenizer states ------------------------------------------------------

func (r *Rewriter) data(b []byte, i int) int {
	start := i
	adj := r.adjLT
	r.adjLT = false
	for len(r.frames) == 0 && len(r.ns) == 0 {
		// Fast path: text and tags that need nothing are one kept run;
		// complete tags that matter are handled in place.
		k := i
		for k < len(b) && k < i+16 && b[k] != '<' {
			k++
		}
		if k == i+16 {
			j := bytes.IndexByte(b[k:], '<')
			if j < 0 {
				k = len(b)
			} else {
				k += j
			}
		}
		if k == len(b) {
			r.emit(b[start:])
			return len(b)
		}
		g, id, self, att, ok := fastTag(b, k)
		if g < 0 {
			i = k
			break
		}
		if ok {
			i = g
			continue
		}
		// A complete tag that matters.
		r.emit(b[start:k])
		r.tagAdj = adj && k == start
		adj = false
		r.ts, r.isEnd, r.tsc.selfClosing = k, b[k+1] == '/', self
		ne := k + 1
		if r.isEnd {
			ne++
		}
		for ne < g && !isNameEnd[b[ne]] {
			ne++
		}
		r.att = att
		if r.onTagID(b[k:g], ne-k, id, false) {
			r.state = stScriptHold
			return g // an inline script held from b[k]
		}
		if r.state != stData {
			return g
		}
		i, start = g, g
	}
	if start < i {
		r.emit(b[start:i])
	}
	j := bytes.IndexByte(b[i:], '<')
	if j < 0 {
		r.text(b[i:])
		return len(b)
	}
	r.text(b[i : i+j])
	r.tagAdj = adj && j == 0 && i == start
	i += j
	r.ts = i
	r.state = stLT
	return i
}

// fastTag looks at the tag at b[k] ('<') in HTML content outside any
// frame. g < 0: not a complete tag within MaxTagBytes (the general path
// takes it). ok: it needs nothing and ends at g. Otherwise it matters: id,
// self and the attention bits of its attributes describe it.
func fastTag(b []byte, k int) (g int, id tagID, self bool, att uint8, ok bool) {
	n := len(b)
	p := k + 1
	if p+1 >= n {
		return -1, 0, false, 0, false
	}
	end := b[p] == '/'
	if end {
		p++
	}
	if !isAlpha(b[p]) {
		return -1, 0, false, 0, false
	}
	e := p + 1
	for e < n && !isNameEnd[b[e]] {
		e++
	}
	if e >= n {
		return -1, 0, false, 0, false
	}
	if maybeHTMLTag[maybeIndex(b[p], e-p)] && maybeHTMLLast[maybeIndex(b[e-1], e-p)] {
		id = htmlTagID(b, p, e)
	}
	noAttrs := b[e] == '>'
	if noAttrs {
		g = e + 1
	} else {
		lim := n
		if lim-k > MaxTagBytes {
			lim = k + MaxTagBytes
		}
		var found bool
		g, self, att, found = findTagEnd(b[:lim], e)
		if !found {
			return -1, 0, false, 0, false
		}
	}
	// Without frames, end tags other than </template> need nothing.
	switch id {
	case tOther:
		return g, id, self, att, att&(aOn|aLazy|aStyle) == 0
	case tA, tArea:
		return g, id, self, att, end || att&(aPing|aOn|aLazy|aStyle) == 0
	case tTable, tTd, tTh:
		return g, id, self, att, end || att&(aBg|aOn|aLazy|aStyle) == 0
	case tFrame, tImage, tInput, tVideo, tAudio, tTrack, tBase, tMeta:
		return g, id, self, att, end || noAttrs
	case tTemplate:
		return g, id, self, att, false
	}
	return g, id, self, att, end
}

// Kinds of markup after '<'.
const (
	kText uint8 = iota
	kStart
	kEnd
	kEmptyEnd
	kComment
	kBogus
	kCDATA
)

// classify looks at a construct starting with '<'. hl is the length of its
// header; need is true when t is too short to tell.
func classify(t []byte, cdata bool) (kind uint8, hl int, need bool) {
	if len(t) < 2 {
		return 0, 0, true
	}
	switch c := t[1]; {
	case isAlpha(c):
		return kStart, 1, false
	case c == '/':
		if len(t) < 3 {
			return 0, 0, true
		}
		if isAlpha(t[2]) {
			return kEnd, 2, false
		}
		if t[2] == '>' {
			return kEmptyEnd, 3, false // "</>" is ignored by browsers
		}
		return kBogus, 2, false
	case c == '!':
		// A DOCTYPE ends at the first '>' like a bogus comment.
		if len(t) < 3 {
			return 0, 0, true
		}
		if t[2] == '-' {
			if len(t) < 4 {
				return 0, 0, true
			}
			if t[3] == '-' {
				return kComment, 4, false
			}
			return kBogus, 2, false
		}
		if cdata && t[2] == '[' {
			const cd = "[CDATA["
			for k := 1; k < len(cd); k++ {
				if 2+k >= len(t) {
					return 0, 0, true
				}
				if t[2+k] != cd[k] {
					return kBogus, 2, false
				}
			}
			return kCDATA, 9, false
		}
		return kBogus, 2, false
	case c == '?':
		return kBogus, 1, false
	}
	return kText, 1, false
}

func (r *Rewriter) lt(b []byte) int {
	var t []byte
	if len(r.tok) == 0 {
		t = b[r.ts:]
	} else {
		e := r.ts + 16
		if e > len(b) {
			e = len(b)
		}
		r.cls = append(append(r.cls[:0], r.tok...), b[r.ts:e]...)
		t = r.cls
	}
	kind, hl, need := classify(t, r.inForeign())
	if need {
		return len(b)
	}
	x := hl - len(r.tok)
	if x < 0 {
		x = 0
	}
	end := r.ts + x
	switch kind {
	case kStart, kEnd:
		r.state, r.isEnd, r.tsc = stTag, kind == kEnd, tagScan{}
		return end
	}
	// The header of a comment-like construct, or a literal '<'.
	if len(r.tok) > 0 {
		r.emit(r.tok)
		r.tok = r.tok[:0]
	}
	switch kind {
	case kText:
		r.text(b[r.ts:end])
		if x == 0 {
			r.markContent()
		}
		r.state, r.adjLT = stData, true
	case kEmptyEnd:
		r.emit(b[r.ts:end])
		r.state = stData
	case kComment:
		r.emit(b[r.ts:end])
		r.state, r.cst = stComment, cStart
	case kBogus:
		r.emit(b[r.ts:end])
		r.state = stBogus
	case kCDATA:
		r.emit(b[r.ts:end])
		r.state, r.cb = stCDATA, 0
	}
	return end
}

// appendTok appends s to the held token. It grows tok by doubling rather
// than by append's 1.25 factor for large slices: a script held up to
// MaxScriptBytes then allocates about twice that in all, not five times.
func (r *Rewriter) appendTok(s []byte) {
	if n := len(r.tok) + len(s); n > cap(r.tok) {
		t := make([]byte, len(r.tok), max(n, 2*cap(r.tok)))
		copy(t, r.tok)
		r.tok = t
	}
	r.tok = append(r.tok, s...)
}

// tokView returns the token through b[:j], moving it into tok when part of
// it is there already.
func (r *Rewriter) tokView(b []byte, j int) []byte {
	if len(r.tok) == 0 {
		return b[r.ts:j]
	}
	r.appendTok(b[r.ts:j])
	r.ts = j
	return r.tok
}

func (r *Rewriter) tag(b []byte, i int) int {
	room := MaxTagBytes - len(r.tok) - (i - r.ts)
	lim, capped := len(b), false
	if lim-i > room {
		lim, capped = i+room, true
	}
	j, done := r.tsc.scan(b[:lim], i)
	if done {
		view := r.tokView(b, j)
		r.state = stData
		if !r.onTag(view, false) {
			r.tok = r.tok[:0]
			r.ts = j
		}
		return j
	}
	if !capped {
		return len(b)
	}
	// Beyond MaxTagBytes: pass the tag through unchanged, keeping only
	// what its name does to the tokenizer state.
	view := r.tokView(b, lim)
	r.ovID = lookupTag(tagName(view, r.isEnd))
	r.ovHash = nameHash(tagName(view, r.isEnd))
	r.emit(view)
	r.tok = r.tok[:0]
	r.state = stTagStream
	return lim
}

func tagName(view []byte, end bool) []byte {
	s := 1
	if end {
		s = 2
	}
	e := s
	for e < len(view) {
		c := tagClass[view[e]]
		if c == cWS || c == cSlash || c == cGT {
			break
		}
		e++
	}
	return view[s:e]
}

// onTag handles a complete tag. ov: the tag went beyond MaxTagBytes and was
// passed through already (view is nil). It returns true when the token
// goes on (an inline script held).
func (r *Rewriter) onTag(view []byte, ov bool) bool {
	var id tagID
	ne := 0
	if ov {
		id = r.ovID
	} else {
		name := tagName(view, r.isEnd)
		id = lookupTag(name)
		ne = len(name) + 1
		if r.isEnd {
			ne++
		}
	}
	r.att = 0
	if !ov && !r.isEnd {
		r.att = tagAttention(view, ne)
	}
	return r.onTagID(view, ne, id, ov)
}

// onTagID is onTag with the name known: it ends at view[ne].
func (r *Rewriter) onTagID(view []byte, ne int, id tagID, ov bool) bool {
	if n := len(r.frames); n > 0 && r.frames[n-1].kind == fSVGScript {
		r.svgScriptCheck()
	}
	if r.isEnd {
		r.endTag(view, id, ov)
		return false
	}
	return r.startTag(view, ne, id, r.tsc.selfClosing, ov)
}

func (r *Rewriter) startTag(view []byte, ne int, id tagID, self, ov bool) bool {
	if r.inForeign() {
		if isBreakout(id) || id == tFont && !ov && fontBreakout(view, ne) {
			r.popForeign()
		} else {
			r.foreignStart(view, ne, id, self, ov)
			held := false
			if id == tScript && !self && !ov && r.m != nil && r.m.cats&^r.o.Granted != 0 {
				held = r.pushFrame(fSVGScript, true)
			}
			defer func() {
				if held {
					f := &r.frames[len(r.frames)-1]
					f.stl, f.nsLen, f.fnLen = len(r.hold)-f.start, len(r.ns), len(r.fnames)
				}
			}()
			if !ov && (id == tImage || id == tFeImage || id == tUse || id == tScript || r.att&(aOn|aStyle) != 0) {
				r.svgFetch(view, ne, id)
			} else {
				r.keepTag(view, ov)
			}
			return false
		}
	}
	if n := len(r.ns); n > 0 {
		// HTML content in an integration point.
		if !self && isTextIntegration(r.ns[n-1].id) && !ov && mathGlyph(view[1:ne]) && !r.openIn() {
			// <mglyph> and <malignmark> right in <mi> etc. are MathML.
			r.pushNS(nsMath, tOther, nameHash(view[1:ne]))
			r.keepTag(view, ov)
			return false
		}
		if opensHTML(id, view, ne, ov) {
			h := r.ovHash
			if !ov {
				h = nameHash(view[1:ne])
			}
			r.pushName(h)
		}
	}
	if r.o.InjectHead != nil && !r.headInjected && (id == tScript || id == tBody) && !ov && r.topLevel() {
		r.injectHead()
	}
	switch id {
	case tHead:
		r.keepHandlers(view, ne, ov)
		if r.o.InjectHead != nil && !r.headInjected && r.topLevel() {
			r.injectHead()
		}
	case tScript:
		return r.scriptStart(view, ne, ov)
	case tStyle:
		r.keepHandlers(view, ne, ov)
		r.startRaw(id, false)
		if r.m != nil && r.m.cats&^r.o.Granted != 0 {
			// The text is held from the end of the start tag on.
			r.state, r.styleEnter = stStyleHold, true
		}
	case tXmp, tNoembed, tNoframes, tTitle, tTextarea:
		r.keepHandlers(view, ne, ov)
		r.startRaw(id, false)
	case tIframe:
		drop := false
		if ov {
			r.keepTag(view, ov)
		} else {
			drop = r.fetchTag(view, ne, id, r.att)
		}
		r.startRaw(tIframe, drop)
	case tImg, tImage, tEmbed, tSource, tFrame, tInput, tVideo, tAudio, tTrack, tBase, tMeta,
		tTable, tTd, tTh, tLink, tA, tArea:
		if ov {
			r.keepTag(view, ov)
		} else {
			r.fetchTag(view, ne, id, r.att)
		}
	case tObject:
		if n := len(r.frames); n > 0 && r.frames[n-1].kind == fObject {
			r.frames[n-1].depth++
		}
		if ov {
			r.keepTag(view, ov)
		} else if r.fetchTag(view, ne, id, r.att) {
			if n := len(r.frames); n > 0 && r.frames[n-1].kind == fObject {
				r.frames[n-1].depth-- // the removed object has its own frame
			}
			if !r.pushFrame(fObject, true) {
				// Too deep to track: only the start tag goes.
				r.markRemoved()
			}
		}
	case tNoscript:
		if r.pushFrame(fNoscript, !ov) {
			if !ov {
				r.emit(view)
			}
		} else {
			r.keepTag(view, ov)
		}
	case tBody:
		if ov || r.att&(aBg|aOn|aLazy|aStyle) == 0 {
			r.keepTag(view, ov)
		} else {
			r.fetchTag(view, ne, id, r.att)
		}
		if !r.injected && r.o.Inject != nil && r.tmplDepth == 0 && len(r.frames) == 0 {
			r.injected = true
			if len(r.o.Inject) > 0 {
				r.emit(r.o.Inject)
				r.changed = true
			}
		}
	case tPlaintext:
		r.keepHandlers(view, ne, ov)
		r.state = stPlain
	case tTemplate:
		r.tmplDepth++
		r.keepHandlers(view, ne, ov)
	case tSvg, tMath:
		if !self {
			k, h := nsSVG, hashSVG
			if id == tMath {
				k, h = nsMath, hashMath
			}
			r.pushNS(k, id, h)
		}
		r.keepHandlers(view, ne, ov)
	default:
		if ov || r.att&(aOn|aLazy|aStyle) == 0 {
			r.keepTag(view, ov)
		} else {
			r.fetchTag(view, ne, id, r.att)
		}
	}
	return false
}

// keepHandlers keeps a start tag that fetches nothing, but for the event
// handlers that name a blocked tracker (removed).
func (r *Rewriter) keepHandlers(view []byte, ne int, ov bool) {
	if ov || r.att&(aOn|aStyle) == 0 {
		r.keepTag(view, ov)
		return
	}
	r.svgFetch(view, ne, tOther)
}

func (r *Rewriter) endTag(view []byte, id tagID, ov bool) {
	if n := len(r.frames); n > 0 && r.frames[n-1].kind == fSVGScript && id == tScript && !ov && r.inForeign() {
		if r.svgScriptEnd(view) {
			return
		}
	}
	if r.inForeign() {
		if id == tBr || id == tP {
			r.popForeign()
		} else {
			if !r.closeForeign(r.endHash(view, ov)) {
				// Not an open SVG/MathML element: the HTML rules take the
				// tag, and close the foreign content when it names an HTML
				// element open around it. Assume they do: taking foreign
				// content for HTML is the safe side for <script>.
				r.popForeign()
			}
			r.keepTag(view, ov)
			return
		}
	}
	if n := len(r.ns); n > 0 {
		// HTML content in an integration point.
		if r.openIn() {
			// The HTML rules take the tag: it closes the HTML element of
			// that name open in the island, if any; never the
			// integration point itself.
			r.closeName(r.endHash(view, ov))
		} else if id != tBr && id != tP && n > 1 {
			// The integration point is the current node: the foreign
			// rules close the open foreign element of that name, if any.
			r.popNS()
			if !r.closeForeign(r.endHash(view, ov)) {
				r.ns = r.ns[:n] // none: the tag is ignored
			}
			r.keepTag(view, ov)
			return
		}
	}
	switch id {
	case tTemplate:
		if r.tmplDepth > 0 {
			r.tmplDepth--
		}
	case tNoscript:
		k := len(r.frames) - 1
		for k >= 0 && r.frames[k].kind != fNoscript {
			k--
		}
		if k < 0 {
			break
		}
		for len(r.frames)-1 > k {
			// An unclosed removed <object> inside goes; anything else
			// held inside stays.
			r.popFrame(r.frames[len(r.frames)-1].kind == fObject)
		}
		f := r.frames[k]
		if !ov {
			r.emit(view)
		}
		r.popFrame(f.holding && f.removed && !f.content)
		return
	case tObject:
		n := len(r.frames)
		if n == 0 || r.frames[n-1].kind != fObject {
			break
		}
		if r.frames[n-1].depth--; r.frames[n-1].depth > 0 {
			break
		}
		// The end tag of a removed object goes with it.
		r.changed = true
		r.popFrame(true)
		return
	}
	r.keepTag(view, ov)
}

// foreignStart handles a start tag in SVG/MathML content that does not
// break out of it.
func (r *Rewriter) foreignStart(view []byte, ne int, id tagID, self, ov bool) {
	if self {
		return
	}
	top := &r.ns[len(r.ns)-1]
	h := r.ovHash
	if !ov {
		h = nameHash(view[1:ne])
	}
	if id == tSvg && top.kind == nsMath && top.over == 0 && r.fnames[len(r.fnames)-1] == hashAnnotationXML {
		// <svg> in a MathML <annotation-xml> is SVG.
		r.pushNS(nsSVG, tSvg, h)
		return
	}
	r.pushName(h)
	if isIntegration(top.kind, id) && (id != tAnnotationXML || ov || htmlEncoding(view, ne)) {
		r.pushNS(nsIsland, id, 0)
	}
}

// endHash is the name hash of an end tag.
func (r *Rewriter) endHash(view []byte, ov bool) uint32 {
	if ov {
		return r.ovHash
	}
	return nameHash(tagName(view, true))
}

func isIntegration(kind uint8, id tagID) bool {
	if kind == nsSVG {
		return id == tForeignObject || id == tDesc || id == tTitle
	}
	switch id {
	case tMi, tMo, tMn, tMs, tMtext, tAnnotationXML:
		return true
	}
	return false
}

// isTextIntegration: the MathML text integration points.
func isTextIntegration(id tagID) bool {
	switch id {
	case tMi, tMo, tMn, tMs, tMtext:
		return true
	}
	return false
}

func mathGlyph(name []byte) bool {
	return eqFold(name, "mglyph") || eqFold(name, "malignmark")
}

// htmlEncoding: an <annotation-xml> whose encoding makes it an HTML
// integration point.
func htmlEncoding(view []byte, ne int) bool {
	for a, i, ok := nextAttr(view, ne); ok; a, i, ok = nextAttr(view, i) {
		if eqFold(view[a.ns:a.ne], "encoding") {
			v := view[a.vs:a.ve]
			return eqFold(v, "text/html") || eqFold(v, "application/xhtml+xml")
		}
	}
	return false
}

// opensHTML tells whether an HTML start tag leaves an element open whose
// end tag comes through endTag: not a void element, nor a raw text one
// (its end tag is consumed with its text), nor svg or math (their own
// frames follow them).
func opensHTML(id tagID, view []byte, ne int, ov bool) bool {
	switch id {
	case tArea, tBr, tEmbed, tImg, tLink, tSource, tScript, tStyle, tXmp, tNoembed, tNoframes,
		tTitle, tTextarea, tIframe, tPlaintext, tSvg, tMath:
		return false
	}
	if ov {
		return true
	}
	switch n := view[1:ne]; {
	case eqFold(n, "base"), eqFold(n, "basefont"), eqFold(n, "bgsound"), eqFold(n, "col"),
		eqFold(n, "frame"), eqFold(n, "hr"), eqFold(n, "image"), eqFold(n, "input"),
		eqFold(n, "keygen"), eqFold(n, "meta"), eqFold(n, "param"), eqFold(n, "track"),
		eqFold(n, "wbr"):
		return false
	}
	return true
}

// fontBreakout: <font> with color, face or size leaves foreign content.
func fontBreakout(view []byte, ne int) bool {
	for a, i, ok := nextAttr(view, ne); ok; a, i, ok = nextAttr(view, i) {
		n := view[a.ns:a.ne]
		if eqFold(n, "color") || eqFold(n, "face") || eqFold(n, "size") {
			return true
		}
	}
	return false
}

func (r *Rewriter) startRaw(id tagID, drop bool) {
	r.state, r.rawName, r.rawN, r.rawDrop = stRaw, rawNames[id], 0, drop
}

func (r *Rewriter) comment(b []byte, i int) int {
	s := i
	st := r.cst
	for i < len(b) {
		if st == cText {
			j := bytes.IndexByte(b[i:], '-')
			if j < 0 {
				i = len(b)
				break
			}
			i += j + 1
			st = cDash1
			continue
		}
		c := b[i]
		i++
		end := false
		switch st {
		case cStart:
			switch c {
			case '-':
				st = cStartDash
			case '>':
				end = true
			default:
				st = cText
			}
		case cStartDash:
			switch c {
			case '-':
				st = cDash2
			case '>':
				end = true
			default:
				st = cText
			}
		case cDash1:
			if c == '-' {
				st = cDash2
			} else {
				st = cText
			}
		case cDash2:
			switch c {
			case '>':
				end = true
			case '!':
				st = cBang
			case '-':
			default:
				st = cText
			}
		case cBang:
			switch c {
			case '-':
				st = cDash1
			case '>':
				end = true
			default:
				st = cText
			}
		}
		if end {
			r.emit(b[s:i])
			r.state = stData
			return i
		}
	}
	r.cst = st
	r.emit(b[s:i])
	return i
}

func (r *Rewriter) cdata(b []byte, i int) int {
	s := i
	for i < len(b) {
		if r.cb == 0 {
			j := bytes.IndexByte(b[i:], ']')
			if j < 0 {
				i = len(b)
				break
			}
			i += j + 1
			r.cb = 1
			continue
		}
		c := b[i]
		i++
		switch {
		case c == ']':
			r.cb = 2
		case c == '>' && r.cb == 2:
			r.emit(b[s:i])
			r.markContent()
			r.state = stData
			return i
		default:
			r.cb = 0
		}
	}
	r.emit(b[s:i])
	return i
}
