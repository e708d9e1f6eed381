package htmlrewrite

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
)

// Tracker is one tracker declaration, already translated from the policy by
// the middleware.
type Tracker struct {
	// Hosts are host names; a host matches itself and every subdomain:
	// "google-analytics.com" matches "www.google-analytics.com". A leading
	// "*." or ".", a scheme and a trailing dot are accepted and ignored.
	Hosts []string
	// URLs are host+path prefixes such as "www.facebook.com/tr" or
	// "www.google.com/pagead/". A URL matches when its host equals the
	// pattern host or is a subdomain of it, and its path starts with the
	// pattern path (case-sensitively). A pattern without a path, or with
	// the path "/", is the same as a host.
	URLs []string
	// Category is the bit index (0..63) of the tracker's consent category.
	Category uint8
	// Name is the vendor name, for reports.
	Name string
	// ID is the caller's number for the tracker, passed through to
	// OnTag (the middleware's index into its counters).
	ID int
}

// Matcher decides whether a URL or an inline script names a tracker. It is
// built once per policy with NewMatcher, is immutable and safe for
// concurrent use. A nil *Matcher matches nothing.
//
// When several declarations match, the most specific one wins: the longest
// matching host, and for one host a path pattern (longest path first)
// before the bare host; among equal declarations the first declared wins.
// So "www.google.com/recaptcha/" in a granted category keeps reCAPTCHA even
// when "google.com" is declared in a refused one.
type Matcher struct {
	trackers []Tracker
	hosts    map[string]*hostRule // lowercase host → rule
	slds     map[string]struct{}  // last two labels of every pattern host
	cats     uint64               // union of the category bits

	// Inline text matching: every pattern is indexed by the last two
	// labels of its host ("google-analytics.com"); the scan anchors on '.'
	// followed by a known last label, reads the label before the dot and
	// verifies only the candidates of those two labels. (Keyed by the last
	// label alone, every ".com" of a script would verify hundreds of
	// catalog hosts.)
	pats []textPat
	text map[string][]int32 // last two labels → candidates, most specific first
	// tldLens[c] bit n: some last label starts with byte c and has
	// length n (n < 64); a cheap filter for the '.'s of a script.
	tldLens [256]uint64
	tldMax  int
}

type hostRule struct {
	t     *Tracker   // bare-host declaration, nil if only paths
	paths []pathRule // longest path first
}

type pathRule struct {
	path string
	t    *Tracker
}

type textPat struct {
	host string // lowercase, at least one dot
	path string // "" for a host pattern
	t    *Tracker
}

// NewMatcher validates and indexes the tracker declarations. Host names are
// ASCII (punycode for IDNs), case-insensitive, and must contain a dot; URL
// patterns must not contain a query or fragment.
func NewMatcher(trackers []Tracker) (*Matcher, error) {
	m := &Matcher{
		trackers: make([]Tracker, len(trackers)),
		hosts:    make(map[string]*hostRule),
		slds:     make(map[string]struct{}),
		text:     make(map[string][]int32),
	}
	copy(m.trackers, trackers)
	for i := range m.trackers {
		t := &m.trackers[i]
		if t.Category > 63 {
			return nil, fmt.Errorf("htmlrewrite: tracker %q: category %d out of range 0..63", t.Name, t.Category)
		}
		if len(t.Hosts) == 0 && len(t.URLs) == 0 {
			return nil, fmt.Errorf("htmlrewrite: tracker %q declares no host and no URL", t.Name)
		}
		m.cats |= 1 << t.Category
		for _, h := range t.Hosts {
			host, err := normHost(h)
			if err != nil {
				return nil, fmt.Errorf("htmlrewrite: tracker %q: %w", t.Name, err)
			}
			m.add(host, "", t)
		}
		for _, u := range t.URLs {
			host, path, err := normURLPattern(u)
			if err != nil {
				return nil, fmt.Errorf("htmlrewrite: tracker %q: %w", t.Name, err)
			}
			m.add(host, path, t)
		}
	}
	for _, r := range m.hosts {
		sort.SliceStable(r.paths, func(i, j int) bool { return len(r.paths[i].path) > len(r.paths[j].path) })
	}
	// Most specific first: longer host, then longer path; stable keeps the
	// declaration order among equals.
	sort.SliceStable(m.pats, func(i, j int) bool {
		a, b := m.pats[i], m.pats[j]
		if len(a.host) != len(b.host) {
			return len(a.host) > len(b.host)
		}
		return len(a.path) > len(b.path)
	})
	for i, p := range m.pats {
		last := p.host[strings.LastIndexByte(p.host, '.')+1:]
		key := lastTwoLabels(p.host)
		m.text[key] = append(m.text[key], int32(i))
		if len(last) < 64 {
			m.tldLens[last[0]] |= 1 << len(last)
		}
		if len(last) > m.tldMax {
			m.tldMax = len(last)
		}
	}
	return m, nil
}

