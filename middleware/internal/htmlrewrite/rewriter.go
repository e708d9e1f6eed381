package htmlrewrite

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"unsafe"
)

// Limits on what one Rewriter holds. Each bounds memory per in-flight
// response, whatever the body size; see the package documentation for
// what happens beyond them.
const (
	// MaxTagBytes caps an opening or closing tag held until its '>'.
	MaxTagBytes = 64 << 10
	// MaxScriptBytes caps an inline executable script (start tag and text)
	// held until its end tag to decide on it.
	MaxScriptBytes = 256 << 10
	// MaxHoldBytes caps the output held for a <noscript> (to drop it when
	// a removal leaves it empty) or for the content of a removed <object>.
	MaxHoldBytes = 64 << 10

	outBufSize = 16 << 10 // coalescing buffer for edited output
	maxFrames  = 32       // nested <noscript>/<object> frames tracked
	maxNS      = 64       // nested SVG/MathML frames tracked
	maxFNames  = 256      // open SVG/MathML elements tracked by name
)

// ErrClosed is returned by Write after Close.
var ErrClosed = errors.New("htmlrewrite: write after Close")

// Mode says what happens to a tracker element whose category is not granted.
type Mode uint8

const (
	// Strip removes the element (default).
	Strip Mode = iota
	// Defer keeps the element inert: a script becomes
	// type="text/plain" with its src in data-consent-src, the URL
	// attributes of images, iframes, embeds, objects and sources get the
	// "data-consent-" prefix, and data-consent-category names the category
	// so that the banner can switch them on after consent.
	Defer
)

// Options are the per-response settings of a Rewriter.
type Options struct {
	// Granted has bit i set when category i is granted.
	Granted uint64
	// Mode is Strip or Defer.
	Mode Mode
	// InjectHead is inserted once, right after the first real opening
	// <head> tag, or, when a <script> or <body> start tag comes first (the
	// head tag is optional in HTML), right before that tag: so it runs
	// before any script of the page. nil injects nothing.
	InjectHead []byte
	// Inject is inserted right after the first real opening <body> tag
	// (not one inside a comment, script, attribute, template, noscript or
	// removed element), once. nil injects nothing.
	Inject []byte
	// SiteHost is the request's host (no port). It tells third-party
	// beacons from the site's own images: the host itself, its
	// subdomains, and, when it starts with "www.", the rest and its
	// subdomains count as first party. Empty disables the beacon rule.
	SiteHost string
	// Beacons treats 1×1 / 0×0 images and iframes (width and height
	// attributes both 0 or 1), and those hidden by a hidden attribute or a
	// style with display:none or visibility:hidden, whose src is an
	// absolute URL on a third-party host that no tracker declares, as
	// undeclared trackers.
	Beacons bool
	// BeaconCategory is the category reported for undeclared beacons in
	// Defer mode's data-consent-category.
	BeaconCategory uint8
	// BeaconAllowed lets undeclared beacons through (the visitor granted
	// what they stand for).
	BeaconAllowed bool
	// CategoryNames[i] is written as the value of data-consent-category
	// for category i in Defer mode; a missing or empty name is written as
	// the decimal bit number.
	CategoryNames []string
	// OnRemove, if set, is called once per removed or deferred element or
	// ping attribute. With it set, each call allocates its Host string.
	OnRemove func(Removal)
	// OnTag, if set, is called for each removed or deferred element or
	// ping attribute, as OnRemove, and for each script, img, iframe,
	// embed, object, source or link hint that is kept and loads from an
	// absolute URL on a third-party host (any host when SiteHost is
	// empty): what a page makes the browser contact, for an inventory.
	// A kept inline script reports the third-party hosts its text names
	// (Kind InlineScriptKind): those of absolute URLs, and quoted host
	// names a tracker declares.
	// Unlike OnRemove it allocates nothing; the event's Host is only valid
	// during the call and must not be modified.
	OnTag func(TagEvent)
}

// Removal describes one removed or deferred element, for reports.
type Removal struct {
	// Kind is the element ("script", "img", "iframe", "embed", "object",
	// "source", "link") or "ping" for a removed ping attribute.
	Kind string
	// Host is the URL's host as written in the page, or, for an inline
	// script, the declared host found in its text.
	Host string
	// Tracker is the matching declaration, nil for an undeclared beacon.
	Tracker *Tracker
	// Deferred is true in Defer mode when the element was kept inert
	// rather than removed.
	Deferred bool
}

// TagEvent is one element seen by OnTag.
type TagEvent struct {
	// Kind is the element, or "ping", as in Removal.
	Kind string
	// Host is the URL's host as written in the page, or, for an inline
	// script, the declared host found in its text. Only valid during the
	// call.
	Host []byte
	// Tracker is the matching declaration, nil when none.
	Tracker *Tracker
	// Removed is set when the element was removed, Deferred when it was
	// kept inert; neither when it was kept.
	Removed, Deferred bool
}

// Tokenizer states.
const (
	stData      uint8 = iota
	stLT              // after '<': what follows decides (token held)
	stTag             // inside a start or end tag (token held)
	stTagStream       // a tag beyond MaxTagBytes, passed through
	stComment
	stBogus // bogus comment or doctype: up to '>'
	stCDATA
	stRaw        // RAWTEXT / RCDATA text
	stScript     // script text streamed (kept or dropped)
	stScriptHold // inline script text held for the decision (token held)
	stEndTail    // rest of the end tag of a raw text element
	stPlain      // after <plaintext>
)

