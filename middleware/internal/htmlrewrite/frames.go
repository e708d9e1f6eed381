package htmlrewrite

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
			if f.adj && (f.kind == fNoscript || f.kind == fSVGScript) {
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
