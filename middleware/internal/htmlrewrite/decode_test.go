package htmlrewrite

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"golang.org/x/net/html"
)

func TestDecodeRefs(t *testing.T) {
	for in, want := range map[string]string{
		"a&amp;b":                           "a&b",
		"&#x2F;&#47;&sol;":                  "///",
		"&copy;&copy":                       "©©",
		"&copyx":                            "&copyx",
		"&amp=1":                            "&amp=1",
		"&ampx":                             "&ampx",
		"&#128;&#x9F;":                      "€Ÿ",
		"&#0;&#xD800;":                      "\ufffd\ufffd",
		"&NotEqualTilde;":                   "\u2242\u0338",
		"&Tab;&NewLine;":                    "\t\n",
		"&unknown;":                         "&unknown;",
		"&#x;&#;":                           "&#x;&#;",
		"&#105;mage":                        "image",
		"preload&#32;icon":                  "preload icon",
		"&CounterClockwiseContourIntegral;": "\u2233",
	} {
		assert.Equal(t, want, string(decodeRefs(nil, []byte(in))), "%q", in)
	}
}

// FuzzDecodeAttrXNet: attribute values decode as golang.org/x/net/html's
// tokenizer decodes them (the oracle), and decodeAttr is that with tabs and
// newlines dropped.
func FuzzDecodeAttrXNet(f *testing.F) {
	for _, s := range []string{"a&amp;b", "&copy", "&copyx", "&amp=", "&#x80;", "&#1114112;", "&NotEqualTilde;",
		"&lt&gt", "&#x2F&#x2F", "&Aacute", "&Aacutex;", "&&amp;;", "&#9;", "&sol"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if strings.ContainsAny(v, "\"\x00") {
			return
		}
		z := html.NewTokenizer(strings.NewReader(`<p a="` + v + `">`))
		if z.Next() != html.StartTagToken {
			return
		}
		_, oracle, _ := z.TagAttr()
		strip := func(b []byte) string { return string(stripTabNL(nil, b)) }
		got := decodeRefs(nil, []byte(v))
		if strip(got) != strip(oracle) {
			t.Fatalf("decodeRefs(%q) = %q, x/net/html %q", v, got, oracle)
		}
		if d := decodeAttr(nil, []byte(v)); string(d) != strip(oracle) {
			t.Fatalf("decodeAttr(%q) = %q, x/net/html %q without tabs and newlines", v, d, oracle)
		}
	})
}