// Comment scanner states.
const (
	cStart uint8 = iota
	cStartDash
	cText
	cDash1
	cDash2
	cBang
)

// Kinds of held frames.
const (
	fNoscript uint8 = iota
	fObject
)

type frame struct {
	kind    uint8
	adj     bool // its start tag follows a literal '<'
	holding bool // its output is held in Rewriter.hold from start on
	removed bool // a removal happened inside
	content bool // something other than whitespace and comments was kept
	start   int
	depth   int // <object> nesting
}

// Namespace frames.
const (
	nsSVG uint8 = iota
	nsMath
	nsIsland // HTML content inside an integration point
)

// An nsFrame is SVG or MathML content, or HTML content inside one of its
// integration points (an island). The frame's open elements are
// Rewriter.fnames[base:] (name hashes; a foreign frame's root first),
// plus over unnamed ones beyond maxFNames. The integration point of an
// island is the last name of the foreign frame under it.
type nsFrame struct {
	kind uint8
	id   tagID // nsIsland: the integration point
	base int   // start of the frame's names in Rewriter.fnames
	over int   // open elements beyond maxFNames
}

type edit struct {
	pos, del int
	ins      []byte
}

// Rewriter is a streaming HTML rewriter that removes (or defers) tracker
// elements and injects the banner markup. It is not safe for concurrent
// use; it is reusable with Reset, so pool it.
type Rewriter struct {
	dst io.Writer
	m   *Matcher
	o   Options
	err error

	closed       bool
	changed      bool
	injected     bool
	headInjected bool
	// A literal '<' was just emitted as text (adjLT), so the tag at hand
	// follows it (tagAdj): removing that tag must not join the '<' with
	// the text after it into a new tag.
	adjLT  bool
	tagAdj bool

	// Output: a pending run of the current input, and a coalescing buffer.
	p          []byte
	runA, runB int
	out        []byte

	state uint8
	// The token under decision: tok holds its bytes from earlier writes,
	// ts is where it starts (or continues) in the current input.
	tok []byte
	ts  int
	cls []byte // scratch for classifying a held "<..."

	tsc   tagScan
	isEnd bool
	ovID  tagID // tag passed through beyond MaxTagBytes
	ss    scriptScan
	stl   int // held script: length of its start tag
	// rules: the held script is speculation rules, whose URLs the browser
	// fetches without running a script; removed, never deferred, when they
	// name a refused tracker.
	rules   bool
	rawName string
	rawN    int
	rawDrop bool // stRaw/stScript/stEndTail: drop instead of emit
	cst     uint8
	cb      uint8

	frames  []frame
	holding int
	hold    []byte

	ns        []nsFrame
	fnames    []uint32 // hashes of the names of open foreign elements
	ovHash    uint32   // name hash of the tag passed through beyond MaxTagBytes
	tmplDepth int

	dec   []byte // entity-decoded attribute value
	edits []edit
	cat   []byte

	inlineSeen int // hosts of kept inline scripts reported on this page
}

// New returns a Rewriter that writes the rewritten body to dst.
func New(dst io.Writer, m *Matcher, o Options) *Rewriter {
	r := &Rewriter{}
	r.Reset(dst, m, o)
	return r
}

// Reset makes r ready for a new response, keeping its buffers (those that
// grew beyond 64 KiB are released).
func (r *Rewriter) Reset(dst io.Writer, m *Matcher, o Options) {
	*r = Rewriter{
		dst:    dst,
		m:      m,
		o:      o,
		out:    r.out[:0],
		tok:    shrink(r.tok),
		cls:    r.cls[:0],
		frames: r.frames[:0],
		hold:   shrink(r.hold),
		ns:     r.ns[:0],
		fnames: r.fnames[:0],
		dec:    r.dec[:0],
		edits:  r.edits[:0],
		cat:    r.cat[:0],
	}
}

func shrink(b []byte) []byte {
	if cap(b) > 64<<10 {
		return nil
	}
	return b[:0]
}

// Changed reports whether any byte was removed, changed or injected so far.
func (r *Rewriter) Changed() bool { return r.changed }

// Write rewrites p. It returns len(p) on success even when it holds bytes
// back for an element under decision. Everything decided is written to dst
// before Write returns, in one dst.Write when nothing was changed, else in
// as few as the 16 KiB coalescing buffer allows.
func (r *Rewriter) Write(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	if r.closed {
		return 0, ErrClosed
	}
	if len(p) == 0 {
		return 0, nil
	}
	r.p = p
	r.ts = 0
	r.process(p)
	r.finish()
	r.p = nil
	if r.err != nil {
		return 0, r.err
	}
	return len(p), nil
}

// Flush writes out everything already decided. Bytes held for an element
// under decision stay held. Write already writes all decided bytes, so
// Flush only reports a pending error; call the underlying http.Flusher
// after it.
func (r *Rewriter) Flush() error {
	if r.err == nil {
		r.writeOut()
	}
	return r.err
}

// Close ends the body and writes everything still held: an unterminated
// tag is passed through unchanged; an unterminated inline script is decided
// on the text it has (browsers run it); held <noscript> and removed
// <object> content is written as it is. Close does not close dst.
func (r *Rewriter) Close() error {
	if r.closed {
		return r.err
	}
	r.closed = true
	if r.err != nil {
		return r.err
	}
	r.p = nil
	switch r.state {
	case stLT, stTag:
		r.emit(r.tok)
		r.tok = r.tok[:0]
	case stScriptHold:
		r.decideScript(r.tok, true)
		r.tok = r.tok[:0]
	}
	r.state = stData
	r.giveUp()
	r.writeOut()
	return r.err
}

