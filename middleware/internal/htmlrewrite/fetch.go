package htmlrewrite

import (
	"bytes"
	"strings"
)

// The attributes that make the browser fetch, per element, in one table:
// every element that can fetch is decided by fetchTag from its row, and
// tags whose names have no row (and no attention bit, see attention) cost
// nothing beyond finding their end.

// Kinds of URL attribute.
const (
	akURL    uint8 = iota + 1 // one URL
	akSrcset                  // srcset: URLs each followed by descriptors, comma-separated
	akList                    // URLs separated by whitespace (ping)
)

type urlAttr struct {
	name string
	kind uint8
}

// fetchAttrs[id] lists the URL attributes of an HTML element that the
// browser fetches (the HTML standard's src, srcset, poster, data,
// background, ping, href of link and base, imagesrcset).
var fetchAttrs = func() (t [tCount][]urlAttr) {
	src := urlAttr{"src", akURL}
	srcset := urlAttr{"srcset", akSrcset}
	t[tImg] = []urlAttr{src, srcset}
	t[tIframe] = []urlAttr{src}
	t[tFrame] = []urlAttr{src}
	t[tEmbed] = []urlAttr{src}
	t[tObject] = []urlAttr{{"data", akURL}}
	t[tSource] = []urlAttr{src, srcset}
	t[tVideo] = []urlAttr{src, {"poster", akURL}}
	t[tAudio] = []urlAttr{src}
	t[tTrack] = []urlAttr{src}
	t[tInput] = []urlAttr{src} // type=image only
	t[tLink] = []urlAttr{{"href", akURL}, {"imagesrcset", akSrcset}}
	t[tBase] = []urlAttr{{"href", akURL}}
	bg := []urlAttr{{"background", akURL}}
	t[tBody], t[tTable], t[tTd], t[tTh] = bg, bg, bg, bg
	ping := []urlAttr{{"ping", akList}}
	t[tA], t[tArea] = ping, ping
	return t
}()

// lazyAttrs are the attributes that lazy loaders (lazysizes, the
// WordPress caching and image plugins, jQuery lazyload, ...) copy into
// src, srcset or a background image: they count as URLs of their element.
var lazyAttrs = []urlAttr{
	{"data-src", akURL}, {"data-srcset", akSrcset}, {"data-lazy-src", akURL},
	{"data-lazy-srcset", akSrcset}, {"data-original", akURL}, {"data-original-set", akSrcset},
	{"data-bg", akURL}, {"data-background", akURL}, {"data-bgset", akSrcset},
	{"data-lazy-background", akURL}, {"data-bg-image", akURL}, {"data-poster", akURL},
	{"data-lazy", akURL}, {"data-url", akURL}, {"data-iframe-src", akURL}, {"data-ll-src", akURL},
}

// lazyMask[len] has bit c-'a' set when a lazy attribute of that length has
// c after "data-": most data-* attributes (data-id, data-theme) are told
// apart with it alone, on the fast path.
var lazyMask = func() (t [32]uint32) {
	for _, l := range lazyAttrs {
		t[len(l.name)] |= 1 << (l.name[5] - 'a')
	}
	return t
}()

// lazyAttrKind is the kind of a lazy loader attribute name, 0 for other names.
func lazyAttrKind(n []byte) uint8 {
	if len(n) < 7 || len(n) >= len(lazyMask) {
		return 0
	}
	c := n[5] | 0x20
	if c < 'a' || c > 'z' || lazyMask[len(n)]&(1<<(c-'a')) == 0 || !eqFold(n[:5], "data-") {
		return 0
	}
	for _, l := range lazyAttrs {
		if eqFold(n, l.name) {
			return l.kind
		}
	}
	return 0
}

// urlAttrKind is the kind of attribute n as a fetching URL of element id.
func urlAttrKind(id tagID, n []byte) uint8 {
	k, _ := urlAttrIndex(id, n)
	return k
}

// urlAttrIndex is urlAttrKind with the index of the name in the element's
// row followed by lazyAttrs.
func urlAttrIndex(id tagID, n []byte) (kind uint8, idx int) {
	row := fetchAttrs[id]
	for i, a := range row {
		if eqFold(n, a.name) {
			return a.kind, i
		}
	}
	if len(n) < 7 || !eqFold(n[:5], "data-") {
		return 0, 0
	}
	for i, l := range lazyAttrs {
		if eqFold(n, l.name) {
			return l.kind, len(row) + i
		}
	}
	return 0, 0
}

