package htmlrewrite

import (
	"encoding/base64"
	"testing"
)

// FuzzDataURL: decoding a data: URL never grows it and agrees with
// encoding/base64 on the payload of a well-formed base64 URL.
func FuzzDataURL(f *testing.F) {
	for _, s := range []string{"data:,x", "data:text/html;base64,PHA+", "data:;base64,PHA", "data:%2C", "DATA:text/css,a%20b", "data:;base64,@@"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, ok := dataContent(nil, []byte(s))
		if ok && len(out) > len(s) {
			t.Fatalf("dataContent(%q) = %q grew", s, out)
		}
		payload := []byte(s)
		enc := base64.StdEncoding.EncodeToString(payload)
		got, ok := dataContent(nil, []byte("data:application/octet-stream;base64,"+enc))
		if !ok || string(got) != s {
			t.Fatalf("base64 of %q decoded to %q, %v", s, got, ok)
		}
	})
}