func (r *Rewriter) process(b []byte) {
	i := 0
	for i < len(b) && r.err == nil {
		switch r.state {
		case stData:
			i = r.data(b, i)
		case stLT:
			i = r.lt(b)
		case stTag:
			i = r.tag(b, i)
		case stTagStream:
			j, done := r.tsc.scan(b, i)
			r.emit(b[i:j])
			if done {
				r.state = stData
				r.onTag(nil, true)
			}
			i = j
		case stComment:
			i = r.comment(b, i)
		case stBogus:
			j := bytes.IndexByte(b[i:], '>')
			if j < 0 {
				r.emit(b[i:])
				i = len(b)
			} else {
				r.emit(b[i : i+j+1])
				i += j + 1
				r.state = stData
			}
		case stCDATA:
			i = r.cdata(b, i)
		case stRaw:
			j, found := rawScan(b, i, r.rawName, &r.rawN)
			r.raw(b[i:j])
			if found {
				r.state, r.tsc = stEndTail, tagScan{}
			}
			i = j
		case stScript:
			j, found := r.ss.scan(b, i)
			r.raw(b[i:j])
			if found {
				r.state, r.tsc = stEndTail, tagScan{}
			}
			i = j
		case stScriptHold:
			i = r.scriptHold(b, i)
		case stEndTail:
			j, done := r.tsc.scan(b, i)
			r.raw(b[i:j])
			if done {
				r.state, r.rawDrop = stData, false
			}
			i = j
		case stPlain:
			r.emit(b[i:])
			i = len(b)
		}
	}
	if r.err != nil {
		return
	}
	switch r.state {
	case stLT, stTag, stScriptHold:
		r.appendTok(b[r.ts:])
		r.ts = 0
	}
}

// ---- output ----------------------------------------------------------------

// emit outputs s: into the hold when a frame holds, else as part of the
// current input's pending run when s lies in it, else into out.
func (r *Rewriter) emit(s []byte) {
	if len(s) == 0 {
		return
	}
	if r.holding > 0 {
		if len(r.hold)+len(s) <= MaxHoldBytes {
			r.hold = append(r.hold, s...)
			return
		}
		r.giveUp()
	}
	if off, ok := r.offsetInP(s); ok {
		if r.runB > r.runA && r.runB == off {
			r.runB += len(s)
			return
		}
		r.spill()
		r.runA, r.runB = off, off+len(s)
		return
	}
	r.spill()
	r.appendOut(s)
}

// offsetInP tells whether s is a subslice of the current input, and where:
// two slices of one array share the address of its last element.
func (r *Rewriter) offsetInP(s []byte) (int, bool) {
	p := r.p
	if cap(p) == 0 || cap(s) == 0 || &s[:cap(s)][cap(s)-1] != &p[:cap(p)][cap(p)-1] {
		return 0, false
	}
	off := cap(p) - cap(s)
	if off < 0 || off+len(s) > len(p) {
		return 0, false
	}
	return off, true
}

func (r *Rewriter) spill() {
	if r.runB > r.runA {
		a, b := r.runA, r.runB
		r.runA, r.runB = 0, 0
		r.appendOut(r.p[a:b])
	}
}

func (r *Rewriter) appendOut(s []byte) {
	if len(r.out)+len(s) > outBufSize {
		r.writeOut()
		if len(s) > outBufSize/2 {
			r.write(s)
			return
		}
	}
	if r.out == nil {
		r.out = make([]byte, 0, outBufSize)
	}
	r.out = append(r.out, s...)
}

func (r *Rewriter) writeOut() {
	if len(r.out) > 0 {
		r.write(r.out)
		r.out = r.out[:0]
	}
}

func (r *Rewriter) write(s []byte) {
	if r.err != nil {
		return
	}
	n, err := r.dst.Write(s)
	if err == nil && n < len(s) {
		err = io.ErrShortWrite
	}
	r.err = err
}

// finish writes what the current Write decided.
func (r *Rewriter) finish() {
	if r.runB > r.runA {
		if len(r.out) == 0 {
			r.write(r.p[r.runA:r.runB])
		} else {
			r.spill()
		}
		r.runA, r.runB = 0, 0
	}
	r.writeOut()
}

// text emits character data, noting non-whitespace for <noscript>.
func (r *Rewriter) text(s []byte) {
	r.emit(s)
	if n := len(r.frames); n > 0 && !r.frames[n-1].content {
		for _, c := range s {
			if !isWS(c) {
				r.frames[n-1].content = true
				break
			}
		}
	}
}

// keepTag emits a kept tag (unless ov: it was already passed through).
// topLevel reports whether the tag at hand is in the document itself: not
// in a template, a held frame (noscript, removed object) or foreign content.
func (r *Rewriter) topLevel() bool {
	return r.tmplDepth == 0 && len(r.frames) == 0 && len(r.ns) == 0
}

func (r *Rewriter) injectHead() {
	r.headInjected = true
	if len(r.o.InjectHead) > 0 {
		r.emit(r.o.InjectHead)
		r.changed = true
	}
}

func (r *Rewriter) keepTag(view []byte, ov bool) {
	if !ov {
		r.emit(view)
	}
	r.markContent()
}

func (r *Rewriter) markContent() {
	if n := len(r.frames); n > 0 {
		r.frames[n-1].content = true
	}
}

func (r *Rewriter) raw(s []byte) {
	if r.rawDrop {
		return
	}
	r.emit(s)
}

