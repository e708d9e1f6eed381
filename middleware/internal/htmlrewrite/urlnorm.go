package htmlrewrite

import (
	"bytes"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// URL normalisation: the host and path of a URL as the WHATWG URL parser
// makes them, so that every spelling the browser turns into the same URL
// meets the same declaration. The input is an attribute value with its
// character references decoded; the parser's own steps follow:
//
//   - leading and trailing C0 controls and spaces are trimmed, tabs and
//     newlines anywhere are dropped;
//   - "\" is "/" in http(s) URLs; the host ends at "/", "\", "?" or "#",
//     after the last "@" (userinfo), before ":" (port);
//   - the host is percent-decoded, then mapped by UTS #46 (IDNA, with
//     golang.org/x/net/idna, as "domain to ASCII" does: case folding,
//     fullwidth letters and dots, ignored code points such as the soft
//     hyphen), and its trailing dot dropped;
//   - dot segments of the path ("." and "..", also written "%2e") are
//     removed, empty segments collapsed ("//tr" is "/tr" to most servers),
//     and percent-encoded unreserved bytes ("%74r") are decoded:
//     browsers send them as written, but servers read them as the same
//     path, so a declaration matches them too (the safe side for consent).

// idnaProfile is "domain to ASCII" of the URL standard: UTS #46 mapping,
// nontransitional, without the STD3 and DNS length checks.
var idnaProfile = idna.New(idna.MapForLookup(), idna.Transitional(false), idna.StrictDomainName(false),
	idna.CheckHyphens(false), idna.VerifyDNSLength(false), idna.BidiRule(), idna.CheckJoiners(true))

// maxNormHost bounds a host handled by normHostBytes (a DNS name has at
// most 253 bytes; percent-encoding and Unicode spell it longer).
const maxNormHost = 1024

// normHostBytes appends the host as the URL parser makes it to dst.
// ok is false when the host is empty after mapping.
func normHostBytes(dst, host []byte) ([]byte, bool) {
	if len(host) > maxNormHost {
		return dst, false // no DNS name is that long: it matches nothing, as the browser reaches nothing
	}
	start := len(dst)
	ascii := true
	for i := 0; i < len(host); i++ {
		c := host[i]
		if c == '%' && i+2 < len(host) && isHex(host[i+1]) && isHex(host[i+2]) {
			c = unhex(host[i+1])<<4 | unhex(host[i+2])
			i += 2
		}
		if c >= 0x80 {
			ascii = false
		}
		dst = append(dst, lower(c))
	}
	if !ascii {
		h := dst[start:]
		if utf8.Valid(h) {
			if s, _ := idnaProfile.ToASCII(string(h)); s != "" {
				dst = append(dst[:start], s...)
			}
		}
		// Invalid UTF-8 is a failure for the browser (no request); the
		// bytes stay as they are and match nothing.
	}
	for len(dst) > start && dst[len(dst)-1] == '.' {
		dst = dst[:len(dst)-1]
	}
	return dst, len(dst) > start
}

// hostNeedsNorm reports whether host is not already in the form lookup
// wants (lowercase ASCII, no percent, no trailing dot).
func hostNeedsNorm(host []byte) bool {
	for _, c := range host {
		if c >= 'A' && c <= 'Z' || c == '%' || c >= 0x80 {
			return true
		}
	}
	return len(host) > 0 && host[len(host)-1] == '.'
}

// pathNeedsNorm reports whether a path may hold a dot segment, an empty
// segment, a backslash or a percent escape.
func pathNeedsNorm(p []byte) bool {
	return bytes.IndexByte(p, '\\') >= 0 || bytes.IndexByte(p, '%') >= 0 || bytes.Contains(p, dotSeg) ||
		bytes.Contains(p, emptySeg)
}

var (
	dotSeg   = []byte("/.")
	emptySeg = []byte("//")
)

// isUnreserved: the bytes RFC 3986 allows a server to read decoded.
func isUnreserved(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}

// normPath appends the path p (without query and fragment) with "\" as
// "/", unreserved percent escapes decoded and dot segments removed.
func normPath(dst, p []byte) []byte {
	start := len(dst)
	dst = append(dst, '/')
	for len(p) > 0 {
		for len(p) > 0 && isSlash(p[0]) {
			p = p[1:]
		}
		k := 0
		for k < len(p) && !isSlash(p[k]) {
			k++
		}
		seg := p[:k]
		p = p[k:]
		last := len(p) == 0
		switch segDots(seg) {
		case 1: // "."
			continue
		case 2: // "..": drop the last segment written
			d := dst[start : len(dst)-1]
			if i := bytes.LastIndexByte(d, '/'); i >= 0 {
				dst = dst[:start+i+1]
			}
			continue
		}
		for i := 0; i < len(seg); i++ {
			c := seg[i]
			if c == '%' && i+2 < len(seg) && isHex(seg[i+1]) && isHex(seg[i+2]) {
				if d := unhex(seg[i+1])<<4 | unhex(seg[i+2]); isUnreserved(d) {
					c = d
					i += 2
				}
			}
			dst = append(dst, c)
		}
		if !last {
			dst = append(dst, '/')
		}
	}
	return dst
}

// segDots: 1 for a "." segment, 2 for "..", also with "%2e" for a dot;
// else 0.
func segDots(seg []byte) int {
	n := 0
	for i := 0; i < len(seg); {
		switch {
		case seg[i] == '.':
			i++
		case i+2 < len(seg) && seg[i] == '%' && seg[i+1] == '2' && seg[i+2]|0x20 == 'e':
			i += 3
		default:
			return 0
		}
		n++
		if n > 2 {
			return 0
		}
	}
	return n
}

// lookupURL is Matcher.match for a URL with its character references
// decoded and its tabs and newlines dropped (the caller does, in a buffer
// that outlives the returned host): it splits and normalises it, then looks the host and path up.
// host is the URL's host as written, nil when u is not an absolute
// http(s) or scheme-relative URL.
func (m *Matcher) lookupURL(u []byte) (t *Tracker, host []byte) {
	host, path, ok := splitURL(u)
	if !ok {
		return nil, nil
	}
	if m == nil {
		return nil, host
	}
	h := host
	var hbuf [256]byte
	if hostNeedsNorm(host) {
		var ok bool
		if h, ok = normHostBytes(hbuf[:0], host); !ok {
			return nil, host
		}
	}
	if len(h) > 253 {
		return nil, host
	}
	if pathNeedsNorm(path) {
		var pbuf [512]byte
		path = normPath(pbuf[:0], path)
	}
	return m.lookup(h, path), host
}

// normReportHost is host as reports give it: normalised like the URL
// parser does, in r's scratch buffer when it needs to change.
func (r *Rewriter) normReportHost(host []byte) []byte {
	if host == nil || !hostNeedsNorm(host) {
		return host
	}
	n, ok := normHostBytes(r.nbuf[:0], host)
	if !ok {
		return host
	}
	r.nbuf = n
	return n
}
