package htmlrewrite

import "bytes"

// InlineScriptKind is TagEvent.Kind for a host named in the text of an
// inline script that was kept: a loader that builds its tag at run time
// ("s.src = 'https://cdn.vendor.example/x.js'") makes the browser contact
// that host although no tag of the page names it.
const InlineScriptKind = "inline-script"

// maxInlineHosts bounds the distinct hosts one kept inline script
// reports: loaders name a few, and a script full of URLs must not turn
// into as many events.
const maxInlineHosts = 16

// maxInlineHostsPerPage bounds the hosts all kept inline scripts of one
// page report, so that a page of thousands of scripts costs the inventory
// (which keeps 64 distinct tags per page) no more than a few.
const maxInlineHostsPerPage = 256

// maxHostBytes is the longest host name DNS allows.
const maxHostBytes = 253

// inlineHosts reports through OnTag the third-party hosts a kept inline
// script names: the host of every absolute URL ("https://host/…",
// "//host/…", with the slashes also written as the JavaScript escapes
// "\/", "\x2F" or "\u002F"), and every quoted bare host name ('host' or
// 'host/path') that a tracker declares. Hosts of the site (see
// Options.SiteHost) are left out, as for tags. It allocates nothing: each
// event's Host points into text.
func (r *Rewriter) inlineHosts(text []byte) {
	var seen [maxInlineHosts][]byte
	n := 0
	// report reports host unless it was reported already; false when the
	// cap is reached.
	report := func(host []byte, bare bool) bool {
		for _, h := range seen[:n] {
			if bytes.EqualFold(h, host) {
				return true
			}
		}
		if r.o.SiteHost != "" && r.firstParty(host) || ignoredInlineHost(host) {
			return true
		}
		t := r.lookupHost(host)
		if bare && t == nil {
			// A quoted word with dots ("jquery.min.js", "app.state") is
			// a host only when a tracker declares it.
			return true
		}
		seen[n] = host
		n++
		r.inlineSeen++
		r.o.OnTag(TagEvent{Kind: InlineScriptKind, Host: host, Tracker: t})
		return n < maxInlineHosts && r.inlineSeen < maxInlineHostsPerPage
	}

	// Absolute URLs: a double slash, each written plainly or escaped.
	for i := 0; ; {
		j := bytes.IndexByte(text[i:], '/')
		if j < 0 {
			break
		}
		p := i + j
		i = p + 1
		l := slashAt(text, p+1)
		if l == 0 {
			continue
		}
		if h := hostAt(text, p+1+l); h != nil {
			if !report(h, false) {
				return
			}
			i = p + 1 + l + len(h)
		}
	}
	for i := 0; ; {
		j := bytes.IndexByte(text[i:], '\\')
		if j < 0 {
			break
		}
		p := i + j
		i = p + 1
		l1 := slashAt(text, p)
		if l1 < 4 {
			continue // "\/" is a '/' the first pass has seen
		}
		l2 := slashAt(text, p+l1)
		if l2 == 0 {
			continue
		}
		if h := hostAt(text, p+l1+l2); h != nil {
			if !report(h, false) {
				return
			}
			i = p + l1 + l2 + len(h)
		}
	}
	// Quoted bare hosts: 'host', "host/path", `host`.
	for _, q := range [...]byte{'\'', '"', '`'} {
		for i := 0; ; {
			j := bytes.IndexByte(text[i:], q)
			if j < 0 {
				break
			}
			p := i + j
			i = p + 1
			h := hostAt(text, p+1)
			if h == nil {
				continue
			}
			e := p + 1 + len(h)
			if e < len(text) && (text[e] == q || slashAt(text, e) > 0) {
				if !report(h, true) {
					return
				}
			}
		}
	}
}

// lookupHost returns the tracker declared for host itself, whatever its
// paths: what an inventory names the host by.
func (r *Rewriter) lookupHost(host []byte) *Tracker {
	if r.m == nil || len(host) > maxHostBytes {
		return nil
	}
	var buf [maxHostBytes]byte
	return r.m.lookup(foldHost(buf[:0], host), nil)
}

// slashAt returns the length of the slash written at text[i]: 1 for '/',
// 2 for "\/", 4 for "\x2F", 6 for "\u002F" (hex digits in either case);
// 0 when there is none.
func slashAt(text []byte, i int) int {
	if i >= len(text) {
		return 0
	}
	switch text[i] {
	case '/':
		return 1
	case '\\':
	default:
		return 0
	}
	rest := text[i+1:]
	switch {
	case len(rest) >= 1 && rest[0] == '/':
		return 2
	case len(rest) >= 3 && rest[0] == 'x' && rest[1] == '2' && lower(rest[2]) == 'f':
		return 4
	case len(rest) >= 5 && rest[0] == 'u' && rest[1] == '0' && rest[2] == '0' && rest[3] == '2' && lower(rest[4]) == 'f':
		return 6
	}
	return 0
}

// hostAt returns the host name that starts at text[i], without trailing
// dots, or nil when none does: it needs two labels of letters, digits, '-'
// and '_', a last label that starts with a letter (not an IP address or a
// version number), and at most maxHostBytes bytes.
func hostAt(text []byte, i int) []byte {
	if i >= len(text) {
		return nil
	}
	e := i
	for e < len(text) && (isLabelByte[text[e]] || text[e] == '.') {
		if e-i > maxHostBytes {
			return nil
		}
		e++
	}
	h := text[i:e]
	for len(h) > 0 && h[len(h)-1] == '.' {
		h = h[:len(h)-1]
	}
	if len(h) > maxHostBytes {
		return nil
	}
	d := bytes.LastIndexByte(h, '.')
	if d <= 0 || h[0] == '.' || bytes.Contains(h, doubleDot) || !isAlpha(h[d+1]) {
		return nil
	}
	return h
}

var doubleDot = []byte("..")

// ignoredInlineHost: hosts that scripts name without the browser
// contacting them, the XML namespaces of createElementNS
// ("http://www.w3.org/2000/svg").
func ignoredInlineHost(host []byte) bool {
	return hostWithin(host, "w3.org")
}
