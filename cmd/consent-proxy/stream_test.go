package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/zstd"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSlowPageStreams(t *testing.T) {
	release := make(chan struct{})
	const head = "<!doctype html><html><head><title>Slow</title>\n" + gtagTag + "\n</head><body><p>first part</p>\n"
	tail := strings.Repeat("<p>more of a large page</p>\n", 20000) + "</body></html>\n"
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, head)
		http.NewResponseController(w).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
		_, _ = io.WriteString(w, tail)
	}))
	t.Cleanup(upstream.Close)
	defer close(release) // should the test fail before releasing
	p := startProxy(t, nil, "-upstream", upstream.URL, "-hash-key", testHash)

	// Upstream waits until released: what the visitor reads before that
	// was sent before upstream finished. Headers and body are read in a
	// goroutine, so that a proxy holding either makes the test fail rather
	// than hang.
	type part struct {
		text string
		err  error
	}
	parts := make(chan part, 2)
	go func() {
		resp, err := http.Get(p.URL + "/")
		if err != nil {
			parts <- part{err: err}
			return
		}
		defer resp.Body.Close()
		br := bufio.NewReader(resp.Body)
		var got strings.Builder
		for !strings.Contains(got.String(), "<p>first part</p>") {
			line, err := br.ReadString('\n')
			got.WriteString(line)
			if err != nil {
				parts <- part{err: err}
				return
			}
		}
		parts <- part{text: got.String()}
		rest, err := io.ReadAll(br)
		parts <- part{text: string(rest), err: err}
	}()
	var early part
	select {
	case early = <-parts:
	case <-time.After(10 * time.Second):
		t.Fatal("the first part of the page did not arrive while upstream waited")
	}
	require.NoError(t, early.err)
	first := early.text
	assert.Contains(t, first, bannerMark)
	assert.Contains(t, first, "<p>first part</p>")
	assert.NotContains(t, first, "googletagmanager.com")

	release <- struct{}{}
	last := <-parts
	require.NoError(t, last.err)
	rest := last.text
	assert.True(t, strings.HasSuffix(rest, "</body></html>\n"), "the rest of the page follows")
	assert.Equal(t, 20000, strings.Count(rest, "<p>more of a large page</p>"))
}

func TestGzipUpstreamIsRewrittenAndStaysGzip(t *testing.T) {
	askedFor := make(chan string, 1)
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		askedFor <- r.Header.Get("Accept-Encoding")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		_, _ = io.WriteString(zw, sitePage)
		_ = zw.Close()
	}))
	t.Cleanup(upstream.Close)
	p := startProxy(t, nil, "-upstream", upstream.URL, "-hash-key", testHash)

	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	req, err := http.NewRequest(http.MethodGet, p.URL+"/", nil)
	require.NoError(t, err)
	req.Header.Set("Accept-Encoding", "gzip, deflate, br")
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()

	assert.Equal(t, "gzip, deflate, br", <-askedFor, "upstream is asked for what the middleware reads")
	require.Equal(t, "gzip", resp.Header.Get("Content-Encoding"))
	zr, err := gzip.NewReader(resp.Body)
	require.NoError(t, err)
	body, err := io.ReadAll(zr)
	require.NoError(t, err)
	assert.Equal(t, 1, strings.Count(string(body), bannerMark))
	assert.NotContains(t, string(body), "googletagmanager.com")
	assert.NotContains(t, string(body), "facebook.com/tr")
	assert.Contains(t, string(body), "<h1>Shop</h1>")
}

