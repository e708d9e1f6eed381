package htmlrewrite

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"golang.org/x/net/html"
)

// fuzzMaxInput keeps fuzz inputs far below every cap (MaxTagBytes,
// MaxScriptBytes, MaxHoldBytes), where the invariants below hold exactly.
const fuzzMaxInput = 4 << 10

var fuzzInject = []byte(`<div id="cg-banner-7f3a"></div>`)

var (
	fuzzMatcherOnce sync.Once
	fuzzMatcherVal  *Matcher
)

func fuzzMatcher(tb testing.TB) *Matcher {
	fuzzMatcherOnce.Do(func() { fuzzMatcherVal = testMatcher(tb) })
	return fuzzMatcherVal
}

// fuzzSeeds are edge cases of tokenization and removal; the unit tests'
// inputs are added too.
var fuzzSeeds = []string{
	``,
	`<body>`,
	`<!doctype html><html><head></head><body class=x><p>hi</p></body></html>`,
	`<script src="https://www.googletagmanager.com/gtag/js?id=G-1" async></script>`,
	`<SCRIPT SRC=//connect.facebook.net/en_US/fbevents.js></SCRIPT>`,
	`<script>var u="https://static.hotjar.com/c/hotjar-"</script>`,
	`<script><!--<script>https://www.clarity.ms/tag</script>--></script><script src=https://snap.licdn.com/x.js></script>`,
	`<script type="application/ld+json">{"u":"https://www.facebook.com/tr"}</script>`,
	`<img src="https://www.facebook.com/tr?id=1&ev=PageView" width=1 height=1>`,
	`<img srcset="/a.jpg 1x, https://px.ads.linkedin.com/collect 2x">`,
	`<noscript><img height="1" width="1" style="display:none" src="https://www.facebook.com/tr?id=1"/></noscript>`,
	`<noscript><iframe src="https://www.googletagmanager.com/ns.html?id=GTM-X"></iframe></noscript>`,
	`<iframe src="https://www.youtube.com/embed/x"><img src=x></iframe>`,
	`<object data="https://www.youtube.com/v/x"><param name=movie><embed src="https://www.youtube.com/v/x"></object>`,
	`<link rel=preconnect href=https://www.googletagmanager.com><link rel="dns-prefetch" href="//connect.facebook.net">`,
	`<a href=/x ping="https://www.google-analytics.com/collect">x</a>`,
	`<<img src="https://www.facebook.com/tr?x">script>alert(1)</script>`,
	`<!--<body>--><!--><body><!---><body>--!><body>`,
	`<svg><![CDATA[<img src="https://www.facebook.com/tr">]]><img src="https://www.facebook.com/tr"></svg>`,
	`<![CDATA[<img src="https://www.facebook.com/tr">]]>`,
	`<title><img src="https://www.facebook.com/tr"></TITLE ><textarea><body></textarea>`,
	`<template><body><script src="https://www.googletagmanager.com/gtm.js"></script></template>`,
	`<p title="<body>">x</p><p title='>' data-x="<img src=https://www.facebook.com/tr>">`,
	"\ufeff<body>",
	`<plaintext><script src="https://www.googletagmanager.com/gtm.js"></script>`,
	`<div <p>text`,
	`<p>unterminated <a href="x`,
	`<math><mi><img src="https://www.facebook.com/tr"></mi><mglyph><svg><desc><script src=//www.clarity.ms/x></script>`,
	`<img src="https:&#x2F;&#x2F;www.facebook.com/tr?x"><img src="https&colon;//www.facebook.com/tr">`,
	`<img src="h	ttps://www.face	book.com/tr">`,
	`<img src="https://www.face&NewLine;book.com/tr"><script src="//www.googletagmanager%2Ecom/x"></script>`,
	`<math><mi><a></b><mglyph><script src="https://www.googletagmanager.com/gtm.js"></script>`,
	`<svg><g></svg><script src="https://www.googletagmanager.com/gtm.js"></script>`,
	`<math><annotation-xml><style><img src="https://www.facebook.com/tr"></style></annotation-xml></math>`,
	`<img width=1 height=1 src="https://pixel.example.net/p.gif"><img hidden src="https://cdn.example.com/x">`,
	`<style></style><script src=https://www.google.com/recaptcha/api.js></script><img src=https://www.google.com/pagead/1p>`,
}