// removesElement: a blocked URL removes these elements (Strip) or makes
// them inert (Defer); on the others only the attribute goes (a <video>
// keeps its player and its <source> children, judged one by one).
func removesElement(id tagID) bool {
	switch id {
	case tImg, tIframe, tFrame, tEmbed, tObject, tSource, tTrack, tLink, tBase, tMeta:
		return true
	}
	return false
}

// deferrable: elements that Defer keeps inert (the others are removed in
// both modes: link, base, meta).
func deferrable(id tagID) bool {
	switch id {
	case tLink, tBase, tMeta:
		return false
	}
	return removesElement(id)
}

var kindNames = [tCount]string{tImg: "img", tIframe: "iframe", tEmbed: "embed", tObject: "object",
	tSource: "source", tLink: "link", tScript: "script", tFrame: "frame", tVideo: "video",
	tAudio: "audio", tTrack: "track", tInput: "input", tBase: "base", tMeta: "meta",
	tBody: "body", tTable: "table", tTd: "td", tTh: "th", tA: "a", tArea: "area",
	tImage: "image", tFeImage: "feimage", tUse: "use"}

func kindName(id tagID) string {
	if k := kindNames[id]; k != "" {
		return k
	}
	return "element"
}

// fetchRels are the link types whose href the browser fetches.
var fetchRels = []string{"stylesheet", "icon", "shortcut", "apple-touch-icon", "apple-touch-icon-precomposed",
	"mask-icon", "manifest", "preload", "modulepreload", "prefetch", "preconnect", "dns-prefetch",
	"prerender", "next", "pingback"}

// tokenIn reports whether the whitespace-separated list v holds one of
// words (ASCII case-insensitive).
func tokenIn(v []byte, words []string) bool {
	for i := 0; i < len(v); {
		for i < len(v) && isWS(v[i]) {
			i++
		}
		s := i
		for i < len(v) && !isWS(v[i]) {
			i++
		}
		for _, w := range words {
			if eqFold(v[s:i], w) {
				return true
			}
		}
	}
	return false
}

// keyword returns an attribute value decoded and trimmed, for comparing
// with a keyword (type, rel, http-equiv). It may use r.kw.
func (r *Rewriter) keyword(v []byte) []byte {
	if bytes.IndexByte(v, '&') >= 0 {
		r.kw = decodeRefs(r.kw[:0], v)
		v = r.kw
	}
	return bytes.TrimFunc(v, func(c rune) bool { return c < 0x80 && isWS(byte(c)) })
}

// checkAttr checks one URL attribute value of the given kind; for lists it
// stops at the first blocked URL. The host is valid until the next check.
func (r *Rewriter) checkAttr(v []byte, kind uint8) (*Tracker, []byte, uint8) {
	if kind == akURL {
		return r.checkURL(v)
	}
	// Decode first, then split: "&#44;" separates candidates too.
	if bytes.IndexByte(v, '&') >= 0 {
		r.lst = decodeRefs(r.lst[:0], v)
		v = r.lst
	}
	var t *Tracker
	var host []byte
	verdict := vRelative
	each := func(u []byte) bool {
		if hasTabNL(u) {
			r.dec = stripTabNL(r.dec[:0], u)
			u = r.dec
		}
		t2, h2, v2 := r.checkDecoded(u)
		if v2 > verdict {
			t, host, verdict = t2, h2, v2
		}
		return v2 == vBlocked
	}
	if kind == akSrcset {
		srcsetURLs(v, each)
	} else {
		for k := 0; k < len(v); {
			for k < len(v) && isWS(v[k]) {
				k++
			}
			s := k
			for k < len(v) && !isWS(v[k]) {
				k++
			}
			if s < k && each(v[s:k]) {
				break
			}
		}
	}
	return t, host, verdict
}

