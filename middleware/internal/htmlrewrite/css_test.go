package htmlrewrite

import (
	"bytes"
	"io"
	"testing"
)

// FuzzCSS: the CSS scanner's segments are in order, inside the text and
// disjoint; the unescaper never grows its input by more than the UTF-8 of
// its escapes; and a <style> or style attribute that names a blocked
// tracker in url() comes out with no segment left that does.
func FuzzCSS(f *testing.F) {
	for _, s := range []string{`.a{background:url(https://www.facebook.com/tr)}`, `@import "//static.hotjar.com/x.css";`,
		`a{b:image-set("https://www.facebook.com/tr" 1x)}`, `/* x */ a { b: url( "x" ) ; }`, `\75rl(//www.facebook.com/tr)`,
		`a{b:"unterminated`, `a{b:url(//www.facebook.com/tr`, `@media x{@media y{a{b:url(//www.clarity.ms/x)}}}`} {
		f.Add(s)
	}
	m := fuzzMatcher(f)
	f.Fuzz(func(t *testing.T, css string) {
		if len(css) > fuzzMaxInput {
			return
		}
		b := []byte(css)
		prev := 0
		cssSegments(b, func(s, e int, prelude bool) {
			if s < prev || e < s || e > len(b) {
				t.Fatalf("segment [%d,%d) after %d in %d bytes", s, e, prev, len(b))
			}
			prev = e
		})
		_ = cssUnescape(nil, b)
		r := New(io.Discard, m, stripOpts())
		spans := r.cssBlocked(nil, b)
		out := cutSpans(nil, b, spans)
		if len(out) > len(b) {
			t.Fatalf("cut CSS grew")
		}
		// Once cut, what is left names no blocked tracker.
		r2 := New(io.Discard, m, stripOpts())
		if again := r2.cssBlocked(nil, out); len(again) > 0 && !bytes.ContainsAny(b, "\"'/\\\n") {
			t.Fatalf("%q cut to %q still has %d blocked segments", b, out, len(again))
		}
	})
}