func FuzzRewrite(f *testing.F) {
	for i, s := range fuzzSeeds {
		f.Add([]byte(s), uint64(i))
	}
	for i, tc := range corpus() {
		f.Add([]byte(tc), uint64(1000+i))
	}
	f.Fuzz(func(t *testing.T, data []byte, seed uint64) {
		if len(data) > fuzzMaxInput {
			return
		}
		checkRewrite(t, data, seed)
	})
}

// checkRewrite runs the fuzz invariants on one input.
func checkRewrite(t *testing.T, data []byte, seed uint64) {
	m := fuzzMatcher(t)
	rng := rand.New(rand.NewPCG(seed, seed>>32|1))
	cuts := randomCuts(rng, len(data), 1+rng.IntN(8))

	// Everything granted, beacons allowed, no Inject: output == input.
	grant := Options{Granted: allGranted, SiteHost: "www.example.com", Beacons: true, BeaconAllowed: true}
	var buf bytes.Buffer
	r := New(&buf, m, grant)
	_, _ = r.Write(data)
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), data) || r.Changed() {
		t.Fatalf("all granted: output differs from input (changed=%v)\n in: %q\nout: %q", r.Changed(), data, buf.Bytes())
	}

	for _, o := range []Options{
		{Inject: fuzzInject, SiteHost: "www.example.com", Beacons: true},
		{Granted: 1<<catNecessary | 1<<catMedia, Inject: fuzzInject, SiteHost: "www.example.com", Beacons: true},
		{Mode: Defer, Inject: fuzzInject, SiteHost: "www.example.com", Beacons: true, CategoryNames: []string{"necessary", "analytics", "marketing"}},
	} {
		one := rewriteSplit(t, m, o, data, nil, false)
		// Split invariance: random cuts, with and without Flush, and
		// byte by byte.
		if got := rewriteSplit(t, m, o, data, cuts, false); got != one {
			t.Fatalf("mode %d granted %b: split at %v differs\n in: %q\none: %q\ngot: %q", o.Mode, o.Granted, cuts, data, one, got)
		}
		if got := rewriteSplit(t, m, o, data, cuts, true); got != one {
			t.Fatalf("mode %d granted %b: split at %v with Flush differs\n in: %q\none: %q\ngot: %q", o.Mode, o.Granted, cuts, data, one, got)
		}
		if got := rewriteBytewise(t, m, o, data); got != one {
			t.Fatalf("mode %d granted %b: byte-wise writes differ\n in: %q\none: %q\ngot: %q", o.Mode, o.Granted, data, one, got)
		}
		if o.Mode == Strip {
			if !onlyDeletes(data, []byte(one), o.Inject) {
				t.Fatalf("strip: output is not the input with deletions (plus inject and separators)\n in: %q\nout: %q", data, one)
			}
		}
		if n := strings.Count(one, string(fuzzInject)); n > 1 || n == 1 && !bytes.Contains(data, []byte("cg-banner-7f3a")) &&
			!afterForeign(one[:strings.Index(one, string(fuzzInject))]) && !bannerIsElement([]byte(one)) {
			t.Fatalf("mode %d granted %b: banner injected %d times or not as an element\n in: %q\nout: %q", o.Mode, o.Granted, n, data, one)
		}
		if msg := trackerLeft(m, o.Granted, []byte(one)); msg != "" {
			t.Fatalf("mode %d granted %b: %s\n in: %q\nout: %q", o.Mode, o.Granted, msg, data, one)
		}
	}
}

func randomCuts(rng *rand.Rand, n, k int) []int {
	if n == 0 {
		return nil
	}
	cuts := make([]int, k)
	for i := range cuts {
		cuts[i] = rng.IntN(n + 1)
	}
	for i := 1; i < len(cuts); i++ {
		for j := i; j > 0 && cuts[j] < cuts[j-1]; j-- {
			cuts[j], cuts[j-1] = cuts[j-1], cuts[j]
		}
	}
	return cuts
}

// rewriteBytewise writes in one byte at a time.
func rewriteBytewise(tb testing.TB, m *Matcher, o Options, in []byte) string {
	tb.Helper()
	var buf bytes.Buffer
	r := New(&buf, m, o)
	for i := range in {
		if _, err := r.Write(in[i : i+1]); err != nil {
			tb.Fatal(err)
		}
	}
	if err := r.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.String()
}