// An upstream that answers in br, zstd or stacked codings, as the visitor
// asked, has its pages rewritten and re-encoded; one whose compressed body
// breaks off gets the visitor a broken transfer, not a short page.
func TestCompressedUpstreamsAreRewrittenOrAborted(t *testing.T) {
	page := []byte(sitePage)
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		coding := strings.TrimPrefix(r.URL.Path, "/")
		body := page
		if strings.HasPrefix(coding, "truncated-") {
			coding = strings.TrimPrefix(coding, "truncated-")
			body = bytes.Repeat([]byte("<p>a long page</p>\n"), 30000)
		}
		w.Header().Set("Content-Encoding", coding)
		var buf bytes.Buffer
		switch coding {
		case "br":
			bw := brotli.NewWriter(&buf)
			_, _ = bw.Write(body)
			_ = bw.Close()
		case "zstd":
			zw, _ := zstd.NewWriter(&buf)
			_, _ = zw.Write(body)
			_ = zw.Close()
		case "gzip, gzip":
			var inner bytes.Buffer
			zw := gzip.NewWriter(&inner)
			_, _ = zw.Write(body)
			_ = zw.Close()
			zw = gzip.NewWriter(&buf)
			_, _ = zw.Write(inner.Bytes())
			_ = zw.Close()
		case "gzip":
			zw := gzip.NewWriter(&buf)
			_, _ = zw.Write(body)
			_ = zw.Close()
		}
		z := buf.Bytes()
		if len(body) != len(page) {
			z = z[:len(z)*2/3]
		}
		_, _ = w.Write(z)
	}))
	t.Cleanup(upstream.Close)
	p := startProxy(t, nil, "-upstream", upstream.URL, "-hash-key", testHash)
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	fetch := func(path string) (*http.Response, []byte, error) {
		req, err := http.NewRequest(http.MethodGet, p.URL+path, nil)
		require.NoError(t, err)
		req.Header.Set("Accept-Encoding", "gzip, deflate, br, zstd")
		resp, err := client.Do(req)
		if err != nil {
			return nil, nil, err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		return resp, body, err
	}
	for _, tc := range []struct{ path, coding string }{{"/br", "br"}, {"/zstd", "zstd"}, {"/gzip,%20gzip", "gzip"}} {
		resp, z, err := fetch(tc.path)
		require.NoError(t, err, tc.path)
		require.Equal(t, tc.coding, resp.Header.Get("Content-Encoding"), tc.path)
		var zr io.Reader
		switch tc.coding {
		case "br":
			zr = brotli.NewReader(bytes.NewReader(z))
		case "zstd":
			d, err := zstd.NewReader(bytes.NewReader(z))
			require.NoError(t, err)
			defer d.Close()
			zr = d
		default:
			zr, err = gzip.NewReader(bytes.NewReader(z))
			require.NoError(t, err)
		}
		body, err := io.ReadAll(zr)
		require.NoError(t, err, tc.path)
		assert.Equal(t, 1, strings.Count(string(body), bannerMark), tc.path)
		assert.NotContains(t, string(body), "googletagmanager.com", tc.path)
		assert.Contains(t, string(body), "<h1>Shop</h1>", tc.path)
	}
	for _, path := range []string{"/truncated-gzip", "/truncated-br", "/truncated-zstd"} {
		_, _, err := fetch(path)
		require.Error(t, err, path)
		assert.ErrorIs(t, err, io.ErrUnexpectedEOF, path)
	}
}

func TestLimitAcceptEncoding(t *testing.T) {
	tests := []struct {
		name string
		in   []string // nil: no header
		want []string
	}{
		{name: "absent stays absent", in: nil, want: nil},
		{name: "a browser's list kept", in: []string{"gzip, deflate, br, zstd"}, want: []string{"gzip, deflate, br, zstd"}},
		{name: "q-values kept, * dropped", in: []string{"br;q=1.0, gzip;q=0.8, *;q=0.1"}, want: []string{"br;q=1.0, gzip;q=0.8"}},
		{name: "several lines", in: []string{"br", "GZIP", "compress", "identity"}, want: []string{"br, GZIP, identity"}},
		{name: "shared dictionaries dropped", in: []string{"gzip, br, zstd, dcb, dcz"}, want: []string{"gzip, br, zstd"}},
		{name: "nothing decodable", in: []string{"compress, dcz"}, want: []string{"identity"}},
		{name: "x-gzip", in: []string{"x-gzip"}, want: []string{"x-gzip"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for _, v := range tt.in {
				h.Add("Accept-Encoding", v)
			}
			limitAcceptEncoding(h)
			assert.Equal(t, tt.want, h.Values("Accept-Encoding"))
		})
	}
}