// ---- frames ----------------------------------------------------------------

func (r *Rewriter) pushFrame(kind uint8, hold bool) bool {
	if len(r.frames) >= maxFrames {
		return false
	}
	f := frame{kind: kind, depth: 1, adj: r.tagAdj}
	if hold {
		f.holding, f.start = true, len(r.hold)
		r.holding++
	}
	r.frames = append(r.frames, f)
	return true
}

// popFrame closes the top frame; drop discards what it holds.
func (r *Rewriter) popFrame(drop bool) {
	n := len(r.frames) - 1
	f := r.frames[n]
	r.frames = r.frames[:n]
	if f.holding {
		if drop {
			r.hold = r.hold[:f.start]
			r.changed = true
			if f.adj && f.kind == fNoscript {
				r.hold = append(r.hold, separator...)
			}
		}
		r.holding--
	}
	if n > 0 {
		p := &r.frames[n-1]
		if drop || f.kind == fObject {
			p.removed = true
		} else {
			p.content = true
		}
	}
	if f.holding && r.holding == 0 {
		r.flushHold()
	}
}

func (r *Rewriter) flushHold() {
	s := r.hold
	r.hold = r.hold[:0]
	r.emit(s)
}

// giveUp stops holding: everything held is written and the frames go on
// without holding.
func (r *Rewriter) giveUp() {
	for i := range r.frames {
		r.frames[i].holding = false
	}
	if r.holding > 0 {
		r.holding = 0
		r.flushHold()
	}
}

func (r *Rewriter) inForeign() bool {
	n := len(r.ns)
	return n > 0 && r.ns[n-1].kind != nsIsland
}

// pushNS opens a frame; h is the name hash of a foreign frame's root.
func (r *Rewriter) pushNS(kind uint8, id tagID, h uint32) {
	if len(r.ns) < maxNS {
		r.ns = append(r.ns, nsFrame{kind: kind, id: id, base: len(r.fnames)})
		if kind != nsIsland {
			r.pushName(h)
		}
	}
}

// pushName records an element opened in the top frame.
func (r *Rewriter) pushName(h uint32) {
	top := &r.ns[len(r.ns)-1]
	if top.over > 0 || len(r.fnames) >= maxFNames {
		top.over++
		return
	}
	r.fnames = append(r.fnames, h)
}

func (r *Rewriter) popNS() {
	n := len(r.ns) - 1
	r.fnames = r.fnames[:r.ns[n].base]
	r.ns = r.ns[:n]
}

// popForeign leaves SVG/MathML content up to the nearest HTML context.
func (r *Rewriter) popForeign() {
	for n := len(r.ns); n > 0 && r.ns[n-1].kind != nsIsland; n-- {
		r.popNS()
	}
}

// closeName closes the open element of the top frame whose name hash is
// h, with the elements opened after it. It reports false when the frame
// has no open element of that name. Beyond maxFNames it only counts.
func (r *Rewriter) closeName(h uint32) bool {
	top := &r.ns[len(r.ns)-1]
	if top.over > 0 {
		top.over--
		return true
	}
	k := len(r.fnames) - 1
	for k >= top.base && r.fnames[k] != h {
		k--
	}
	if k < top.base {
		return false
	}
	r.fnames = r.fnames[:k]
	return true
}

// openIn reports whether the top frame has open elements.
func (r *Rewriter) openIn() bool {
	top := &r.ns[len(r.ns)-1]
	return top.over > 0 || len(r.fnames) > top.base
}

// closeForeign handles the end tag of a foreign element (name hash h) in
// the top foreign frame, as the standard's "any other end tag" in foreign
// content: the open element of that name closes with those above it, and
// the frame with its root. It reports false when no open element of the
// frame has that name.
func (r *Rewriter) closeForeign(h uint32) bool {
	if !r.closeName(h) {
		return false
	}
	if !r.openIn() {
		r.popNS()
	}
	return true
}

// nameHash is the FNV-1a hash of a lowercased tag name.
func nameHash(name []byte) uint32 {
	h := uint32(2166136261)
	for _, c := range name {
		h = (h ^ uint32(lower(c))) * 16777619
	}
	return h
}

