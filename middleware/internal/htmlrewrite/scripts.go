package htmlrewrite

import (
	"bytes"
)

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
	if hasType {
		if tv := r.keyword(view[typ.vs:typ.ve]); !executableType(tv) {
			if !hasSrc && (eqFold(tv, "importmap") || eqFold(tv, "speculationrules")) {
				// JSON that makes the browser fetch the URLs it names:
				// held and judged on its text like an inline script, and
				// removed, not deferred, in Defer mode (an inert copy
				// could never be switched on as rules).
				r.rules = true
				r.state, r.stl = stScriptHold, len(view)
				return true
			}
			r.keepTag(view, false)
			return false
		}
	}
	if !hasSrc {
		r.state, r.stl = stScriptHold, len(view)
		return true
	}
	r.curID = tScript
	t, host, v := r.checkURL(view[src.vs:src.ve])
	r.curID = tOther
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
	t, host := r.matchScript(view[stl:])
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