func (m *Matcher) add(host, path string, t *Tracker) {
	if path == "/" {
		path = ""
	}
	r := m.hosts[host]
	if r == nil {
		r = &hostRule{}
		m.hosts[host] = r
	}
	if path == "" {
		if r.t == nil {
			r.t = t
		}
	} else {
		r.paths = append(r.paths, pathRule{path: path, t: t})
	}
	m.slds[lastTwoLabels(host)] = struct{}{}
	m.pats = append(m.pats, textPat{host: host, path: path, t: t})
}

// lastTwoLabels returns "b.c" of "a.b.c" (a host with at least one dot).
func lastTwoLabels(host string) string {
	if d := strings.LastIndexByte(host, '.'); d >= 0 {
		if d2 := strings.LastIndexByte(host[:d], '.'); d2 >= 0 {
			return host[d2+1:]
		}
	}
	return host
}

func stripScheme(s string) string {
	l := strings.ToLower(s)
	for _, p := range []string{"https://", "http://", "//"} {
		if strings.HasPrefix(l, p) {
			return s[len(p):]
		}
	}
	return s
}

func normHost(s string) (string, error) {
	h := strings.ToLower(strings.TrimSpace(stripScheme(strings.TrimSpace(s))))
	h = strings.TrimPrefix(h, "*.")
	h = strings.TrimPrefix(h, ".")
	h = strings.TrimSuffix(h, ".")
	if h == "" {
		return "", fmt.Errorf("empty host %q", s)
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_') {
			return "", fmt.Errorf("host %q: invalid character %q", s, c)
		}
	}
	if !strings.Contains(h, ".") {
		return "", fmt.Errorf("host %q has no dot", s)
	}
	if strings.Contains(h, "..") {
		return "", fmt.Errorf("host %q has an empty label", s)
	}
	return h, nil
}

func normURLPattern(s string) (host, path string, err error) {
	u := strings.TrimSpace(stripScheme(strings.TrimSpace(s)))
	if strings.ContainsAny(u, "?#") {
		return "", "", fmt.Errorf("URL pattern %q: query and fragment are not supported", s)
	}
	if strings.ContainsAny(u, " \t\r\n\f") {
		return "", "", fmt.Errorf("URL pattern %q contains whitespace", s)
	}
	h := u
	if i := strings.IndexByte(u, '/'); i >= 0 {
		h, path = u[:i], u[i:]
	}
	host, err = normHost(h)
	if err != nil {
		return "", "", fmt.Errorf("URL pattern %q: %w", s, err)
	}
	return host, path, nil
}

// Trackers returns the declarations the matcher was built from (a copy
// made by NewMatcher; do not modify).
func (m *Matcher) Trackers() []Tracker {
	if m == nil {
		return nil
	}
	return m.trackers
}

// MatchURL reports the tracker that an attribute URL would contact. rawURL
// is an entity-decoded attribute value; leading and trailing whitespace and
// embedded tabs and newlines are ignored as browsers do. Only absolute
// http(s) URLs (any case, "\" taken for "/", userinfo and port ignored,
// percent-encoded host bytes decoded) and scheme-relative "//host" URLs
// can match; relative URLs and other schemes never do. The host and path are
// normalised as the URL parser does (urlnorm.go: IDNA mapping, trailing
// dots, dot segments), so every spelling of one URL meets the same
// declaration. It does not look at
// consent: the caller compares t.Category with the granted categories.
func (m *Matcher) MatchURL(rawURL []byte) (t *Tracker, ok bool) {
	if m == nil {
		return nil, false
	}
	u := rawURL
	if hasTabNL(u) {
		u = stripTabNL(nil, u)
	}
	t, _ = m.match(u)
	return t, t != nil
}

// match looks up u (see lookupURL in urlnorm.go). host is the URL's host
// as written, not lowercased, nil when u is not absolute.
func (m *Matcher) match(u []byte) (t *Tracker, host []byte) {
	return m.lookupURL(u)
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'f' }

