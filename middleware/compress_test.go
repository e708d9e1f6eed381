package middleware

import (
	"bytes"
	stdflate "compress/flate"
	stdgzip "compress/gzip"
	stdzlib "compress/zlib"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/consentgate/consent/middleware/internal/testpage"
	"github.com/klauspost/compress/zstd"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// encodeWith compresses body with one coding as a server would: "gzip",
// "deflate" (zlib), "raw" (raw deflate, which some servers send as
// "deflate"), "br" and "zstd", each with the reference library at its
// default settings.
func encodeWith(t testing.TB, c string, body []byte) []byte {
	var buf bytes.Buffer
	var zw io.WriteCloser
	switch c {
	case "gzip":
		zw = stdgzip.NewWriter(&buf)
	case "deflate":
		zw = stdzlib.NewWriter(&buf)
	case "raw":
		fw, err := stdflate.NewWriter(&buf, stdflate.DefaultCompression)
		require.NoError(t, err)
		zw = fw
	case "br":
		zw = brotli.NewWriter(&buf)
	case "zstd":
		e, err := zstd.NewWriter(&buf)
		require.NoError(t, err)
		zw = e
	default:
		t.Fatalf("no coding %q", c)
	}
	_, err := zw.Write(body)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

// encodeList applies the codings of a Content-Encoding list in order.
func encodeList(t testing.TB, list string, body []byte) []byte {
	for c := range strings.SplitSeq(list, ",") {
		body = encodeWith(t, strings.TrimSpace(c), body)
	}
	return body
}

// decodeList undoes a Content-Encoding list, last coding first, with the
// reference decoders.
func decodeList(t testing.TB, list string, body []byte) []byte {
	codings := strings.Split(list, ",")
	for i := len(codings) - 1; i >= 0; i-- {
		var zr io.Reader
		var err error
		src := bytes.NewReader(body)
		switch strings.TrimSpace(codings[i]) {
		case "gzip":
			zr, err = stdgzip.NewReader(src)
		case "deflate":
			zr, err = stdzlib.NewReader(src)
		case "br":
			zr = brotli.NewReader(src)
		case "zstd":
			var d *zstd.Decoder
			d, err = zstd.NewReader(src)
			if d != nil {
				defer d.Close()
			}
			zr = d
		default:
			t.Fatalf("no coding %q", codings[i])
		}
		require.NoError(t, err)
		body, err = io.ReadAll(zr)
		require.NoError(t, err, "coding %s", codings[i])
	}
	return body
}

// compressedPageHandler sends z with the given Content-Encoding in writes
// of the given sizes (cycled).
func compressedPageHandler(z []byte, header string, sizes ...int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Encoding", header)
		for i, p := 0, z; len(p) > 0; i++ {
			n := min(len(p), sizes[i%len(sizes)])
			_, _ = w.Write(p[:n])
			p = p[n:]
		}
	}
}

// codingCases: the name, the codings applied, the Content-Encoding sent,
// and the coding of the rewritten page.
var codingCases = []struct {
	name, send, header, read string
}{
	{"gzip", "gzip", "gzip", "gzip"},
	{"zlib deflate", "deflate", "deflate", "deflate"},
	{"raw deflate", "raw", "deflate", "deflate"},
	{"br", "br", "br", "br"},
	{"zstd", "zstd", "zstd", "zstd"},
	{"gzip, gzip", "gzip, gzip", "gzip, gzip", "gzip"},
	{"deflate, gzip", "deflate, gzip", "deflate, gzip", "gzip"},
	{"br, zstd", "br, zstd", "br, zstd", "zstd"},
}

// Every coding the middleware reads is decoded layer by layer, rewritten
// and re-encoded once in the outer coding, which Content-Encoding then
// names.
func TestCompressedPagesAreDecodedRewrittenAndReencoded(t *testing.T) {
	m, logs := newTestMiddleware(t)
	for _, tc := range codingCases {
		t.Run(tc.name, func(t *testing.T) {
			z := encodeList(t, tc.send, []byte(trackerPage))
			rec := get(m, compressedPageHandler(z, tc.header, 7), "/")
			require.Equal(t, http.StatusOK, rec.Code)
			assert.Equal(t, tc.read, rec.Header().Get("Content-Encoding"))
			body := string(decodeList(t, tc.read, rec.Body.Bytes()))
			assert.Equal(t, 1, strings.Count(body, bannerMark))
			assert.NotContains(t, body, metaLoader)
			assert.NotContains(t, body, "googletagmanager.com/gtag/js")
			assert.Contains(t, body, `<script src="/static/app.js"></script>`)
			assert.True(t, strings.HasSuffix(body, "</body></html>"))
		})
	}
	t.Run("unknown codings pass unchanged, logged once", func(t *testing.T) {
		for _, header := range []string{"compress", "gzip, compress", "x-custom, br", "gzip, gzip, gzip, gzip, gzip"} {
			z := []byte("\x8b\x02\x80opaque " + gaLoader)
			for range 2 {
				rec := get(m, compressedPageHandler(z, header, 1<<20), "/")
				assert.Equal(t, z, rec.Body.Bytes(), header)
				assert.Equal(t, header, rec.Header().Get("Content-Encoding"))
			}
			logged := "content-encoding=" + header + "\n"
			if strings.Contains(header, " ") {
				logged = "content-encoding=" + strconv.Quote(header) + "\n"
			}
			assert.Equal(t, 1, strings.Count(logs.String(), logged), header)
		}
	})
	t.Run("x-gzip and identity items", func(t *testing.T) {
		for _, header := range []string{"x-gzip", "identity, gzip", "gzip, identity"} {
			z := encodeList(t, "gzip", []byte(trackerPage))
			rec := get(m, compressedPageHandler(z, header, 7), "/")
			assert.Equal(t, header, rec.Header().Get("Content-Encoding"), "one gzip coding, as it was")
			body := string(decodeList(t, "gzip", rec.Body.Bytes()))
			assert.Equal(t, 1, strings.Count(body, bannerMark))
			assert.NotContains(t, body, metaLoader)
		}
	})
	t.Run("an empty compressed body stays empty", func(t *testing.T) {
		rec := get(m, compressedPageHandler(nil, "gzip", 1), "/")
		assert.Equal(t, http.StatusOK, rec.Code)
		assert.Empty(t, rec.Body.Bytes())
	})
}

// The rewritten, decoded page is the same however the compressed body is
// cut into writes.
func TestCompressedRewriteIsSplitInvariant(t *testing.T) {
	m, _ := newTestMiddleware(t)
	page := []byte(strings.Repeat(`<p>filler text for more than one block</p>`, 600) + trackerPage)
	for _, tc := range codingCases {
		t.Run(tc.name, func(t *testing.T) {
			z := encodeList(t, tc.send, page)
			whole := decodeList(t, tc.read, get(m, compressedPageHandler(z, tc.header, len(z)), "/").Body.Bytes())
			require.Contains(t, string(whole), bannerMark)
			rnd := rand.New(rand.NewPCG(1, uint64(len(z))))
			random := make([]int, 64)
			for i := range random {
				random[i] = 1 + rnd.IntN(3000)
			}
			for _, sizes := range [][]int{{1}, {2, 3}, {100}, {4095, 1}, {32 << 10}, random} {
				got := decodeList(t, tc.read, get(m, compressedPageHandler(z, tc.header, sizes...), "/").Body.Bytes())
				assert.Equal(t, string(whole), string(got), "writes of %v", sizes[:min(len(sizes), 4)])
			}
		})
	}
}

// The re-encoders trade some compression for their small state: a realistic
// page comes out at most 1.6 times the size compress/gzip's default level
// makes of the rewritten page (gzip and deflate about 1.45, zstd 1.4, br 1.05).
func TestReencodedPagesStayCompressed(t *testing.T) {
	if testing.Short() {
		t.Skip("compresses a 1 MB page")
	}
	m, _ := newTestMiddleware(t)
	page := testpage.Generate(1_000_000, 1)
	rewritten := get(m, htmlPageHandler(page), "/").Body.Bytes()
	baseline := len(encodeWith(t, "gzip", rewritten))
	for _, c := range []string{"gzip", "deflate", "br", "zstd"} {
		rec := get(m, compressedPageHandler(encodeWith(t, c, page), c, 32<<10), "/")
		require.Equal(t, string(rewritten), string(decodeList(t, c, rec.Body.Bytes())))
		ratio := float64(rec.Body.Len()) / float64(baseline)
		t.Logf("%s: %d bytes, %.2f× compress/gzip's %d", c, rec.Body.Len(), ratio, baseline)
		assert.LessOrEqual(t, ratio, 1.6, c)
	}
}

// largePage is a page whose compressed, rewritten form is far larger than
// net/http's buffers, so that the client has the headers and part of the
// body when the response breaks.
func largePage() []byte {
	var b bytes.Buffer
	b.WriteString(trackerPage[:strings.Index(trackerPage, "</body>")])
	rnd := rand.New(rand.NewPCG(7, 7))
	for i := range 4000 {
		b.WriteString("<p>")
		for range 8 {
			b.WriteString(url.QueryEscape(string(rune('a' + rnd.IntN(26)))))
			b.WriteString([]string{"lorem ", "ipsum ", "dolor ", "sit ", "amet "}[rnd.IntN(5)])
		}
		b.WriteString(strings.Repeat("x", i%13))
		b.WriteString("</p>\n")
	}
	b.WriteString("</body></html>")
	return b.Bytes()
}

// A compressed body that is truncated or damaged is a broken response for
// the client (as it would be without the middleware), never a complete
// page cut short: served directly and through httputil.ReverseProxy.
func TestBrokenCompressedBodyAbortsTheResponse(t *testing.T) {
	m, _ := newTestMiddleware(t)
	page := largePage()
	type damage struct {
		name string
		f    func([]byte) []byte
	}
	truncate := damage{"truncated", func(z []byte) []byte { return z[:len(z)*2/3] }}
	corrupt := damage{"corrupted byte", func(z []byte) []byte {
		c := bytes.Clone(z)
		c[len(c)*2/3] ^= 0x55
		return c
	}}
	cases := []struct {
		coding  string
		damages []damage
	}{
		{"gzip", []damage{truncate, corrupt}},
		{"deflate", []damage{truncate, corrupt}},
		// raw deflate and brotli carry no checksum, so only a cut is
		// always seen; zstd checks its frames.
		{"raw", []damage{truncate}},
		{"br", []damage{truncate}},
		{"zstd", []damage{truncate, corrupt}},
		{"gzip, gzip", []damage{truncate}},
	}
	for _, tc := range cases {
		header := strings.ReplaceAll(tc.coding, "raw", "deflate")
		for _, d := range tc.damages {
			z := d.f(encodeList(t, tc.coding, page))
			upstream := compressedPageHandler(z, header, 4096)
			direct := httptest.NewServer(m.Handler(upstream))
			origin := httptest.NewServer(upstream)
			target, _ := url.Parse(origin.URL)
			proxied := httptest.NewServer(m.Handler(httputil.NewSingleHostReverseProxy(target)))
			for _, srv := range []struct {
				name string
				s    *httptest.Server
			}{{"middleware", direct}, {"reverse proxy", proxied}} {
				t.Run(tc.coding+"/"+d.name+"/"+srv.name, func(t *testing.T) {
					req, _ := http.NewRequest(http.MethodGet, srv.s.URL, nil)
					req.Header.Set("Accept-Encoding", "gzip, deflate, br, zstd") // the client reads the raw body
					resp, err := srv.s.Client().Do(req)
					require.NoError(t, err)
					body, err := io.ReadAll(resp.Body)
					resp.Body.Close()
					require.Error(t, err, "the client sees the transfer break")
					assert.True(t, errors.Is(err, io.ErrUnexpectedEOF), "%v", err)
					assert.Greater(t, len(body), 0, "part of the page had gone out")
					assert.Eventually(t, func() bool { return recodersRunning() == 0 }, 2*time.Second, 10*time.Millisecond, "no decoder left running")
				})
			}
			direct.Close()
			proxied.Close()
			origin.Close()
		}
	}
}

// recodersRunning counts the decoder goroutines alive.
func recodersRunning() int {
	buf := make([]byte, 1<<20)
	return strings.Count(string(buf[:runtime.Stack(buf, true)]), "middleware.(*recoder).run(")
}

// A br or zstd body that would make its decoder hold more than
// MaxDecodeWindow is not decoded, and not passed with its trackers either:
// the response is aborted.
func TestOversizedDecodeWindowAbortsTheResponse(t *testing.T) {
	m, _ := newTestMiddleware(t)
	zpage := encodeWith(t, "zstd", []byte(trackerPage))
	var bbuf bytes.Buffer
	be := brotli.NewWriterOptions(&bbuf, brotli.WriterOptions{Quality: 5, LGWin: 24})
	_, _ = io.WriteString(be, trackerPage)
	require.NoError(t, be.Close())
	bits, ok := brotliWindowBits(bbuf.Bytes()[0])
	require.True(t, ok)
	require.Equal(t, 24, bits, "the stream asks for a 16 MiB window")

	for _, tc := range []struct {
		coding string
		z      []byte
	}{{"zstd", zstdWindow(t, zpage, 25)}, {"br", bbuf.Bytes()}} {
		t.Run(tc.coding, func(t *testing.T) {
			srv := httptest.NewServer(m.Handler(compressedPageHandler(tc.z, tc.coding, 4096)))
			defer srv.Close()
			req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
			req.Header.Set("Accept-Encoding", tc.coding)
			resp, err := srv.Client().Do(req)
			if err == nil {
				var body []byte
				body, err = io.ReadAll(resp.Body)
				resp.Body.Close()
				assert.NotContains(t, string(body), "googletagmanager")
			}
			require.Error(t, err, "aborted")
		})
	}
	t.Run("windows up to the cap are read", func(t *testing.T) {
		rec := get(m, compressedPageHandler(zstdWindow(t, zpage, 23), "zstd", 4096), "/")
		assert.Contains(t, string(decodeList(t, "zstd", rec.Body.Bytes())), bannerMark)
	})
}

// zstdWindow rewrites the header of a one-frame zstd body to declare a
// window of 1<<log bytes and no content size (RFC 8878, 3.1.1.1).
func zstdWindow(t testing.TB, z []byte, log byte) []byte {
	var h zstd.Header
	require.NoError(t, h.Decode(z))
	fhd := z[4]
	n := 5
	if fhd&0x20 == 0 {
		n++ // a window descriptor
	}
	n += []int{0, 1, 2, 4}[fhd&3]
	fcs := []int{0, 2, 4, 8}[fhd>>6]
	if fhd>>6 == 0 && fhd&0x20 != 0 {
		fcs = 1
	}
	n += fcs
	out := append(bytes.Clone(z[:4]), fhd&0x04, (log-10)<<3)
	out = append(out, z[n:]...)
	require.NoError(t, h.Decode(out))
	require.Equal(t, uint64(1)<<log, h.WindowSize)
	return out
}

// Report-only mode reads pages in every coding for the inventory and sends
// their bytes as they were; with the banner it re-encodes them.
func TestReportOnlyReadsEveryCoding(t *testing.T) {
	for _, tc := range codingCases {
		t.Run(tc.name, func(t *testing.T) {
			z := encodeList(t, tc.send, []byte(trackerPage))
			h := compressedPageHandler(z, tc.header, 5, 300)
			m, _ := newTestMiddleware(t, ReportOnly(false))
			rec := get(m, h, "/zipped")
			assert.Equal(t, z, rec.Body.Bytes())
			assert.Equal(t, tc.header, rec.Header().Get("Content-Encoding"))
			assert.True(t, hasAction(m.Inventory(), "/zipped", "script", "www.googletagmanager.com"))

			m, _ = newTestMiddleware(t, ReportOnly(true))
			rec = get(m, h, "/zipped")
			assert.Equal(t, tc.read, rec.Header().Get("Content-Encoding"))
			page := string(decodeList(t, tc.read, rec.Body.Bytes()))
			assert.Contains(t, page, bannerMark)
			assert.Contains(t, page, gaLoader, "report-only removes nothing")
			assert.True(t, hasAction(m.Inventory(), "/zipped", "script", "www.googletagmanager.com"))
		})
	}
}

// Flush sends on what the rewriter has decided, in every coding.
func TestFlushDeliversCompressedPagesInEveryCoding(t *testing.T) {
	m, _ := newTestMiddleware(t)
	for _, c := range []string{"gzip", "deflate", "br", "zstd"} {
		t.Run(c, func(t *testing.T) {
			release := make(chan struct{})
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				w.Header().Set("Content-Encoding", c)
				zw := newEncoder(map[string]coding{"gzip": codingGzip, "deflate": codingDeflate, "br": codingBrotli, "zstd": codingZstd}[c], w)
				_, _ = io.WriteString(zw, `<html><body><p>first</p>`)
				require.NoError(t, zw.Flush())
				http.NewResponseController(w).Flush()
				<-release
				_, _ = io.WriteString(zw, `<p>second</p></body></html>`)
				_ = zw.Close()
			})
			srv := httptest.NewServer(m.Handler(h))
			defer srv.Close()
			req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
			req.Header.Set("Accept-Encoding", c)
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			r := streamDecoder(t, c, resp.Body)
			got := make([]byte, 0, 4096)
			buf := make([]byte, 4096)
			deadline := time.Now().Add(5 * time.Second)
			for !bytes.Contains(got, []byte("<p>first</p>")) && time.Now().Before(deadline) {
				n, err := r.Read(buf)
				got = append(got, buf[:n]...)
				require.NoError(t, err)
			}
			assert.Contains(t, string(got), bannerMark)
			close(release)
			rest, err := io.ReadAll(r)
			require.NoError(t, err)
			assert.Contains(t, string(rest), "<p>second</p>")
		})
	}
}