var (
	hashSVG           = nameHash([]byte("svg"))
	hashMath          = nameHash([]byte("math"))
	hashAnnotationXML = nameHash([]byte("annotation-xml"))
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
		g, id, self, ok := fastTag(b, k)
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
// takes it). ok: it needs nothing and ends at g. Otherwise it matters: id
// and self describe it.
func fastTag(b []byte, k int) (g int, id tagID, self, ok bool) {
	n := len(b)
	p := k + 1
	if p+1 >= n {
		return -1, 0, false, false
	}
	end := b[p] == '/'
	if end {
		p++
	}
	if !isAlpha(b[p]) {
		return -1, 0, false, false
	}
	e := p + 1
	for e < n && !isNameEnd[b[e]] {
		e++
	}
	if e >= n {
		return -1, 0, false, false
	}
	if maybeHTMLTag[maybeIndex(b[p], e-p)] {
		id = htmlTagID(b, p, e)
	}
	if b[e] == '>' {
		g = e + 1
	} else {
		lim := n
		if lim-k > MaxTagBytes {
			lim = k + MaxTagBytes
		}
		var found, ping bool
		g, self, ping, found = findTagEndPing(b[:lim], e)
		if !found {
			return -1, 0, false, false
		}
		if id == tA || id == tArea {
			return g, id, self, end || !ping
		}
	}
	switch id {
	case tOther:
		return g, id, self, true
	case tA, tArea:
		return g, id, self, true
	case tTemplate:
		return g, id, self, false
	}
	// Without frames, end tags other than </template> need nothing.
	return g, id, self, end
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
	return r.onTagID(view, ne, id, ov)
}

// onTagID is onTag with the name known: it ends at view[ne].
func (r *Rewriter) onTagID(view []byte, ne int, id tagID, ov bool) bool {
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
			r.keepTag(view, ov)
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
		r.keepTag(view, ov)
		if r.o.InjectHead != nil && !r.headInjected && r.topLevel() {
			r.injectHead()
		}
	case tScript:
		return r.scriptStart(view, ne, ov)
	case tStyle, tXmp, tNoembed, tNoframes, tTitle, tTextarea:
		r.keepTag(view, ov)
		r.startRaw(id, false)
	case tIframe:
		drop := false
		if ov {
			r.keepTag(view, ov)
		} else {
			drop = r.media(view, ne, id)
		}
		r.startRaw(tIframe, drop)
	case tImg, tEmbed, tSource:
		if ov {
			r.keepTag(view, ov)
		} else {
			r.media(view, ne, id)
		}
	case tObject:
		if n := len(r.frames); n > 0 && r.frames[n-1].kind == fObject {
			r.frames[n-1].depth++
		}
		if ov {
			r.keepTag(view, ov)
		} else if r.media(view, ne, id) {
			if n := len(r.frames); n > 0 && r.frames[n-1].kind == fObject {
				r.frames[n-1].depth-- // the removed object has its own frame
			}
			if !r.pushFrame(fObject, true) {
				// Too deep to track: only the start tag goes.
				r.markRemoved()
			}
		}
	case tLink:
		if ov || !r.link(view, ne) {
			r.keepTag(view, ov)
		}
	case tA, tArea:
		if ov || !r.ping(view, ne) {
			r.keepTag(view, ov)
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
		r.keepTag(view, ov)
		if !r.injected && r.o.Inject != nil && r.tmplDepth == 0 && len(r.frames) == 0 {
			r.injected = true
			if len(r.o.Inject) > 0 {
				r.emit(r.o.Inject)
				r.changed = true
			}
		}
	case tPlaintext:
		r.keepTag(view, ov)
		r.state = stPlain
	case tTemplate:
		r.tmplDepth++
		r.keepTag(view, ov)
	case tSvg, tMath:
		if !self {
			k, h := nsSVG, hashSVG
			if id == tMath {
				k, h = nsMath, hashMath
			}
			r.pushNS(k, id, h)
		}
		r.keepTag(view, ov)
	default:
		r.keepTag(view, ov)
	}
	return false
}

func (r *Rewriter) endTag(view []byte, id tagID, ov bool) {
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
			r.popFrame(true) // an unclosed removed <object> inside
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

// ---- scripts ---------------------------------------------------------------

// jsTypes are the type values that make a script executable (after
// trimming, lowercasing and dropping parameters), besides the empty one.
var jsTypes = []string{"module", "text/javascript", "application/javascript",
	"application/ecmascript", "application/x-ecmascript", "application/x-javascript",
	"text/ecmascript", "text/javascript1.0", "text/javascript1.1", "text/javascript1.2",
	"text/javascript1.3", "text/javascript1.4", "text/javascript1.5", "text/jscript",
	"text/livescript", "text/x-ecmascript", "text/x-javascript"}

func executableType(v []byte) bool {
	if i := bytes.IndexByte(v, ';'); i >= 0 {
		v = v[:i]
	}
	v = bytes.TrimFunc(v, func(c rune) bool { return c < 0x80 && isWS(byte(c)) })
	if len(v) == 0 {
		return true
	}
	for _, t := range jsTypes {
		if eqFold(v, t) {
			return true
		}
	}
	return false
}

// urlRulesType reports speculation rules, whose text lists URLs the browser
// prefetches or prerenders by itself: a Content-Security-Policy does not
// govern those requests (they are navigations), so the rewriter judges the
// text like an inline script's. Import maps stay: they load nothing by
// themselves, an import does, which the policy governs, and removing one
// would break every module that imports through it.
func urlRulesType(v []byte) bool {
	v = bytes.TrimFunc(v, func(c rune) bool { return c < 0x80 && isWS(byte(c)) })
	return eqFold(v, "speculationrules")
}

func (r *Rewriter) scriptStart(view []byte, ne int, ov bool) bool {
	r.ss = scriptScan{}
	if ov {
		r.keepTag(view, ov)
		r.state, r.rawDrop = stScript, false
		return false
	}
	var src, typ attr
	hasSrc, hasType := false, false
	for a, i, ok := nextAttr(view, ne); ok; a, i, ok = nextAttr(view, i) {
		n := view[a.ns:a.ne]
		if !hasSrc && eqFold(n, "src") {
			src, hasSrc = a, true
		} else if !hasType && eqFold(n, "type") {
			typ, hasType = a, true
		}
	}
	r.state, r.rawDrop, r.rules = stScript, false, false
	if hasType && !executableType(view[typ.vs:typ.ve]) {
		if !hasSrc && urlRulesType(view[typ.vs:typ.ve]) {
			r.rules = true
			r.state, r.stl = stScriptHold, len(view)
			return true
		}
		r.keepTag(view, false)
		return false
	}
	if !hasSrc {
		r.state, r.stl = stScriptHold, len(view)
		return true
	}
	t, host, v := r.checkURL(view[src.vs:src.ve])
	if v != vBlocked {
		r.kept("script", host, t)
		r.keepTag(view, false)
		return false
	}
	if r.o.Mode == Defer {
		r.deferTag(view, ne, t.Category, true, "src", "type")
		r.report("script", host, t, true)
	} else {
		r.report("script", host, t, false)
		r.rawDrop = true
	}
	return false
}

func (r *Rewriter) scriptHold(b []byte, i int) int {
	room := MaxScriptBytes - len(r.tok) - (i - r.ts)
	lim, capped := len(b), false
	if lim-i > room {
		lim, capped = i+room, true
	}
	j, found := r.ss.scan(b[:lim], i)
	if !found && !capped {
		return len(b)
	}
	view := r.tokView(b, j)
	r.decideScript(view, !found)
	r.tok = r.tok[:0]
	r.ts = j
	return j
}

// decideScript decides on a held inline script. view is its start tag and
// text, followed by "</script" of the end tag unless partial: partial is
// true at MaxScriptBytes, where the text goes on streaming in stScript
// (kept or dropped as decided), and at Close.
func (r *Rewriter) decideScript(view []byte, partial bool) {
	stl := r.stl
	if stl > len(view) {
		stl = len(view)
	}
	t, host := r.m.matchText(view[stl:], r.o.Granted)
	drop := false
	switch {
	case t == nil:
		r.keepTag(view, false)
		if r.o.OnTag != nil && r.inlineSeen < maxInlineHostsPerPage {
			r.inlineHosts(view[stl:])
		}
	case r.o.Mode == Defer && !r.rules:
		r.deferTag(view[:stl], len(tagName(view, false))+1, t.Category, true, "type")
		r.emit(view[stl:])
		r.reportString("script", host, t, true)
	default:
		drop = true
		r.reportString("script", host, t, false)
	}
	if partial {
		r.state, r.rawDrop = stScript, drop
	} else {
		r.state, r.rawDrop, r.tsc = stEndTail, drop, tagScan{}
	}
}

// ---- URL decisions ---------------------------------------------------------

// URL verdicts.
const (
	vRelative   uint8 = iota // not an absolute http(s) URL
	vUndeclared              // absolute, no tracker declared for it
	vAllowed                 // a declared tracker whose category is granted
	vBlocked                 // a declared tracker whose category is not granted
)

func (r *Rewriter) checkURL(v []byte) (*Tracker, []byte, uint8) {
	for k := 0; k < len(v); k++ {
		if c := v[k]; c == '&' || c == '\t' || c == '\n' || c == '\r' {
			r.dec = decodeAttr(r.dec[:0], v)
			v = r.dec
			break
		}
	}
	t, host := r.m.match(v)
	switch {
	case host == nil:
		return nil, nil, vRelative
	case t == nil:
		return nil, host, vUndeclared
	case r.o.Granted&(1<<t.Category) != 0:
		return t, host, vAllowed
	}
	return t, host, vBlocked
}

// srcsetURLs calls f with each candidate URL of a srcset value until f
// returns true.
func srcsetURLs(v []byte, f func(u []byte) bool) bool {
	i := 0
	for i < len(v) {
		for i < len(v) && (isWS(v[i]) || v[i] == ',') {
			i++
		}
		s := i
		for i < len(v) && !isWS(v[i]) {
			i++
		}
		u := v[s:i]
		for len(u) > 0 && u[len(u)-1] == ',' {
			u = u[:len(u)-1]
		}
		if len(u) > 0 && f(u) {
			return true
		}
		// Skip the descriptors, up to a comma outside parentheses.
		depth := 0
		for i < len(v) {
			c := v[i]
			i++
			if c == '(' {
				depth++
			} else if c == ')' && depth > 0 {
				depth--
			} else if c == ',' && depth == 0 {
				break
			}
		}
	}
	return false
}

var kindNames = [...]string{tImg: "img", tIframe: "iframe", tEmbed: "embed", tObject: "object",
	tSource: "source", tLink: "link", tScript: "script"}

// media decides on img, iframe, embed, object and source. It emits the tag
// kept or deferred, or drops it, and returns true when it was removed
// (Strip) or is an object to remove with its content.
func (r *Rewriter) media(view []byte, ne int, id tagID) bool {
	if !mayHaveAbsoluteURL(view[ne:]) {
		// Most images on a page are the site's own, by relative URL.
		r.keepTag(view, false)
		return false
	}
	var url, srcset, width, height, style attr
	var hasURL, hasSrcset, hasW, hasH, hasStyle, hidden bool
	urlName := "src"
	if id == tObject {
		urlName = "data"
	}
	for a, i, ok := nextAttr(view, ne); ok; a, i, ok = nextAttr(view, i) {
		n := view[a.ns:a.ne]
		switch len(n) {
		case 3, 4:
			if !hasURL && eqFold(n, urlName) {
				url, hasURL = a, true
			}
		case 6:
			if !hasSrcset && id != tObject && eqFold(n, "srcset") {
				srcset, hasSrcset = a, true
			} else if !hasH && eqFold(n, "height") {
				height, hasH = a, true
			} else if eqFold(n, "hidden") {
				hidden = true
			}
		case 5:
			if !hasW && eqFold(n, "width") {
				width, hasW = a, true
			} else if !hasStyle && eqFold(n, "style") {
				style, hasStyle = a, true
			}
		}
	}
	var t *Tracker
	var host []byte
	verdict := vRelative
	if hasURL {
		t, host, verdict = r.checkURL(view[url.vs:url.ve])
	}
	if verdict != vBlocked && hasSrcset && (id == tImg || id == tSource) {
		srcsetURLs(view[srcset.vs:srcset.ve], func(u []byte) bool {
			t2, h2, v2 := r.checkURL(u)
			if v2 == vBlocked {
				t, host, verdict = t2, h2, v2
				return true
			}
			return false
		})
	}
	cat := uint8(0)
	switch {
	case verdict == vBlocked:
		cat = t.Category
	case verdict == vUndeclared && (id == tImg || id == tIframe) && r.o.Beacons && !r.o.BeaconAllowed &&
		r.o.SiteHost != "" && !r.firstParty(host) &&
		(hidden || hasStyle && hiddenStyle(view[style.vs:style.ve]) ||
			hasW && hasH && tinyDim(view[width.vs:width.ve]) && tinyDim(view[height.vs:height.ve])):
		t, cat = nil, r.o.BeaconCategory
	default:
		r.kept(kindNames[id], host, t)
		r.keepTag(view, false)
		return false
	}
	kind := kindNames[id]
	if r.o.Mode == Defer {
		if id == tObject {
			r.deferTag(view, ne, cat, false, "data")
		} else {
			r.deferTag(view, ne, cat, false, "src", "srcset")
		}
		r.report(kind, host, t, true)
		return false
	}
	r.report(kind, host, t, false)
	return true
}

func (r *Rewriter) firstParty(host []byte) bool {
	site := r.o.SiteHost
	for len(site) > 0 && site[len(site)-1] == '.' {
		site = site[:len(site)-1]
	}
	if len(site) > 4 && eqFold([]byte(site[:4]), "www.") {
		site = site[4:]
	}
	return hostWithin(host, site)
}

// hostWithin: host equals site or is a subdomain of it (ASCII case-insensitive).
func hostWithin(host []byte, site string) bool {
	if len(host) < len(site) {
		return false
	}
	tail := host[len(host)-len(site):]
	for i := 0; i < len(site); i++ {
		if lower(tail[i]) != lower(site[i]) {
			return false
		}
	}
	return len(host) == len(site) || host[len(host)-len(site)-1] == '.'
}

func tinyDim(v []byte) bool {
	v = bytes.TrimFunc(v, func(c rune) bool { return c < 0x80 && isWS(byte(c)) })
	if len(v) > 2 && eqFold(v[len(v)-2:], "px") {
		v = v[:len(v)-2]
	}
	return len(v) == 1 && (v[0] == '0' || v[0] == '1')
}

// hiddenStyle finds display:none or visibility:hidden in a style value,
// ignoring case and whitespace.
func hiddenStyle(v []byte) bool {
	var buf [512]byte
	n := 0
	for _, c := range v {
		if isWS(c) {
			continue
		}
		if n == len(buf) {
			break
		}
		buf[n] = lower(c)
		n++
	}
	s := buf[:n]
	return bytes.Contains(s, displayNone) || bytes.Contains(s, visibilityHidden)
}

var (
	displayNone      = []byte("display:none")
	visibilityHidden = []byte("visibility:hidden")
)

var hintRels = []string{"preconnect", "dns-prefetch", "preload", "prefetch", "modulepreload"}

// link removes resource hints to blocked trackers (in both modes).
func (r *Rewriter) link(view []byte, ne int) bool {
	var rel, href attr
	var hasRel, hasHref bool
	for a, i, ok := nextAttr(view, ne); ok; a, i, ok = nextAttr(view, i) {
		n := view[a.ns:a.ne]
		if !hasRel && eqFold(n, "rel") {
			rel, hasRel = a, true
		} else if !hasHref && eqFold(n, "href") {
			href, hasHref = a, true
		}
	}
	if !hasRel || !hasHref {
		return false
	}
	hint := false
	v := view[rel.vs:rel.ve]
	for i := 0; i < len(v) && !hint; {
		for i < len(v) && isWS(v[i]) {
			i++
		}
		s := i
		for i < len(v) && !isWS(v[i]) {
			i++
		}
		for _, h := range hintRels {
			if eqFold(v[s:i], h) {
				hint = true
				break
			}
		}
	}
	if !hint {
		return false
	}
	t, host, verdict := r.checkURL(view[href.vs:href.ve])
	if verdict != vBlocked {
		r.kept("link", host, t)
		return false
	}
	r.report("link", host, t, false)
	return true
}

// ping removes ping attributes that name a blocked tracker (in both modes).
func (r *Rewriter) ping(view []byte, ne int) bool {
	if !mayHavePing(view) {
		return false
	}
	r.edits = r.edits[:0]
	for a, i, ok := nextAttr(view, ne); ok; a, i, ok = nextAttr(view, i) {
		if !a.hasVal || !eqFold(view[a.ns:a.ne], "ping") {
			continue
		}
		v := view[a.vs:a.ve]
		var t *Tracker
		var host []byte
		for k := 0; k < len(v); {
			for k < len(v) && isWS(v[k]) {
				k++
			}
			s := k
			for k < len(v) && !isWS(v[k]) {
				k++
			}
			if s < k {
				if t2, h2, verdict := r.checkURL(v[s:k]); verdict == vBlocked {
					t, host = t2, h2
					break
				}
			}
		}
		if t == nil {
			continue
		}
		s := a.ns
		for s > ne && isWS(view[s-1]) {
			s--
		}
		r.edits = append(r.edits, edit{pos: s, del: a.end - s})
		r.report("ping", host, t, false)
	}
	if len(r.edits) == 0 {
		return false
	}
	r.emitEdits(view)
	return true
}

// mayHavePing is a quick check for "ping" before an '='.
func mayHavePing(view []byte) bool {
	for k := 0; ; {
		j := bytes.IndexByte(view[k:], '=')
		if j < 0 {
			return false
		}
		e := k + j
		for e > 0 && isWS(view[e-1]) {
			e--
		}
		if e >= 4 && eqFold(view[e-4:e], "ping") {
			return true
		}
		k += j + 1
	}
}

// deferTag emits the tag made inert: data-consent-category (and, for a
// script, type="text/plain") inserted after the name, and every attribute
// named in renames prefixed with "data-consent-".
func (r *Rewriter) deferTag(view []byte, ne int, cat uint8, script bool, renames ...string) {
	r.cat = r.cat[:0]
	if script {
		r.cat = append(r.cat, ` type="text/plain"`...)
	}
	r.cat = append(r.cat, ` data-consent-category="`...)
	if int(cat) < len(r.o.CategoryNames) && r.o.CategoryNames[cat] != "" {
		r.cat = appendAttrEscaped(r.cat, r.o.CategoryNames[cat])
	} else {
		r.cat = strconv.AppendUint(r.cat, uint64(cat), 10)
	}
	r.cat = append(r.cat, '"')
	r.edits = append(r.edits[:0], edit{pos: ne, ins: r.cat})
	for a, i, ok := nextAttr(view, ne); ok; a, i, ok = nextAttr(view, i) {
		n := view[a.ns:a.ne]
		for _, rn := range renames {
			if eqFold(n, rn) {
				r.edits = append(r.edits, edit{pos: a.ns, ins: dataConsentPrefix})
				break
			}
		}
	}
	r.emitEdits(view)
}

var dataConsentPrefix = []byte("data-consent-")

func appendAttrEscaped(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"':
			b = append(b, "&quot;"...)
		case '&':
			b = append(b, "&amp;"...)
		case '<':
			b = append(b, "&lt;"...)
		case '>':
			b = append(b, "&gt;"...)
		default:
			b = append(b, c)
		}
	}
	return b
}

