package htmlrewrite

import (
	"bytes"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// countWriter counts what it is given.
type countWriter struct{ n int64 }

func (w *countWriter) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	return len(p), nil
}

// streamBig writes a realistic page of about size bytes to w in writes
// of len(buf), without building it: the generated page's head, then body
// repeated, then its tail.
func streamBig(w io.Writer, size int, buf, body []byte) int {
	n, fill := 0, 0
	put := func(s []byte) {
		for len(s) > 0 {
			k := copy(buf[fill:], s)
			fill += k
			s = s[k:]
			if fill == len(buf) {
				_, _ = w.Write(buf)
				n += fill
				fill = 0
			}
		}
	}
	put([]byte(pageHead))
	for n+fill < size-len(pageTail) {
		put(body)
	}
	put([]byte(pageTail))
	_, _ = w.Write(buf[:fill])
	return n + fill
}

// allocated returns the bytes f allocates.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func skipMemory(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
}

// TestMemoryBoundedByCaps streams 5 MB and 50 MB pages through a new
// Rewriter in 32 KiB writes: what it allocates stays far below the caps
// (16 KiB output buffer + 256 KiB script + 64 KiB hold) whatever the body
// size.
func TestMemoryBoundedByCaps(t *testing.T) {
	skipMemory(t)
	sizes := []int{5_000_000, 50_000_000}
	if testing.Short() {
		sizes = sizes[:1]
	}
	m := testMatcher(t)
	buf := make([]byte, benchChunk)
	p := page(500_000)
	body := p[len(pageHead) : len(p)-len(pageTail)]
	for _, size := range sizes {
		for _, o := range []Options{benchOptions(), deferOpts()} {
			var out countWriter
			var n int
			var r *Rewriter
			alloc := allocated(func() {
				r = New(&out, m, o)
				n = streamBig(r, size, buf, body)
				require.NoError(t, r.Close())
			})
			t.Logf("%d bytes (mode %d): %d allocated, %d written", n, o.Mode, alloc, out.n)
			assert.GreaterOrEqual(t, n, size)
			assert.Greater(t, out.n, int64(n)*9/10)
			assert.True(t, r.Changed())
			assert.Less(t, alloc, uint64(400<<10), "allocated bytes for a %d byte body", n)
		}
	}
}

// TestMemoryPooledSteadyState: a reused Rewriter allocates next to
// nothing per response.
func TestMemoryPooledSteadyState(t *testing.T) {
	skipMemory(t)
	m := testMatcher(t)
	p := page(500_000)
	r := New(io.Discard, m, benchOptions())
	writeChunks(r, p)
	require.NoError(t, r.Close())
	allocs := testing.AllocsPerRun(5, func() {
		r.Reset(io.Discard, m, benchOptions())
		writeChunks(r, p)
		_ = r.Close()
	})
	assert.LessOrEqual(t, allocs, 2.0)
}

// bigScript is an inline script of n bytes of text; tracker, when set, is
// placed at offset at.
func bigScript(n int, tracker string, at int) []byte {
	var b bytes.Buffer
	b.WriteString("<script>")
	line := "document.querySelectorAll('.btn').forEach(function(b){b.classList.add('is-active')});\n"
	for b.Len() < n {
		if tracker != "" && b.Len() >= at {
			b.WriteString(`load("https://` + tracker + `/x.js");` + "\n")
			tracker = ""
		}
		b.WriteString(line)
	}
	b.WriteString("</script><p>after</p>")
	return b.Bytes()
}

