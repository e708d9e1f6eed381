package htmlrewrite

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
)

func TestJSUnescape(t *testing.T) {
	for in, want := range map[string]string{
		`www\x2egoogletagmanager\x2Ecom`: "www.googletagmanager.com",
		`www\u002egoogletagmanager.com`:  "www.googletagmanager.com",
		`www\u{2e}clarity\u{00002E}ms`:   "www.clarity.ms",
		`https:\/\/www\.clarity\.ms`:     "https://www.clarity.ms",
		`a\nb\tc`:                        "a b c",
		"a\\\nb":                         "ab",
		`\x4`:                            "x4",
		`\u{110000}`:                     "u{110000}",
		`\`:                              `\`,
		`\u00e9`:                         "é",
		`plain text, no escapes`:         "plain text, no escapes",
	} {
		assert.Equal(t, want, string(jsUnescape(nil, []byte(in))), "%q", in)
	}
	assert.Equal(t, "//www.clarity.ms/", string(percentUnescape(nil, []byte("%2F%2fwww%2Eclarity.ms/"))))
	assert.Equal(t, "100%", string(percentUnescape(nil, []byte("100%"))))
}

// FuzzJSUnescape: the decoder never grows its input, leaves text without a
// backslash as it is, and decodes JSON strings as encoding/json does (the
// control escapes as a space, which cannot be part of a host).
func FuzzJSUnescape(f *testing.F) {
	for _, s := range []string{`a\x2eb`, `\u002e`, `\u{2e}`, `\/\/`, `\`, `\u{`, `\u{}`, `\xZZ`, `"\ud83d\ude00"`, `%2e`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := jsUnescape(nil, []byte(s))
		if len(out) > len(s) {
			t.Fatalf("jsUnescape(%q) = %q grew", s, out)
		}
		if !strings.Contains(s, `\`) && string(out) != s {
			t.Fatalf("jsUnescape(%q) = %q changed text without escapes", s, out)
		}
		if p := percentUnescape(nil, []byte(s)); len(p) > len(s) {
			t.Fatalf("percentUnescape(%q) grew", s)
		}
		var js string
		if !utf8.ValidString(s) || strings.Contains(strings.ToLower(s), `\ud`) || json.Unmarshal([]byte(`"`+s+`"`), &js) != nil {
			return
		}
		ctl := func(s string) string {
			return strings.Map(func(r rune) rune {
				switch r {
				case '\b', '\f', '\n', '\r', '\t':
					return ' '
				}
				return r
			}, s)
		}
		if ctl(string(out)) != ctl(js) {
			t.Fatalf("jsUnescape(%q) = %q, encoding/json %q", s, out, js)
		}
	})
}