// onlyDeletes reports whether out is in with bytes deleted, plus at most
// one copy of inject and any number of separators inserted. best[j] is the
// smallest input offset that can produce out[:j]: a smaller offset can do
// whatever a larger one can, so keeping the minimum is exact.
func onlyDeletes(in, out, inject []byte) bool {
	const none = -1
	// Two rows: without and with the inject used.
	best := [2][]int{make([]int, len(out)+1), make([]int, len(out)+1)}
	for k := range best {
		for j := range best[k] {
			best[k][j] = none
		}
	}
	relax := func(k, j, p int) {
		if best[k][j] == none || p < best[k][j] {
			best[k][j] = p
		}
	}
	best[0][0] = 0
	for j := 0; j <= len(out); j++ {
		for k := 0; k < 2; k++ {
			p := best[k][j]
			if p == none || j == len(out) {
				continue
			}
			if q := bytes.IndexByte(in[p:], out[j]); q >= 0 {
				relax(k, j+1, p+q+1)
			}
			if bytes.HasPrefix(out[j:], separator) {
				relax(k, j+len(separator), p)
			}
			if k == 0 && len(inject) > 0 && bytes.HasPrefix(out[j:], inject) {
				relax(1, j+len(inject), p)
			}
		}
	}
	return best[0][len(out)] != none || best[1][len(out)] != none
}

