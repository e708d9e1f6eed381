package htmlrewrite

import (
	"bytes"
	"encoding/base64"
)

// data: URLs carry their document: in a frame, an object, an embed, a
// script or a stylesheet it runs or loads what it names. Such a URL is
// judged on its content, percent-decoded and, with ";base64", base64-
// decoded (the URL standard's forgiving base64), read as script text (see
// jsText): a tracker host in it blocks the element. Images are not judged
// (an image document fetches nothing).

// dataContent appends the decoded content of the data: URL u to dst; ok
// is false when u is not a data: URL or its base64 is broken.
func dataContent(dst, u []byte) ([]byte, bool) {
	for len(u) > 0 && u[0] <= ' ' {
		u = u[1:]
	}
	if len(u) < 5 || !eqFold(u[:5], "data:") {
		return dst, false
	}
	u = u[5:]
	comma := bytes.IndexByte(u, ',')
	if comma < 0 {
		return dst, false
	}
	meta := bytes.TrimRight(u[:comma], " \t\n\f\r")
	b64 := false
	if k := bytes.LastIndexByte(meta, ';'); k >= 0 {
		p := bytes.TrimSpace(meta[k+1:])
		b64 = eqFold(p, "base64")
	}
	start := len(dst)
	dst = percentUnescape(dst, u[comma+1:])
	if !b64 {
		return dst, true
	}
	// Forgiving base64: whitespace dropped, padding optional.
	enc := dst[start:]
	n := 0
	for _, c := range enc {
		if !isWS(c) {
			enc[n] = c
			n++
		}
	}
	enc = enc[:n]
	if len(enc)%4 == 0 {
		enc = bytes.TrimSuffix(enc, []byte("="))
		enc = bytes.TrimSuffix(enc, []byte("="))
	}
	out := make([]byte, base64.RawStdEncoding.DecodedLen(len(enc)))
	k, err := base64.RawStdEncoding.Decode(out, enc)
	if err != nil {
		return dst[:start], false
	}
	return append(dst[:start], out[:k]...), true
}

// judgesData: elements whose data: URLs are judged on their content.
func judgesData(id tagID) bool {
	switch id {
	case tIframe, tFrame, tObject, tEmbed, tScript, tLink:
		return true
	}
	return false
}

// checkData judges a data: URL's content; t is nil when it names no
// blocked tracker.
func (r *Rewriter) checkData(u []byte) (*Tracker, string) {
	var ok bool
	r.dataBuf, ok = dataContent(r.dataBuf[:0], u)
	if !ok || r.m == nil {
		return nil, ""
	}
	// Markup and CSS spell URLs with character references too.
	content := r.dataBuf
	if bytes.IndexByte(content, '&') >= 0 {
		r.lst = decodeRefs(r.lst[:0], content)
		content = r.lst
	}
	return r.matchScript(content)
}

// srcdoc rewrites an iframe's srcdoc (markup, character references
// decoded) with a nested Rewriter under the same options, and when that
// changes it, adds the edit that writes the attribute with the rewritten
// markup escaped again. It returns true when it did.
func (r *Rewriter) srcdoc(view []byte, a attr) bool {
	v := decodeRefs(nil, view[a.vs:a.ve])
	if r.nested == nil {
		r.nested = &Rewriter{}
	}
	var out bytes.Buffer
	o := r.o
	o.Inject, o.InjectHead = nil, nil
	r.nested.Reset(&out, r.m, o)
	_, _ = r.nested.Write(v)
	_ = r.nested.Close()
	changed := r.nested.Changed()
	r.nested.Reset(nil, nil, Options{})
	if !changed {
		return false
	}
	ins := make([]byte, 0, out.Len()+16)
	ins = append(ins, view[a.ns:a.ne]...)
	ins = append(ins, `="`...)
	ins = appendAttrEscaped(ins, out.String())
	ins = append(ins, '"')
	r.edits = append(r.edits, edit{pos: a.ns, del: a.end - a.ns, ins: ins})
	return true
}
