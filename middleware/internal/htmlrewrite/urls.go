package htmlrewrite

import (
	"bytes"
	"strconv"
	"unsafe"
)

// ---- URL decisions ---------------------------------------------------------

// URL verdicts.
const (
	vRelative   uint8 = iota // not an absolute http(s) URL
	vUndeclared              // absolute, no tracker declared for it
	vAllowed                 // a declared tracker whose category is granted
	vBlocked                 // a declared tracker whose category is not granted
)

// checkURL judges one URL attribute value (character references not yet
// decoded). The host is valid until the next check.
func (r *Rewriter) checkURL(v []byte) (*Tracker, []byte, uint8) {
	for k := 0; k < len(v); k++ {
		if c := v[k]; c == '&' || c == '\t' || c == '\n' || c == '\r' {
			r.dec = decodeAttr(r.dec[:0], v)
			v = r.dec
			break
		}
	}
	return r.checkDecoded(v)
}

// checkDecoded is checkURL for a value whose character references are
// decoded and whose tabs and newlines are gone.
func (r *Rewriter) checkDecoded(v []byte) (*Tracker, []byte, uint8) {
	t, host := r.m.match(v)
	if host == nil {
		if judgesData(r.curID) {
			if t, h := r.checkData(v); t != nil {
				return t, stringBytes(h), vBlocked
			}
		}
		if js := javascriptURL(v); js != nil {
			// A javascript: URL is a script: judged on its text.
			if t, h := r.matchScript(js); t != nil {
				return t, stringBytes(h), vBlocked
			}
			return nil, nil, vRelative
		}
		if r.base == nil || len(v) == 0 || hasScheme(v) {
			return nil, nil, vRelative
		}
		// Relative to a <base> on another host.
		r.rbuf = r.resolveBase(r.rbuf[:0], v)
		if t, host = r.m.match(r.rbuf); host == nil {
			return nil, nil, vRelative
		}
	}
	switch {
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
	host = r.normReportHost(host)
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
	if r.o.OnTag == nil || host == nil {
		return
	}
	if host = r.normReportHost(host); r.o.SiteHost != "" && r.firstParty(host) {
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