func unhex(c byte) byte {
	if c <= '9' {
		return c - '0'
	}
	return c | 0x20 - 'a' + 10
}

func (m *Matcher) lookup(host, path []byte) *Tracker {
	d1 := bytes.LastIndexByte(host, '.')
	if d1 < 0 {
		return nil
	}
	d2 := bytes.LastIndexByte(host[:d1], '.')
	if _, ok := m.slds[string(host[d2+1:])]; !ok {
		return nil
	}
	for s := host; ; {
		if r := m.hosts[string(s)]; r != nil {
			if t := r.match(path); t != nil {
				return t
			}
		}
		d := bytes.IndexByte(s, '.')
		if d < 0 {
			return nil
		}
		s = s[d+1:]
	}
}

func (r *hostRule) match(path []byte) *Tracker {
	for _, p := range r.paths {
		if pathHasPrefix(path, p.path) {
			return p.t
		}
	}
	return r.t
}

// pathHasPrefix compares a URL path with a pattern path, "\" counting as
// "/" and an empty path as "/".
func pathHasPrefix(path []byte, prefix string) bool {
	if len(path) == 0 {
		path = slashPath
	}
	if len(path) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		c := path[i]
		if c == '\\' {
			c = '/'
		}
		if c != prefix[i] {
			return false
		}
	}
	return true
}

var slashPath = []byte("/")

// splitURL returns the host and path of an absolute http(s) or
// scheme-relative URL; ok is false for anything else.
func splitURL(u []byte) (host, path []byte, ok bool) {
	for len(u) > 0 && u[0] <= ' ' {
		u = u[1:]
	}
	for len(u) > 0 && u[len(u)-1] <= ' ' {
		u = u[:len(u)-1]
	}
	var i int
	if len(u) >= 2 && isSlash(u[0]) && isSlash(u[1]) {
		i = 2
	} else {
		j := 0
		for j < len(u) && j < 6 && isAlpha(u[j]) {
			j++
		}
		if j < 4 || j > 5 || j >= len(u) || u[j] != ':' {
			return nil, nil, false
		}
		if lower(u[0]) != 'h' || lower(u[1]) != 't' || lower(u[2]) != 't' || lower(u[3]) != 'p' || j == 5 && lower(u[4]) != 's' {
			return nil, nil, false
		}
		// "https:host" and "https:/host" are taken as absolute too: they
		// are on a page of the other scheme, and erring towards a match is
		// the safe side for consent.
		i = j + 1
	}
	for i < len(u) && isSlash(u[i]) {
		i++
	}
	a := i
	for i < len(u) {
		c := u[i]
		if c == '/' || c == '\\' || c == '?' || c == '#' {
			break
		}
		i++
	}
	h := u[a:i]
	if at := bytes.LastIndexByte(h, '@'); at >= 0 {
		h = h[at+1:]
	}
	if len(h) > 0 && h[0] == '[' {
		return nil, nil, false // IPv6 literal
	}
	if c := bytes.IndexByte(h, ':'); c >= 0 {
		h = h[:c]
	}
	for len(h) > 0 && h[len(h)-1] == '.' {
		h = h[:len(h)-1]
	}
	if len(h) == 0 {
		return nil, nil, false
	}
	p := u[i:]
	for k, c := range p {
		if c == '?' || c == '#' {
			p = p[:k]
			break
		}
	}
	return h, p, true
}

func isSlash(c byte) bool { return c == '/' || c == '\\' }

func hasTabNL(u []byte) bool {
	for _, c := range u {
		if c == '\t' || c == '\n' || c == '\r' {
			return true
		}
	}
	return false
}

func stripTabNL(dst, u []byte) []byte {
	for _, c := range u {
		if c != '\t' && c != '\n' && c != '\r' {
			dst = append(dst, c)
		}
	}
	return dst
}

// MatchText reports the first tracker, in text order, whose host occurs in
// an inline script's text as a host token and whose category is not set in
// granted. A host token is the host (or a subdomain of it) not preceded by
// a letter, digit, '-' or '_' and not followed by one or by '.' and a
// label; "xgoogle-analytics.com" does not match "google-analytics.com".
// Preceding "%2F", "\x2F" or "\u002F" escapes count as a boundary. URL
// patterns match as host token plus path. An occurrence is judged by its
// most specific declaration: when that one is granted, the occurrence is
// allowed even if a broader declaration is not.
//
// The scan is one pass: it jumps from '.' to '.', and only when the label
// after a dot is the last label of some declared host does it compare the
// candidates ending there.
func (m *Matcher) MatchText(text []byte, granted uint64) (t *Tracker, ok bool) {
	t, _ = m.matchText(text, granted)
	return t, t != nil
}