func streamDecoder(t *testing.T, c string, r io.Reader) io.Reader {
	switch c {
	case "gzip":
		zr, err := stdgzip.NewReader(r)
		require.NoError(t, err)
		return zr
	case "deflate":
		zr, err := stdzlib.NewReader(r)
		require.NoError(t, err)
		return zr
	case "br":
		return brotli.NewReader(r)
	default:
		d, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1))
		require.NoError(t, err)
		t.Cleanup(d.Close)
		return d
	}
}

func TestParseEncoding(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want encoding
	}{
		{nil, encoding{}},
		{[]string{""}, encoding{}},
		{[]string{"identity"}, encoding{}},
		{[]string{"GZip"}, encoding{codings: [maxCodings]coding{codingGzip}, n: 1}},
		{[]string{"deflate, br"}, encoding{codings: [maxCodings]coding{codingDeflate, codingBrotli}, n: 2}},
		{[]string{"gzip", "zstd"}, encoding{codings: [maxCodings]coding{codingGzip, codingZstd}, n: 2}},
		{[]string{"gzip,,identity"}, encoding{codings: [maxCodings]coding{codingGzip}, n: 1}},
		{[]string{"compress"}, encUnknown},
		{[]string{"gzip", "aes128gcm"}, encUnknown},
		{[]string{"gzip, gzip, gzip, gzip, gzip"}, encUnknown},
	} {
		assert.Equal(t, tc.want, parseEncoding(tc.in), "%q", tc.in)
	}
}

func TestBrotliWindowBits(t *testing.T) {
	for lgwin := 10; lgwin <= 24; lgwin++ {
		var buf bytes.Buffer
		w := brotli.NewWriterOptions(&buf, brotli.WriterOptions{Quality: 5, LGWin: lgwin})
		_, _ = io.WriteString(w, strings.Repeat("consent ", 10000))
		require.NoError(t, w.Close())
		bits, ok := brotliWindowBits(buf.Bytes()[0])
		require.True(t, ok)
		assert.Equal(t, lgwin, bits)
	}
}
