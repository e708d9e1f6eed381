package htmlrewrite

import (
	"bytes"
	"errors"
	"io"
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
	// Host is the URL's host as the URL parser makes it (lowercase,
	// percent-decoded, IDNA-mapped, no trailing dot), or, for an inline
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
	// Host is the URL's host as in Removal, or, for an inline script, the
	// declared host found in its text. Only valid during the call.
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
	stStyleHold  // <style> text held to cut what fetches trackers (token held)
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
	fSVGScript // an SVG <script>, held to judge its text at its end tag
)

type frame struct {
	kind    uint8
	adj     bool // its start tag follows a literal '<'
	holding bool // its output is held in Rewriter.hold from start on
	removed bool // a removal happened inside
	content bool // something other than whitespace and comments was kept
	start   int
	depth   int // <object> nesting
	// fSVGScript: the length of its (emitted) start tag, and the depths
	// of the foreign frames and names while its element is open.
	stl, nsLen, fnLen int
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

	inlineSeen int    // hosts of kept inline scripts reported on this page
	att        uint8  // attention bits of the tag at hand (see attention)
	base       []byte // the first kept <base href>, when absolute
	baseSeen   bool
	hostBuf    []byte // host of the deciding URL of the tag at hand
	keptBuf    []byte // host of its first kept third-party URL
	kw         []byte // decoded keyword attribute or handler
	lst        []byte // decoded srcset or ping list
	rbuf       []byte // relative URL resolved against base
	js, js2    []byte // script text read as JavaScript strings
	styleEnter bool   // stStyleHold starts at the current index
	cssBuf     []byte // a CSS segment unescaped
	cssOut     []byte // CSS with segments cut
	spans      []cssSpan
	curID      tagID  // the element whose URL is checked (for data: URLs)
	dataBuf    []byte // a data: URL's content
	nested     *Rewriter
	nbuf       []byte // a reported host normalised
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

		hostBuf: r.hostBuf[:0],
		keptBuf: r.keptBuf[:0],
		kw:      r.kw[:0],
		lst:     shrink(r.lst),
		rbuf:    r.rbuf[:0],
		js:      shrink(r.js),
		js2:     shrink(r.js2),
		cssBuf:  shrink(r.cssBuf),
		cssOut:  shrink(r.cssOut),
		spans:   r.spans[:0],
		dataBuf: shrink(r.dataBuf),
		nested:  r.nested,
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
	case stStyleHold:
		r.decideStyle(r.tok, false)
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
		case stStyleHold:
			i = r.styleHold(b, i)
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
	case stLT, stTag, stScriptHold, stStyleHold:
		if r.styleEnter {
			// The <style> start tag ended this input: its text starts
			// in the next one.
			r.styleEnter = false
			r.ts, r.tok = len(b), r.tok[:0]
		}
		r.appendTok(b[r.ts:])
		r.ts = 0
	}
}