// fetchTag decides on a start tag of an HTML element that can fetch (a
// row of fetchAttrs) or whose attention bits are set. It emits the tag
// kept, edited (attributes removed) or deferred, or drops it, and returns
// true when the element was removed (Strip) or is an object to remove
// with its content.
func (r *Rewriter) fetchTag(view []byte, ne int, id tagID, att uint8) bool {
	if id == tImage {
		id = tImg // the tree builder makes <image> an <img>
	}
	if r.base == nil && att&aOn == 0 && !mayHaveAbsoluteURL(view[ne:]) {
		// Most images on a page are the site's own, by relative URL.
		r.keepTag(view, false)
		return false
	}
	var width, height, style, rel, equiv, content attr
	var hasW, hasH, hasStyle, hasRel, hasEquiv, hasContent, hidden bool
	var bt *Tracker
	bverdict := vRelative
	var keptT *Tracker
	r.hostBuf, r.keptBuf = r.hostBuf[:0], r.keptBuf[:0]
	keptHost := false
	r.edits = r.edits[:0]
	nAttrEdits := 0
	elem := removesElement(id)
	var seen uint64
	r.curID = id
	defer func() { r.curID = tOther }()
	inputImage := id == tInput && r.isImageInput(view, ne)
	for a, i, ok := nextAttr(view, ne); ok; a, i, ok = nextAttr(view, i) {
		n := view[a.ns:a.ne]
		if kind, idx := urlAttrIndex(id, n); kind != 0 {
			// The first of duplicate attributes is the one that counts;
			// when it goes (attribute removal), the next one counts.
			if seen&(1<<idx) != 0 && elem || !a.hasVal {
				continue
			}
			seen |= 1 << idx
			if id == tInput && !inputImage {
				continue // only an image button fetches its src
			}
			t, host, v := r.checkAttr(view[a.vs:a.ve], kind)
			if v == vBlocked && !elem {
				// Only the attribute goes (both modes).
				r.removeAttr(view, ne, a)
				nAttrEdits++
				r.reportAttr(attrKind(id, n), host, t)
				continue
			}
			if v > bverdict {
				bt, bverdict = t, v
				r.hostBuf = append(r.hostBuf[:0], host...)
			}
			if host != nil && !keptHost && v != vBlocked {
				keptHost, keptT = true, t
				r.keptBuf = append(r.keptBuf[:0], host...)
			}
			continue
		}
		switch {
		case len(n) > 2 && lower(n[0]) == 'o' && lower(n[1]) == 'n':
			if a.hasVal {
				if t, host := r.matchHandler(view[a.vs:a.ve]); t != nil {
					r.removeAttr(view, ne, a)
					nAttrEdits++
					r.reportAttrString("handler", host, t)
				}
			}
		case isAttr(n, "width"):
			if !hasW {
				width, hasW = a, true
			}
		case isAttr(n, "height"):
			if !hasH {
				height, hasH = a, true
			}
		case isAttr(n, "hidden"):
			hidden = true
		case isAttr(n, "style"):
			if !hasStyle {
				style, hasStyle = a, true
				if a.hasVal && r.styleAttr(view, a) {
					nAttrEdits++
				}
			}
		case isAttr(n, "rel"):
			if !hasRel {
				rel, hasRel = a, true
			}
		case id == tIframe && isAttr(n, "srcdoc"):
			if a.hasVal && r.srcdoc(view, a) {
				nAttrEdits++
			}
		case isAttr(n, "http-equiv"):
			if !hasEquiv {
				equiv, hasEquiv = a, true
			}
		case isAttr(n, "content"):
			if !hasContent {
				content, hasContent = a, true
			}
		}
	}
	switch id {
	case tLink:
		if !hasRel || !tokenIn(r.keyword(view[rel.vs:rel.ve]), fetchRels) {
			bverdict, keptHost = vRelative, false
		}
	case tMeta:
		if hasEquiv && hasContent && eqFold(r.keyword(view[equiv.vs:equiv.ve]), "refresh") {
			if u := refreshURL(r.keyword(view[content.vs:content.ve])); u != nil {
				t, host, v := r.checkURL(u)
				if v > bverdict {
					bt, bverdict = t, v
					r.hostBuf = append(r.hostBuf[:0], host...)
				}
			}
		}
	}
	cat := uint8(0)
	switch {
	case bverdict == vBlocked:
		cat = bt.Category
	case bverdict == vUndeclared && (id == tImg || id == tIframe || id == tFrame || id == tSource) && r.o.Beacons &&
		!r.o.BeaconAllowed && r.o.SiteHost != "" && !r.firstParty(r.hostBuf) &&
		r.invisible(hidden, attrVal(view, width, hasW), attrVal(view, height, hasH), attrVal(view, style, hasStyle)):
		bt, cat = nil, r.o.BeaconCategory
	default:
		if id == tBase {
			r.setBase(view, ne)
		}
		if keptHost {
			r.kept(kindName(id), r.keptBuf, keptT)
		}
		if len(r.edits) > 0 {
			r.emitEdits(view)
		} else {
			r.keepTag(view, false)
		}
		return false
	}
	kind := kindName(id)
	if r.o.Mode == Defer && deferrable(id) {
		r.deferURLs(view, ne, id, cat)
		r.report(kind, r.hostBuf, bt, true)
		return false
	}
	r.edits = r.edits[:0]
	r.report(kind, r.hostBuf, bt, false)
	return true
}

// attrVal is the value of a, nil when absent.
func attrVal(view []byte, a attr, has bool) []byte {
	if !has {
		return nil
	}
	return view[a.vs:a.ve:a.ve]
}

