package htmlrewrite

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

var headScript = `<script>H</script>`

func headOpts() Options {
	o := injectOpts()
	o.InjectHead = []byte(headScript)
	return o
}

// InjectHead goes first in <head>, or before the first script or <body>
// when the page has no head tag, once, and never inside a comment,
// template, noscript, foreign content or a script's text.
func TestInjectHead(t *testing.T) {
	m := testMatcher(t)
	for _, tc := range []rwCase{
		{"after head", `<!doctype html><html><head lang=x><title>t</title><script src=/a.js></script></head><body>b`,
			`<!doctype html><html><head lang=x>` + headScript + `<title>t</title><script src=/a.js></script></head><body>` + banner + `b`},
		{"no head tag: before the first script", `<html><title>t</title><script>x()</script><body>`,
			`<html><title>t</title>` + headScript + `<script>x()</script><body>` + banner},
		{"no head, no script: before body", `<title>t</title><body><p>x`,
			`<title>t</title>` + headScript + `<body>` + banner + `<p>x`},
		{"before a removed tracker script", `<script src="https://connect.facebook.net/x.js"></script><head>`,
			headScript + `<head>`},
		{"upper case", `<HTML><HEAD><SCRIPT>a</SCRIPT>`, `<HTML><HEAD>` + headScript + `<SCRIPT>a</SCRIPT>`},
		{"not in a comment or template", `<!--<head>--><template><head><script>t</script></template><head>`,
			`<!--<head>--><template><head><script>t</script></template><head>` + headScript},
		{"not in a noscript", `<noscript><script>n</script></noscript><head>`, `<noscript><script>n</script></noscript><head>` + headScript},
		// <head> breaks out of SVG like <p> does: what follows is HTML.
		{"svg broken out of", `<svg><head/><script>s</script></svg><head>`, `<svg><head/>` + headScript + `<script>s</script></svg><head>`},
		{"not in svg", `<svg><script>s</script></svg><head>`, `<svg><script>s</script></svg><head>` + headScript},
		{"once", `<head><head><body><body>`, `<head>` + headScript + `<head><body>` + banner + `<body>`},
		{"a fragment gets nothing", `<p>hi</p><img src=/x.png>`, `<p>hi</p><img src=/x.png>`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, rewrite(t, m, headOpts(), tc.in))
		})
	}
}
