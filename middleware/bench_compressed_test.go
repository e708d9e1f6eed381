package middleware

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/consentgate/consent/middleware/internal/testpage"
)

// BenchmarkCompressedHTMLResponse serves a 500 KB page compressed in each
// coding to an undecided visitor: the bare handler writing the compressed
// bytes, against the middleware decoding, rewriting and re-encoding them.
// MB/s are of the plain page.
func BenchmarkCompressedHTMLResponse(b *testing.B) {
	m, _ := newTestMiddleware(b)
	page := testpage.Page(500_000)
	for _, c := range []string{"gzip", "deflate", "br", "zstd"} {
		z := encodeWith(b, c, page)
		h := compressedPageHandler(z, c, 32<<10)
		for _, v := range []struct {
			name string
			h    http.Handler
		}{{"bare", h}, {"middleware", m.Handler(h)}} {
			b.Run(c+"/"+v.name, func(b *testing.B) {
				req := httptest.NewRequest(http.MethodGet, "/kurse", nil)
				w := &discardWriter{h: make(http.Header)}
				b.ReportAllocs()
				b.SetBytes(int64(len(page)))
				for b.Loop() {
					clear(w.h)
					v.h.ServeHTTP(w, req)
				}
			})
		}
	}
}