// isImageInput: an <input> whose (first) type is image.
func (r *Rewriter) isImageInput(view []byte, ne int) bool {
	for a, i, ok := nextAttr(view, ne); ok; a, i, ok = nextAttr(view, i) {
		if isAttr(view[a.ns:a.ne], "type") {
			return eqFold(r.keyword(view[a.vs:a.ve]), "image")
		}
	}
	return false
}

func isAttr(n []byte, name string) bool { return len(n) == len(name) && eqFold(n, name) }

// attrKind names a removed attribute for reports.
func attrKind(id tagID, n []byte) string {
	if isAttr(n, "ping") {
		return "ping"
	}
	return kindName(id)
}

// removeAttr adds the edit that removes attribute a with the whitespace
// before it.
func (r *Rewriter) removeAttr(view []byte, ne int, a attr) {
	s := a.ns
	for s > ne && isWS(view[s-1]) {
		s--
	}
	r.edits = append(r.edits, edit{pos: s, del: a.end - s})
}

// reportAttr reports a removed attribute: the tag stays, so no separator.
func (r *Rewriter) reportAttr(kind string, host []byte, t *Tracker) {
	adj := r.tagAdj
	r.tagAdj = false
	r.report(kind, host, t, false)
	r.tagAdj = adj
}

func (r *Rewriter) reportAttrString(kind, host string, t *Tracker) {
	adj := r.tagAdj
	r.tagAdj = false
	r.reportString(kind, host, t, false)
	r.tagAdj = adj
}

// deferURLs emits the tag inert: its URL attributes renamed with the
// "data-consent-" prefix, data-consent-category added.
func (r *Rewriter) deferURLs(view []byte, ne int, id tagID, cat uint8) {
	r.cat = r.cat[:0]
	r.cat = append(r.cat, ` data-consent-category="`...)
	if int(cat) < len(r.o.CategoryNames) && r.o.CategoryNames[cat] != "" {
		r.cat = appendAttrEscaped(r.cat, r.o.CategoryNames[cat])
	} else {
		r.cat = appendUint(r.cat, cat)
	}
	r.cat = append(r.cat, '"')
	r.edits = append(r.edits[:0], edit{pos: ne, ins: r.cat})
	for a, i, ok := nextAttr(view, ne); ok; a, i, ok = nextAttr(view, i) {
		if urlAttrKind(id, view[a.ns:a.ne]) != 0 {
			r.edits = append(r.edits, edit{pos: a.ns, ins: dataConsentPrefix})
		}
	}
	r.emitEdits(view)
}

func appendUint(b []byte, n uint8) []byte {
	if n >= 10 {
		b = append(b, '0'+n/10)
	}
	return append(b, '0'+n%10)
}

// refreshURL is the URL of a refresh declaration ("5; url='...'"), as the
// HTML standard's shared declarative refresh steps read it; nil when none.
func refreshURL(v []byte) []byte {
	i := 0
	for i < len(v) && (v[i] >= '0' && v[i] <= '9' || v[i] == '.') {
		i++
	}
	for i < len(v) && isWS(v[i]) {
		i++
	}
	if i < len(v) && (v[i] == ';' || v[i] == ',') {
		i++
	}
	for i < len(v) && isWS(v[i]) {
		i++
	}
	if i+3 <= len(v) && eqFold(v[i:i+3], "url") {
		k := i + 3
		for k < len(v) && isWS(v[k]) {
			k++
		}
		if k < len(v) && v[k] == '=' {
			i = k + 1
			for i < len(v) && isWS(v[i]) {
				i++
			}
		}
	}
	u := v[i:]
	if len(u) > 0 && (u[0] == '"' || u[0] == '\'') {
		if e := bytes.IndexByte(u[1:], u[0]); e >= 0 {
			u = u[1 : 1+e]
		} else {
			u = u[1:]
		}
	}
	if len(u) == 0 {
		return nil
	}
	return u
}

// setBase records the first <base href> that is kept: relative URLs
// after it resolve against it (see resolveBase).
func (r *Rewriter) setBase(view []byte, ne int) {
	if r.baseSeen {
		return
	}
	for a, i, ok := nextAttr(view, ne); ok; a, i, ok = nextAttr(view, i) {
		if !a.hasVal || !isAttr(view[a.ns:a.ne], "href") {
			continue
		}
		r.baseSeen = true
		u := decodeAttr(nil, view[a.vs:a.ve])
		if _, _, ok := splitURL(u); ok && len(u) <= maxBase {
			r.base = u
		}
		return
	}
}

// maxBase bounds the <base href> kept for resolving relative URLs.
const maxBase = 2 << 10