// TestLongInlineScript: a script longer than MaxScriptBytes is decided on
// its first MaxScriptBytes.
func TestLongInlineScript(t *testing.T) {
	m := testMatcher(t)
	for _, tc := range []struct {
		name string
		in   []byte
		want string
	}{
		{"no tracker", bigScript(1<<20, "", 0), ""},
		{"tracker at the start", bigScript(1<<20, "www.clarity.ms", 0), "<p>after</p>"},
		{"tracker within the cap", bigScript(1<<20, "www.clarity.ms", MaxScriptBytes-200), "<p>after</p>"},
		{"tracker beyond the cap", bigScript(1<<20, "www.clarity.ms", MaxScriptBytes+10), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := tc.want
			if want == "" {
				want = string(tc.in)
			}
			var out bytes.Buffer
			r := New(&out, m, stripOpts())
			writeChunks(r, tc.in)
			require.NoError(t, r.Close())
			require.True(t, want == out.String(), "output of %d bytes, want %d", out.Len(), len(want))
			if !raceEnabled {
				var cw countWriter
				alloc := allocated(func() {
					r.Reset(&cw, m, stripOpts())
					writeChunks(r, tc.in)
					require.NoError(t, r.Close())
				})
				t.Logf("allocated %d", alloc)
				// The script held up to MaxScriptBytes, grown by append.
				assert.Less(t, alloc, uint64(2*MaxScriptBytes+outBufSize), "allocated")
			}
			// The same through other splits.
			require.True(t, want == rewriteSplit(t, m, stripOpts(), tc.in, []int{7, 100, MaxScriptBytes - 3, MaxScriptBytes + 9}, true))
		})
	}
}

// TestLongTag: a tag beyond MaxTagBytes passes through unchanged, still
// driving the tokenizer.
func TestLongTag(t *testing.T) {
	m := testMatcher(t)
	long := strings.Repeat("x", MaxTagBytes)
	for _, tc := range []struct{ name, in, want string }{
		{"tracker img passes", `<img alt="` + long + `" src="https://www.facebook.com/tr">a`, `<img alt="` + long + `" src="https://www.facebook.com/tr">a`},
		{"long script tag starts script data", `<script data-x="` + long + `"><img src="https://www.facebook.com/tr"></script><img src="https://www.facebook.com/tr">b`, `<script data-x="` + long + `"><img src="https://www.facebook.com/tr"></script>b`},
		{"long body tag is injected after", `<body class="` + long + `">c`, `<body class="` + long + `">` + banner + `c`},
		{"long svg tag opens svg", `<svg class="` + long + `"><script src="https://www.googletagmanager.com/gtm.js"></script></svg>`, `<svg class="` + long + `"><script src="https://www.googletagmanager.com/gtm.js"></script></svg>`},
		{"long comment", `<!--` + long + long + `-->` + `<img src="https://www.facebook.com/tr">`, `<!--` + long + long + `-->`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := injectOpts()
			assert.True(t, tc.want == rewrite(t, m, o, tc.in))
			assert.True(t, tc.want == rewriteSplit(t, m, o, []byte(tc.in), []int{5, MaxTagBytes / 2, MaxTagBytes + 20}, false))
		})
	}
}

// TestLongHold: a <noscript> or removed <object> beyond MaxHoldBytes is
// written as it is.
func TestLongHold(t *testing.T) {
	m := testMatcher(t)
	long := strings.Repeat("<p>text</p>", MaxHoldBytes/10)
	pix := `<img src="https://www.facebook.com/tr">`
	for _, tc := range []struct{ name, in, want string }{
		{"noscript stays", `<noscript>` + pix + long + `</noscript>x`, `<noscript>` + long + `</noscript>x`},
		{"noscript emptied within the cap", `<noscript>` + pix + strings.Repeat(" ", MaxHoldBytes-100) + `</noscript>x`, `x`},
		{"noscript whitespace beyond the cap stays", `<noscript>` + pix + strings.Repeat(" ", MaxHoldBytes+100) + `</noscript>x`, `<noscript>` + strings.Repeat(" ", MaxHoldBytes+100) + `</noscript>x`},
		{"object content stays", `<object data="https://www.youtube.com/v">` + long + `</object>x`, long + `x`},
		{"object content within the cap goes", `<object data="https://www.youtube.com/v">` + long[:MaxHoldBytes/2-MaxHoldBytes/2%11] + `</object>x`, `x`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.True(t, tc.want == rewrite(t, m, stripOpts(), tc.in))
			assert.True(t, tc.want == rewriteSplit(t, m, stripOpts(), []byte(tc.in), []int{3, 1000, MaxHoldBytes}, true))
		})
	}
}
