package htmlrewrite

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// In tokenizer cases, {PIX} is a tracker pixel, {GTM} a tracker script
// and {B} the banner; expand replaces them.
var expand = strings.NewReplacer(
	"{PIX}", `<img src="https://www.facebook.com/tr?id=1">`,
	"{GTM}", `<script src="https://www.googletagmanager.com/gtm.js"></script>`,
	"{B}", banner,
).Replace

// tokenizeCases run with injectOpts: nothing granted, banner injected.
var tokenizeCases = []rwCase{
	// Comments.
	{"comment hides tags", `<!-- {PIX} {GTM} <body> -->{PIX}`, `<!-- {PIX} {GTM} <body> -->`},
	{"abrupt empty comment", `<!-->{PIX}<body>`, `<!--><body>{B}`},
	{"abrupt comment with dash", `<!--->{PIX}<body>`, `<!---><body>{B}`},
	{"comment ended by --!>", `<!-- a --!>{PIX}<body>`, `<!-- a --!><body>{B}`},
	{"comment ended by --->", `<!-- a --->{PIX}`, `<!-- a --->`},
	{"comment not ended by -- >", `<!-- a -- > {PIX} -->{PIX}`, `<!-- a -- > {PIX} -->`},
	{"comment not ended by --!-", `<!-- a --!- {PIX} -->{PIX}`, `<!-- a --!- {PIX} -->`},
	{"comment not nested", `<!-- <!-- -->{PIX}-->`, `<!-- <!-- -->-->`},
	{"comment with dashes inside", `<!-- a-b--c ->{PIX}-->{PIX}`, `<!-- a-b--c ->{PIX}-->`},
	{"unterminated comment", `<!-- {PIX} <body>`, `<!-- {PIX} <body>`},
	{"bogus comment !", `<!x {PIX}>{PIX}`, `<!x <img src="https://www.facebook.com/tr?id=1">>`},
	{"bogus comment ?", `<?php {PIX} ?>{PIX}`, `<?php <img src="https://www.facebook.com/tr?id=1"> ?>`},
	{"bogus comment </ space", `</ {PIX}`, `</ <img src="https://www.facebook.com/tr?id=1">`},
	{"bogus comment </digit", `</3 {PIX}x`, `</3 <img src="https://www.facebook.com/tr?id=1">x`},
	{"empty end tag ignored", `</>{PIX}`, `</>`},
	{"single dash is bogus", `<!-x {PIX}>`, `<!-x <img src="https://www.facebook.com/tr?id=1">>`},
	{"doctype", `<!DOCTYPE html>{PIX}<body>`, `<!DOCTYPE html><body>{B}`},
	{"doctype ends at first >", `<!DOCTYPE html PUBLIC "a>{PIX}">`, `<!DOCTYPE html PUBLIC "a>">`},

	// CDATA only in foreign content.
	{"cdata in html is a bogus comment", `<![CDATA[x>{PIX}]]>`, `<![CDATA[x>]]>`},
	{"cdata in svg hides tags", `<svg><![CDATA[ > {PIX} <body> ]]></svg>{PIX}`, `<svg><![CDATA[ > {PIX} <body> ]]></svg>`},
	{"cdata in math", `<math><![CDATA[{PIX}]]></math>`, `<math><![CDATA[{PIX}]]></math>`},
	{"cdata ends at ]]>", `<svg><![CDATA[ ]] ]]]>{PIX}</svg>`, `<svg><![CDATA[ ]] ]]]></svg>`},
	{"cdata after svg ends is bogus", `<svg></svg><![CDATA[{PIX}]]>`, `<svg></svg><![CDATA[<img src="https://www.facebook.com/tr?id=1">]]>`},
	{"cdata lower case is bogus", `<svg><![cdata[>{PIX}]]></svg>`, `<svg><![cdata[>]]></svg>`},
	{"cdata in foreignObject is bogus", `<svg><foreignObject><![CDATA[>{PIX}]]></foreignObject></svg>`, `<svg><foreignObject><![CDATA[>]]></foreignObject></svg>`},

	// Raw text and RCDATA.
	{"style", `<style>a{content:"{PIX}"}</style>{PIX}`, `<style>a{content:"{PIX}"}</style>`},
	{"style end tag any case", `<style>x</STYLE >{PIX}`, `<style>x</STYLE >`},
	{"style end tag needs a delimiter", `<style></styles>{PIX}</style>{PIX}`, `<style></styles>{PIX}</style>`},
	{"style end tag with slash", `<style></style/>{PIX}`, `<style></style/>`},
	{"xmp", `<xmp>{PIX}</xmp>{PIX}`, `<xmp>{PIX}</xmp>`},
	{"noembed", `<noembed>{PIX}</noembed>`, `<noembed>{PIX}</noembed>`},
	{"noframes", `<noframes>{PIX}</noframes>`, `<noframes>{PIX}</noframes>`},
	{"kept iframe content is raw", `<iframe src="/w">{PIX}</iframe>{PIX}`, `<iframe src="/w">{PIX}</iframe>`},
	{"title", `<title>{PIX}<body></title><body>`, `<title>{PIX}<body></title><body>{B}`},
	{"textarea", `<textarea>{PIX}<body></TEXTAREA><body>`, `<textarea>{PIX}<body></TEXTAREA><body>{B}`},
	{"textarea end tag with attributes", `<textarea>a</textarea title="{PIX}">{PIX}`, `<textarea>a</textarea title="{PIX}">`},
	{"plaintext never ends", `<plaintext></plaintext>{PIX}<body>`, `<plaintext></plaintext>{PIX}<body>`},
	{"plaintext upper case", `<PLAINTEXT>{GTM}`, `<PLAINTEXT>{GTM}`},

	// Script data.
	{"script text kept", `<script>document.write("<body>")</script><body>`, `<script>document.write("<body>")</script><body>{B}`},
	{"script end tag any case", `<script>a()</ScRiPt >{PIX}`, `<script>a()</ScRiPt >`},
	{"script end tag needs a delimiter", `<script type="text/x">"</scripts>{PIX}"</script>`, `<script type="text/x">"</scripts>{PIX}"</script>`},
	{"script escaped", `<script type="text/x"><!-- </script>{PIX}`, `<script type="text/x"><!-- </script>`},
	{"script double escaped", `<script type="text/x"><!--<script></script>{PIX}</script>-->{PIX}`, `<script type="text/x"><!--<script></script>{PIX}</script>-->`},
	{"script double escape ends", `<script type="text/x"><!--<script>x</script>--></script>{PIX}`, `<script type="text/x"><!--<script>x</script>--></script>`},
	{"script escape closed by -->", `<script type="text/x"><!-- --><script></script>{PIX}`, `<script type="text/x"><!-- --><script></script>`},
	{"script escape lt lt", `<script type="text/x"><!--<<script </script>{PIX}</script>{PIX}`, `<script type="text/x"><!--<<script </script>{PIX}</script>`},
	{"script <!-x is not an escape", `<script type="text/x"><!-x<script></script>{PIX}`, `<script type="text/x"><!-x<script></script>`},
	{"unterminated script", `<script type="text/x">{PIX}`, `<script type="text/x">{PIX}`},

	// Tags and attributes.
	{"gt in double quotes", `<p title="a><img src=https://www.facebook.com/tr><body>">{PIX}<body>`, `<p title="a><img src=https://www.facebook.com/tr><body>"><body>{B}`},
	{"gt in single quotes", `<p title='>{PIX}'>`, `<p title='>{PIX}'>`},
	{"unquoted value with lt", `<p title=a<img src=https://www.facebook.com/tr>x`, `<p title=a<img src=https://www.facebook.com/tr>x`},
	{"tag inside a tag is an attribute", `<div <img src="https://www.facebook.com/tr">`, `<div <img src="https://www.facebook.com/tr">`},
	{"quote in attribute name", `<p a"b='{PIX}'>`, `<p a"b='{PIX}'>`},
	{"equals first in attribute name", `<p =src="{PIX}">x`, `<p =src="{PIX}">x`},
	{"end tag with attributes", `</p title="{PIX}">{PIX}`, `</p title="{PIX}">`},
	{"self-closing end", `<br/>{PIX}`, `<br/>`},
	{"tab and newline separated", "<img\tsrc=\"https://www.facebook.com/tr\"\n>x", "x"},
	{"slash separated", `<img/src="https://www.facebook.com/tr">x`, `x`},
	{"first duplicate attribute wins", `<img src="/a.png" src="https://www.facebook.com/tr">`, `<img src="/a.png" src="https://www.facebook.com/tr">`},
	{"first duplicate attribute wins removal", `<img src="https://www.facebook.com/tr" src="/a.png">x`, `x`},
	{"lt digit is text", `a <3 {PIX}`, `a <3 `},
	{"lt at end", `a<`, `a<`},
	{"bom", "\ufeff<!DOCTYPE html><body>{PIX}", "\ufeff<!DOCTYPE html><body>{B}"},
	{"nul in text", "a\x00b{PIX}", "a\x00b"},

	// Template content is inert until cloned, then it runs.
	{"template", `<template><p>{PIX}{GTM}</p></template>`, `<template><p></p></template>`},

	// Foreign content.
	{"img breaks out of svg", `<svg><g>{PIX}</g></svg>`, `<svg><g></g></svg>`},
	{"svg script is not html", `<svg>{GTM}</svg>`, `<svg>{GTM}</svg>`},
	{"svg style is not raw", `<svg><style>{PIX}</style></svg>`, `<svg><style></style></svg>`},
	{"svg self-closing", `<svg/>{GTM}`, `<svg/>`},
	{"svg ended", `<svg><path d="M0"/></svg>{GTM}`, `<svg><path d="M0"/></svg>`},
	{"svg ended with open children", `<svg><g><path d="M0"></svg>{GTM}`, `<svg><g><path d="M0"></svg>`},
	{"svg ended by an outer end tag", `<div><svg><g></div>{GTM}`, `<div><svg><g></div>`},
	{"nested svg", `<svg><svg></svg>{GTM}</svg>{GTM}`, `<svg><svg></svg>{GTM}</svg>`},
	{"foreignObject is html", `<svg><foreignObject>{GTM}</foreignObject>{GTM}</svg>`, `<svg><foreignObject></foreignObject>{GTM}</svg>`},
	{"svg title is html", `<svg><title>{GTM}</title></svg>`, `<svg><title></title></svg>`},
	{"svg desc is html", `<svg><desc>{GTM}</desc></svg>`, `<svg><desc></desc></svg>`},
	{"integration point end tag ignored with html open", `<svg><desc><b></desc>{GTM}</b></desc></svg>`, `<svg><desc><b></desc></b></desc></svg>`},
	{"integration point closed by the svg end", `<svg><foreignObject></svg>{GTM}`, `<svg><foreignObject></svg>`},
	{"mi is html", `<math><mi>{GTM}</mi>{GTM}</math>`, `<math><mi></mi>{GTM}</math>`},
	{"mi end tag ignored with html open", `<math><mi><a></mi>{GTM}`, `<math><mi><a></mi>`},
	{"stray end tag in mi does not close html", `<math><mi><a></b><mglyph>{GTM}`, `<math><mi><a></b><mglyph>`},
	{"mglyph in mi is mathml", `<math><mi><mglyph><style>{PIX}</style></mglyph></mi></math>`, `<math><mi><mglyph><style></style></mglyph></mi></math>`},
	{"annotation-xml html", `<math><annotation-xml encoding="text/html"><style>{PIX}</style></annotation-xml></math>`, `<math><annotation-xml encoding="text/html"><style>{PIX}</style></annotation-xml></math>`},
	{"annotation-xml mathml", `<math><annotation-xml><style>{PIX}</style></annotation-xml></math>`, `<math><annotation-xml><style></style></annotation-xml></math>`},
	{"svg in annotation-xml", `<math><annotation-xml><svg><title>{GTM}</title></svg></annotation-xml></math>`, `<math><annotation-xml><svg><title></title></svg></annotation-xml></math>`},
	{"font with color breaks out", `<svg><font color="red">{GTM}`, `<svg><font color="red">`},
	{"font without attributes does not", `<svg><font>{GTM}</font></svg>`, `<svg><font>{GTM}</font></svg>`},
	{"p end tag breaks out", `<svg></p>{GTM}`, `<svg></p>`},
	{"svg inside foreignObject", `<svg><foreignObject><svg>{GTM}</svg>{GTM}</foreignObject></svg>`, `<svg><foreignObject><svg>{GTM}</svg></foreignObject></svg>`},
}