// trackerLeft parses out as a browser with scripting disabled does (so
// that <noscript> content is markup, as the rewriter sees it) and returns
// a description of the first HTML element that would still contact a
// tracker of a category not in granted, or "". It judges the document up
// to its first SVG/MathML element, and not at all when x/net/html's
// script tokenizer is known to differ from the standard.
func trackerLeft(m *Matcher, granted uint64, out []byte) string {
	doc, err := html.ParseWithOptions(bytes.NewReader(out), html.ParseOptionEnableScripting(false))
	if err != nil {
		return "parse: " + err.Error()
	}
	refused := func(u string) bool {
		t, ok := m.MatchURL([]byte(u))
		return ok && granted&(1<<t.Category) == 0
	}
	refusedSrcset := func(v string) bool {
		return srcsetURLs([]byte(v), func(u []byte) bool { return refused(string(u)) })
	}
	unsure := false
	var walk func(n *html.Node) string
	walk = func(n *html.Node) string {
		if n.Type == html.ElementNode && n.Namespace != "" {
			// From the first SVG/MathML element on, the oracle stops:
			// the rewriter follows foreign content with its own start
			// and end tags only, not with the tree builder's stack of
			// open HTML elements, and errs on the side of HTML (see
			// TestForeignContentLimits).
			unsure = true
		}
		if unsure {
			return ""
		}
		if n.Type == html.ElementNode {
			attr := func(name string) (string, bool) {
				for _, a := range n.Attr {
					if a.Namespace == "" && a.Key == name {
						return a.Val, true
					}
				}
				return "", false
			}
			bad := func(what string) string { return fmt.Sprintf("<%s> %s left", n.Data, what) }
			switch n.Data {
			case "script":
				var text strings.Builder
				for c := n.FirstChild; c != nil; c = c.NextSibling {
					if c.Type == html.TextNode {
						text.WriteString(c.Data)
					}
				}
				if xnetEscapeBug(text.String()) {
					unsure = true
					return ""
				}
				typ, _ := attr("type")
				if !executableType([]byte(typ)) {
					break
				}
				if src, ok := attr("src"); ok {
					if refused(src) {
						return bad("src=" + src)
					}
					break
				}
				if t, ok := m.MatchText([]byte(text.String()), granted); ok {
					return bad("inline text naming " + t.Name)
				}
			default:
				// Every fetching URL attribute of the element's row of
				// fetchAttrs, and the lazy loaders' attributes.
				id := lookupTag([]byte(n.Data))
				if id == tImage {
					id = tImg
				}
				if id == tLink {
					rel, _ := attr("rel")
					if !tokenIn([]byte(rel), fetchRels) {
						break
					}
				}
				if id == tInput {
					if typ, _ := attr("type"); !strings.EqualFold(strings.TrimSpace(typ), "image") {
						break
					}
				}
				for _, a := range n.Attr {
					if a.Namespace != "" {
						continue
					}
					switch urlAttrKind(id, []byte(a.Key)) {
					case akURL:
						if refused(a.Val) {
							return bad(a.Key + "=" + a.Val)
						}
					case akSrcset:
						if refusedSrcset(a.Val) {
							return bad(a.Key + "=" + a.Val)
						}
					case akList:
						for _, u := range asciiFields(a.Val) {
							if refused(u) {
								return bad(a.Key + "=" + u)
							}
						}
					}
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if msg := walk(c); msg != "" {
				return msg
			}
		}
		return ""
	}
	return walk(doc)
}

// xnetEscapeBug tells whether golang.org/x/net/html may have ended this
// script's text elsewhere than the HTML standard does: in the script data
// escaped less-than sign state ("<!--" ... "<" then neither '/' nor a
// letter) it goes back to script data instead of script data escaped, so
// a following "<script>" does not start the double-escaped state there.
// The rewriter follows the standard; the oracle cannot judge such pages.
func xnetEscapeBug(text string) bool {
	i := strings.Index(text, "<!--")
	if i < 0 {
		return false
	}
	for t := text[i+4:]; ; {
		k := strings.IndexByte(t, '<')
		if k < 0 || k+1 >= len(t) {
			return false
		}
		if c := t[k+1]; c != '/' && !isAlpha(c) {
			return true
		}
		t = t[k+1:]
	}
}

// asciiFields splits s on ASCII whitespace, as HTML's space-separated
// tokens are (a vertical tab is not a separator there).
func asciiFields(s string) []string {
	return strings.FieldsFunc(s, func(c rune) bool { return c < 0x80 && isWS(byte(c)) })
}

// afterForeign tells whether s may have opened SVG/MathML content, where
// the oracles do not judge the rewriter (see trackerLeft).
func afterForeign(s string) bool {
	s = strings.ToLower(s)
	return strings.Contains(s, "<svg") || strings.Contains(s, "<math")
}

// bannerIsElement tells whether the injected banner is an element of the
// parsed document: not text of a comment, script, attribute, title or
// textarea.
func bannerIsElement(out []byte) bool {
	doc, err := html.ParseWithOptions(bytes.NewReader(out), html.ParseOptionEnableScripting(false))
	if err != nil {
		return false
	}
	var find func(n *html.Node) bool
	find = func(n *html.Node) bool {
		if n.Type == html.ElementNode && n.Data == "div" {
			for _, a := range n.Attr {
				if a.Key == "id" && a.Val == "cg-banner-7f3a" {
					return true
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if find(c) {
				return true
			}
		}
		return false
	}
	return find(doc)
}

// docFragments are the pieces TestRandomDocuments assembles: markup that
// changes the tokenizer state or the namespace, and trackers.
var docFragments = []string{
	"<p>", "</p>", "<div>", "</div>", "<b>", "</b>", "<a href=x>", "</a>", "<span title=\"", "\">",
	"'", "\"", ">", "<", "x", " ", "\n", "-", "!", "/", "=", "<br>", "</br>", "<table>", "<select>",
	"<svg>", "</svg>", "<g>", "</g>", "<path/>", "<math>", "</math>", "<mi>", "</mi>", "<mglyph>",
	"<foreignObject>", "</foreignObject>", "<desc>", "</desc>", "<title>", "</title>",
	"<annotation-xml encoding=\"text/html\">", "<annotation-xml>", "</annotation-xml>", "<font color=red>",
	"<![CDATA[", "]]>", "<!--", "-->", "--!>", "<!-->", "<!DOCTYPE html>", "<?x", "</ ", "</>",
	"<script>", "</script>", "<script type=\"text/x\">", "<!--<script>", "<style>", "</style>",
	"<textarea>", "</textarea>", "<xmp>", "</xmp>", "<noscript>", "</noscript>", "<template>", "</template>",
	"<body>", "<BODY class=x>", "</body>",
	`<object data="https://www.youtube.com/v">`, "</object>", `<iframe src="https://www.youtube.com/e">`, "</iframe>",
	`<img src="https://www.facebook.com/tr?id=1">`, `<img src=//px.ads.linkedin.com/c width=1 height=1>`,
	`<script src="https://www.googletagmanager.com/gtm.js">`, `<script>a("www.clarity.ms")`,
	`<link rel=preconnect href=https://www.googletagmanager.com>`, `<a ping="https://www.google-analytics.com/c">`,
	`<embed src="https://www.youtube.com/v">`, `<source srcset="https://www.facebook.com/tr 1x">`,
	`<img src="https://pixel.adnetwork.example/p" hidden>`, "www.clarity.ms",
}

// TestRandomDocuments runs the fuzz invariants on documents assembled
// from docFragments: structure that byte mutations rarely reach.
func TestRandomDocuments(t *testing.T) {
	n := 4000
	if testing.Short() || raceEnabled {
		n = 300
	}
	rng := rand.New(rand.NewPCG(7, 11))
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.Reset()
		for k := 3 + rng.IntN(30); k > 0; k-- {
			b.WriteString(docFragments[rng.IntN(len(docFragments))])
		}
		checkRewrite(t, []byte(b.String()), rng.Uint64())
	}
}