// emitEdits emits view with r.edits (ascending positions) applied.
func (r *Rewriter) emitEdits(view []byte) {
	prev := 0
	for _, e := range r.edits {
		r.emit(view[prev:e.pos])
		r.emit(e.ins)
		prev = e.pos + e.del
	}
	r.emit(view[prev:])
	r.changed = true
	r.markContent()
}

func (r *Rewriter) markRemoved() {
	r.changed = true
	if n := len(r.frames); n > 0 {
		r.frames[n-1].removed = true
	}
}

// separator replaces a removed element that follows a literal '<'.
var separator = []byte("<!---->")

func (r *Rewriter) report(kind string, host []byte, t *Tracker, deferred bool) {
	if !deferred {
		r.markRemoved()
		if r.tagAdj && kind != "ping" {
			r.tagAdj = false
			r.emit(separator)
		}
	} else {
		r.changed = true
	}
	if r.o.OnRemove != nil {
		r.o.OnRemove(Removal{Kind: kind, Host: string(host), Tracker: t, Deferred: deferred})
	}
	if r.o.OnTag != nil {
		r.o.OnTag(TagEvent{Kind: kind, Host: host, Tracker: t, Removed: !deferred, Deferred: deferred})
	}
}

// kept reports a kept element that loads from a third-party host.
func (r *Rewriter) kept(kind string, host []byte, t *Tracker) {
	if r.o.OnTag == nil || host == nil || r.o.SiteHost != "" && r.firstParty(host) {
		return
	}
	r.o.OnTag(TagEvent{Kind: kind, Host: host, Tracker: t})
}