func TestTokenize(t *testing.T) {
	m := testMatcher(t)
	for _, tc := range tokenizeCases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, expand(tc.want), rewrite(t, m, injectOpts(), expand(tc.in)))
		})
	}
}

// TestMalformed: damaged markup passes through, and what follows the
// damage is not lost.
func TestMalformed(t *testing.T) {
	m := testMatcher(t)
	for _, tc := range []rwCase{
		{"unterminated attribute", `<p>unterminated <a href="x`, `<p>unterminated <a href="x`},
		{"unterminated tag", `<div class=a`, `<div class=a`},
		{"tag in tag", `<div <p>text`, `<div <p>text`},
		{"stray end tags", `</div></p></body></html>x`, `</div></p></body></html>x`},
		{"unterminated tracker tag", `x<img src="https://www.facebook.com/tr"`, `x<img src="https://www.facebook.com/tr"`},
		{"unterminated removed script", `x<script src="https://www.googletagmanager.com/gtm.js">a<p>b`, `x`},
		{"unterminated removed iframe", `x<iframe src="https://www.youtube.com/x">a<p>b`, `x`},
		{"unterminated removed object", `x<object data="https://www.youtube.com/x"><p>b`, `x<p>b`},
		{"unterminated noscript", `x<noscript><p>a`, `x<noscript><p>a`},
		{"unterminated emptied noscript", `x<noscript><img src="https://www.facebook.com/tr">`, `x<noscript>`},
		{"unterminated inline script decided", `<script>x("www.clarity.ms`, ``},
		{"unterminated inline script kept", `<script>x("/local`, `<script>x("/local`},
		{"unterminated comment", `<!-- x`, `<!-- x`},
		{"unterminated doctype", `<!DOCTYPE`, `<!DOCTYPE`},
		{"lone lt bang", `<!`, `<!`},
		{"lone lt slash", `</`, `</`},
		{"invalid utf-8", "\xff\xfe<p title=\"\xc3\">\xe2\x82</p>", "\xff\xfe<p title=\"\xc3\">\xe2\x82</p>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, rewrite(t, m, stripOpts(), tc.in))
		})
	}
}

