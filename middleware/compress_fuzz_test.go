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
	"strings"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/zstd"
	"github.com/stretchr/testify/require"
)

// FuzzCompressedBody serves arbitrary bytes under each coding, cut into
// random writes. The response is aborted (the one panic net/http expects),
// or it is a valid stream in the outer coding; and when the reference
// decoders read the body, the page is exactly the one the middleware makes
// of the decoded body sent plain. No decoder is left running.
func FuzzCompressedBody(f *testing.F) {
	for i, c := range []string{"gzip", "deflate", "raw", "br", "zstd"} {
		z := encodeWith(f, c, []byte(trackerPage))
		f.Add(z, uint8(i), uint64(i))
		f.Add(z[:len(z)/2], uint8(i), uint64(i))
	}
	f.Add(encodeList(f, "gzip, gzip", []byte(trackerPage)), uint8(5), uint64(5))
	f.Add([]byte("not compressed"), uint8(0), uint64(0))
	f.Add([]byte{0x1f, 0x8b}, uint8(0), uint64(1))
	m, _ := newTestMiddleware(f)
	headers := []string{"gzip", "deflate", "deflate", "br", "zstd", "gzip, gzip", "deflate, br"}
	serve := func(t *testing.T, body []byte, header string, seed uint64) (rec *httptest.ResponseRecorder, aborted bool) {
		rng := rand.New(rand.NewPCG(seed, 1))
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			if header != "" {
				w.Header().Set("Content-Encoding", header)
			}
			for rest := body; len(rest) > 0; {
				n := 1 + rng.IntN(len(rest))
				_, _ = w.Write(rest[:n])
				rest = rest[n:]
			}
		})
		rec = httptest.NewRecorder()
		defer func() {
			if v := recover(); v != nil {
				require.Equal(t, http.ErrAbortHandler, v)
				aborted = true
			}
		}()
		m.Handler(h).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
		return rec, false
	}
	f.Fuzz(func(t *testing.T, z []byte, which uint8, seed uint64) {
		header := headers[int(which)%len(headers)]
		plain, err := referenceDecode(header, z)
		if errors.Is(err, errFuzzBomb) {
			t.Skip("decodes to more than the fuzzer can check in time")
		}
		rec, aborted := serve(t, z, header, seed)
		require.Eventually(t, func() bool { return recodersRunning() == 0 }, time.Second, time.Millisecond)
		if aborted || rec.Body.Len() == 0 {
			return
		}
		got := decodeList(t, outerOf(header), rec.Body.Bytes())
		if err != nil {
			return
		}
		want, _ := serve(t, plain, "", 0)
		require.Equal(t, want.Body.String(), string(got))
	})
}

// fuzzMaxPlain bounds what a fuzzed body may decode to: a small body can
// stand for gigabytes, which the middleware streams but the fuzzer has no
// time to check.
const fuzzMaxPlain = 1 << 20

var errFuzzBomb = errors.New("decodes to more than fuzzMaxPlain")

// referenceDecode undoes a Content-Encoding list with the reference
// decoders, telling zlib from raw deflate as the middleware does.
func referenceDecode(list string, body []byte) ([]byte, error) {
	codings := strings.Split(list, ",")
	for i := len(codings) - 1; i >= 0; i-- {
		var zr io.Reader
		var err error
		src := bytes.NewReader(body)
		switch strings.TrimSpace(codings[i]) {
		case "gzip":
			zr, err = stdgzip.NewReader(src)
		case "deflate":
			if len(body) >= 2 && body[0]&0x0f == 8 && (uint16(body[0])<<8|uint16(body[1]))%31 == 0 {
				zr, err = stdzlib.NewReader(src)
			} else {
				zr = stdflate.NewReader(src)
			}
		case "br":
			zr = brotli.NewReader(src)
		case "zstd":
			d, derr := zstd.NewReader(src, zstd.WithDecoderConcurrency(1))
			if derr != nil {
				return nil, derr
			}
			defer d.Close()
			zr = d
		}
		if err != nil {
			return nil, err
		}
		if body, err = io.ReadAll(io.LimitReader(zr, fuzzMaxPlain+1)); err != nil {
			return nil, err
		}
		if len(body) > fuzzMaxPlain {
			return nil, errFuzzBomb
		}
	}
	return body, nil
}

// outerOf is the coding a re-encoded page gets: the last of the list.
func outerOf(list string) string {
	i := strings.LastIndexByte(list, ',')
	return strings.TrimSpace(list[i+1:])
}
