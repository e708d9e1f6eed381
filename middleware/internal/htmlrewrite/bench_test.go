package htmlrewrite

import (
	"bytes"
	"io"
	"testing"

	"golang.org/x/net/html"
)

var benchSizes = []struct {
	name string
	size int
}{
	{"50KB", 50_000},
	{"500KB", 500_000},
	{"5MB", 5_000_000},
}

// benchChunk is the size of the Write calls: what a handler writing
// through a bufio.Writer or io.Copy produces.
const benchChunk = 32 << 10

var benchBanner = []byte(`<div id="consent-banner" role="dialog" aria-label="Cookie consent"><p>We use cookies.</p><button>Accept</button><button>Reject</button></div>`)

func benchOptions() Options {
	return Options{Granted: 0, Inject: benchBanner, SiteHost: "www.example.com", Beacons: true}
}

func writeChunks(w io.Writer, p []byte) {
	for len(p) > 0 {
		n := benchChunk
		if n > len(p) {
			n = len(p)
		}
		_, _ = w.Write(p[:n])
		p = p[n:]
	}
}

// benchRewriter: strip + inject with nothing granted, one pooled Rewriter
// reset per response (steady state).
func benchRewriter(b *testing.B, p []byte) {
	m := testMatcher(b)
	o := benchOptions()
	r := New(io.Discard, m, o)
	b.SetBytes(int64(len(p)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r.Reset(io.Discard, m, o)
		writeChunks(r, p)
		if err := r.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

// benchXNet: golang.org/x/net/html's Tokenizer re-emitting every token's
// raw bytes (the baseline).
func benchXNet(b *testing.B, p []byte) {
	b.SetBytes(int64(len(p)))
	b.ReportAllocs()
	for b.Loop() {
		z := html.NewTokenizer(bytes.NewReader(p))
		for {
			if z.Next() == html.ErrorToken {
				break
			}
			_, _ = io.Discard.Write(z.Raw())
		}
	}
}

// benchIndexByte: finding every '<' (upper bound for a tag scanner).
func benchIndexByte(b *testing.B, p []byte) {
	b.SetBytes(int64(len(p)))
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		for i := 0; ; {
			j := bytes.IndexByte(p[i:], '<')
			if j < 0 {
				break
			}
			n++
			i += j + 1
		}
	}
	_ = n
}

// benchCopy: a plain copy.
func benchCopy(b *testing.B, p []byte) {
	dst := make([]byte, len(p))
	b.SetBytes(int64(len(p)))
	b.ReportAllocs()
	for b.Loop() {
		copy(dst, p)
	}
}

var benchImpls = []struct {
	name string
	f    func(*testing.B, []byte)
}{
	{"rewriter", benchRewriter},
	{"xnethtml", benchXNet},
	{"indexbyte", benchIndexByte},
	{"copy", benchCopy},
}

func BenchmarkRewrite(b *testing.B) {
	for _, s := range benchSizes {
		p := page(s.size)
		for _, impl := range benchImpls {
			b.Run(s.name+"/"+impl.name, func(b *testing.B) { impl.f(b, p) })
		}
	}
}

// BenchmarkInlineScript measures the inline-script text scan alone
// (Matcher.MatchText over a 64 KiB script without tracker hosts).
func BenchmarkInlineScript(b *testing.B) {
	m := testMatcher(b)
	var s bytes.Buffer
	for s.Len() < 64<<10 {
		s.WriteString(`document.querySelectorAll('.btn').forEach(function(b){b.addEventListener('click',function(){b.classList.add("is-active");window.app.state.cart.items.push({sku:b.dataset.sku,qty:1})})});` + "\n")
	}
	text := s.Bytes()
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := m.MatchText(text, 0); ok {
			b.Fatal("unexpected match")
		}
	}
}