func (m *Matcher) matchText(text []byte, granted uint64) (*Tracker, string) {
	if m == nil || m.cats&^granted == 0 {
		return nil, ""
	}
	i := 0
	for {
		j := bytes.IndexByte(text[i:], '.')
		if j < 0 {
			return nil, ""
		}
		d := i + j
		i = d + 1
		if d+1 >= len(text) {
			continue
		}
		lens := m.tldLens[lower(text[d+1])]
		if lens == 0 {
			continue
		}
		k := d + 1
		lim := d + 1 + m.tldMax + 1
		if lim > len(text) {
			lim = len(text)
		}
		for k < lim && isLabelByte[text[k]] {
			k++
		}
		n := k - d - 1
		if n > m.tldMax || n >= 64 || lens&(1<<n) == 0 {
			continue
		}
		if k < len(text) && isLabelByte[text[k]] {
			continue
		}
		// The label before the dot, read backwards; a host is at most 253
		// bytes, and an escape of '/' before it adds at most 5.
		s := d
		for s > 0 && d-s <= maxTextLabel && isLabelByte[text[s-1]] {
			s--
		}
		if s == d || d-s > maxTextLabel {
			continue
		}
		if t, host, decided := m.textCandidates(text, s, d, k, granted); decided {
			if t != nil {
				return t, host
			}
			continue
		}
		// "%2Fgoogle-analytics.com", "\x2F…", "\u002F…": the escape's
		// "2F" is part of the label run; the host may start after it.
		for e := s; e+2 < d; e++ {
			if text[e] != '2' || lower(text[e+1]) != 'f' {
				continue
			}
			if !(e > s && (text[e-1] == 'x' || text[e-1] == '0') || e == s && e > 0 && text[e-1] == '%') {
				continue
			}
			if t, host, decided := m.textCandidates(text, e+2, d, k, granted); decided {
				if t != nil {
					return t, host
				}
				break
			}
		}
	}
}

// maxTextLabel bounds the label run read before a dot in MatchText.
const maxTextLabel = 253 + 5

// textCandidates verifies the patterns whose last two labels are
// text[s:d] '.' text[d+1:k]: decided is set when one of them occurs at k,
// and t is that most specific one when its category is not granted.
func (m *Matcher) textCandidates(text []byte, s, d, k int, granted uint64) (t *Tracker, host string, decided bool) {
	var kb [maxTextLabel + 1 + 64]byte
	key := kb[:0]
	for _, c := range text[s:k] {
		key = append(key, lower(c))
	}
	for _, ci := range m.text[string(key)] {
		p := &m.pats[ci]
		if !verifyText(text, k, p) {
			continue
		}
		// The most specific pattern at this position decides.
		if granted&(1<<p.t.Category) == 0 {
			return p.t, p.host, true
		}
		return nil, "", true
	}
	return nil, "", false
}

// verifyText checks that pattern p ends its host part at text[k].
func verifyText(text []byte, k int, p *textPat) bool {
	s := k - len(p.host)
	if s < 0 {
		return false
	}
	h := text[s:k]
	for x := 0; x < len(h); x++ {
		if lower(h[x]) != p.host[x] {
			return false
		}
	}
	if s > 0 && isLabelByte[text[s-1]] {
		// "%2F", "\x2F" and "\u002F" escapes of '/' are boundaries.
		if !(s >= 3 && text[s-2] == '2' && lower(text[s-1]) == 'f' && (text[s-3] == '%' || text[s-3] == 'x' || text[s-3] == '0')) {
			return false
		}
	}
	if p.path != "" {
		return len(text)-k >= len(p.path) && string(text[k:k+len(p.path)]) == p.path
	}
	// Not followed by '.' and another label (a longer host).
	if k+1 < len(text) && text[k] == '.' && isLabelByte[text[k+1]] {
		return false
	}
	return true
}

// isLabelByte: letters, digits, '-' and '_'.
var isLabelByte = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
	}
	return t
}()

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func isAlpha(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