func (r *Rewriter) reportString(kind, host string, t *Tracker, deferred bool) {
	if !deferred {
		r.markRemoved()
		if r.tagAdj {
			r.tagAdj = false
			r.emit(separator)
		}
	} else {
		r.changed = true
	}
	if r.o.OnRemove != nil {
		r.o.OnRemove(Removal{Kind: kind, Host: host, Tracker: t, Deferred: deferred})
	}
	if r.o.OnTag != nil {
		// Read-only, for the call: no copy of a declared host.
		b := unsafe.Slice(unsafe.StringData(host), len(host))
		r.o.OnTag(TagEvent{Kind: kind, Host: b, Tracker: t, Removed: !deferred, Deferred: deferred})
	}
}

// mayHaveAbsoluteURL reports whether the attributes of a tag can hold a URL
// with a host; when not, every URL in it is relative to the page. It looks
// for each mark with IndexByte, which is much faster than a byte loop over
// the long attribute lists of images.
func mayHaveAbsoluteURL(attrs []byte) bool {
	for _, c := range [...]byte{'\\', '&', '\t', '\n', '\r'} {
		if bytes.IndexByte(attrs, c) >= 0 {
			return true
		}
	}
	for rest := attrs; ; {
		i := bytes.IndexByte(rest, '/')
		if i < 0 {
			break
		}
		if i+1 < len(rest) && rest[i+1] == '/' {
			return true
		}
		rest = rest[i+1:]
	}
	for rest := attrs; ; {
		i := bytes.IndexByte(rest, ':')
		if i < 0 {
			return false
		}
		// "https:host" names a host on a page served over http; the colon
		// of CSS in sizes or style ("max-width: 600px") does not, and is
		// followed by a space.
		if i+1 == len(rest) || rest[i+1] != ' ' {
			return true
		}
		rest = rest[i+1:]
	}
}