// TestTruncatedEverywhere cuts documents at every offset: no panic, and
// the output of the cut document is the output of the whole one up to
// where they differ because of the cut (the kept prefix is never lost).
func TestTruncatedEverywhere(t *testing.T) {
	m := testMatcher(t)
	docs := []string{pageHead + pageTail}
	for _, tc := range tokenizeCases {
		docs = append(docs, expand(tc.in))
	}
	for _, d := range docs {
		step := 1
		if raceEnabled && len(d) > 1000 {
			step = 7
		}
		for i := 0; i <= len(d); i += step {
			out := rewrite(t, m, injectOpts(), d[:i])
			if !onlyDeletes([]byte(d[:i]), []byte(out), []byte(banner)) {
				t.Fatalf("cut at %d: output is not the input with deletions\n in: %q\nout: %q", i, d[:i], out)
			}
		}
	}
}

// TestForeignContentLimits documents where following SVG/MathML content
// by its start and end tags alone, without the tree builder's stack of
// open HTML elements, can differ from a browser, and which way the
// rewriter errs.
func TestForeignContentLimits(t *testing.T) {
	m := testMatcher(t)
	for _, tc := range []rwCase{
		// An end tag that names no open SVG/MathML element closes the
		// foreign content when it names an HTML element open around it
		// ("<a><svg></a>"), and is ignored otherwise. The rewriter
		// assumes the first: staying in foreign content by mistake would
		// keep every tracker after it. So here, where a browser stays in
		// MathML, it takes <svg><mi> for SVG and keeps the script a
		// browser sees in the MathML <mi>.
		{"stray end tag ends foreign content", `<math></a><svg><mi>{GTM}`, `<math></a><svg><mi>{GTM}`},
		{"end tag of an element around svg", `<a><svg><g></a>{GTM}`, `<a><svg><g></a>`},
		// The other way round: where a browser stays in SVG, the rewriter
		// takes a CDATA section for a bogus comment, up to its first '>',
		// and removes a pixel that is CDATA text to a browser.
		{"stray end tag then cdata", `<svg></object><![CDATA[ > {PIX} ]]></svg>`, `<svg></object><![CDATA[ >  ]]></svg>`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, expand(tc.want), rewrite(t, m, stripOpts(), expand(tc.in)))
		})
	}
}
