package htmlrewrite

import (
	"io"
)

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