// resolveBase appends u (a relative URL without scheme) resolved against
// the base URL r.base, as far as host and path go.
func (r *Rewriter) resolveBase(dst, u []byte) []byte {
	b := r.base
	for len(b) > 0 && b[0] <= ' ' {
		b = b[1:]
	}
	// The authority ends at the first '/', '\', '?' or '#' after "//".
	a := bytes.Index(b, []byte("//"))
	if a < 0 {
		a = bytes.IndexByte(b, ':') + 1
	} else {
		a += 2
	}
	e := a
	for e < len(b) && !isSlash(b[e]) && b[e] != '?' && b[e] != '#' {
		e++
	}
	switch {
	case len(u) > 0 && isSlash(u[0]):
		dst = append(dst, b[:e]...)
	case len(u) > 0 && (u[0] == '?' || u[0] == '#'):
		q := e
		for q < len(b) && b[q] != '?' && b[q] != '#' {
			q++
		}
		dst = append(dst, b[:q]...)
	default:
		q := e
		for q < len(b) && b[q] != '?' && b[q] != '#' {
			q++
		}
		d := q
		for d > e && !isSlash(b[d-1]) {
			d--
		}
		dst = append(dst, b[:d]...)
		if d == e {
			dst = append(dst, '/')
		}
	}
	return append(dst, u...)
}

// hasScheme reports whether u starts with a URL scheme ("data:",
// "javascript:", "mailto:").
func hasScheme(u []byte) bool {
	for i, c := range u {
		switch {
		case isAlpha(c):
		case i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'):
		case i > 0 && c == ':':
			return true
		default:
			return false
		}
	}
	return false
}

// svgFetch decides on a start tag in SVG/MathML content: the href (or
// xlink:href) of <image>, <feImage>, <use> and <script> fetches, and
// event handlers run, on any element. A blocked URL or handler removes
// that attribute only (in both modes): removing a foreign start tag would
// leave its end tag to close something else.
func (r *Rewriter) svgFetch(view []byte, ne int, id tagID) {
	fetches := id == tImage || id == tFeImage || id == tUse || id == tScript
	styled := false
	r.edits = r.edits[:0]
	for a, i, ok := nextAttr(view, ne); ok; a, i, ok = nextAttr(view, i) {
		n := view[a.ns:a.ne]
		if !a.hasVal {
			continue
		}
		switch {
		case fetches && (isAttr(n, "href") || len(n) > 5 && eqFold(n[len(n)-5:], ":href")):
			t, host, v := r.checkURL(view[a.vs:a.ve])
			if v == vBlocked {
				r.removeAttr(view, ne, a)
				r.reportAttr(kindName(id), host, t)
			} else {
				r.kept(kindName(id), host, t)
			}
		case len(n) > 2 && lower(n[0]) == 'o' && lower(n[1]) == 'n':
			if t, host := r.matchHandler(view[a.vs:a.ve]); t != nil {
				r.removeAttr(view, ne, a)
				r.reportAttrString("handler", host, t)
			}
		case isAttr(n, "style") && !styled:
			styled = true
			r.styleAttr(view, a)
		}
	}
	if len(r.edits) > 0 {
		r.emitEdits(view)
	} else {
		r.keepTag(view, false)
	}
}

// RefreshURL returns the URL of a Refresh header or <meta http-equiv>
// value ("5; url=https://..."), "" when it names none.
func RefreshURL(v string) string {
	return string(refreshURL([]byte(strings.TrimSpace(v))))
}

// svgScriptCheck closes the held SVG <script> frame as kept when its
// element was closed by something else than its end tag (the foreign
// content ended, or an enclosing element closed).
func (r *Rewriter) svgScriptCheck() {
	f := &r.frames[len(r.frames)-1]
	if len(r.ns) < f.nsLen || len(r.fnames) < f.fnLen {
		r.popFrame(false)
	}
}

// svgScriptEnd decides on a held SVG <script> at its end tag: its text
// (character references decoded, read as script) naming a blocked tracker
// drops the element with its end tag, and it returns true; else the held
// output is written and the end tag goes on as usual.
func (r *Rewriter) svgScriptEnd(view []byte) bool {
	f := r.frames[len(r.frames)-1]
	if !f.holding || len(r.ns) != f.nsLen || len(r.fnames) != f.fnLen {
		r.popFrame(false)
		return false
	}
	t, host := r.matchHandler(r.hold[f.start+f.stl:])
	if t == nil {
		r.popFrame(false)
		return false
	}
	r.popFrame(true)
	r.closeForeign(r.endHash(view, false))
	r.reportString("script", host, t, false)
	return true
}
