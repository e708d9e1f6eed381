package middleware

import (
	"bufio"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
)

// encoding is a Content-Encoding the middleware can decode and re-encode.
type encoding uint8

const (
	encIdentity encoding = iota
	encGzip
	encDeflate
	encUnknown
)

// parseEncoding reads a Content-Encoding header value. Anything but one
// gzip or deflate coding (br, zstd, or several codings) is encUnknown: such a
// body passes through unchanged.
func parseEncoding(v string) encoding {
	v = strings.TrimSpace(v)
	switch {
	case v == "" || strings.EqualFold(v, "identity"):
		return encIdentity
	case strings.EqualFold(v, "gzip") || strings.EqualFold(v, "x-gzip"):
		return encGzip
	case strings.EqualFold(v, "deflate"):
		return encDeflate
	}
	return encUnknown
}

// htmlEncoding reads an HTML response's Content-Encoding; one the
// middleware cannot decode is logged once per value, saying what it costs.
func (m *Middleware) htmlEncoding(h http.Header, key, consequence string) encoding {
	v := h.Get("Content-Encoding")
	enc := parseEncoding(v)
	if enc == encUnknown {
		m.seen.once(key+v, consequence+"; put the middleware inside (after) the compression middleware", "content-encoding", v)
	}
	return enc
}

// errAborted ends a decoder whose response was abandoned (the handler
// panicked).
var errAborted = errors.New("middleware: response abandoned")

// recoder decodes a compressed body pushed by Write, hands the plain bytes
// to a rewriter, and re-encodes what the rewriter emits. Decompressors pull
// their input, so they run in a goroutine; each Write returns only once the
// goroutine has consumed every byte and waits for more, so the handler's
// writes, Flush and the end of the body keep their order and meaning.
type recoder struct {
	mu      sync.Mutex
	cond    sync.Cond
	in      []byte // compressed bytes not yet read: the caller's slice
	closed  bool   // no more input
	waiting bool   // the goroutine waits for input
	done    bool   // the goroutine has returned
	err     error  // why it returned early

	enc      encoding
	plain    io.Writer // the rewriter
	zw       io.WriteCloser
	zflusher interface{ Flush() error }
}

// newRecoder starts decoding into plain. out receives the re-encoded bytes;
// setPlain must be called before the first Write.
func newRecoder(enc encoding, out io.Writer) *recoder {
	d := &recoder{enc: enc}
	d.cond.L = &d.mu
	switch enc {
	case encGzip:
		zw := gzipWriters.Get().(*gzip.Writer)
		zw.Reset(out)
		d.zw, d.zflusher = zw, zw
	case encDeflate:
		// Re-encoded as zlib, the format HTTP's "deflate" names.
		zw := zlib.NewWriter(out)
		d.zw, d.zflusher = zw, zw
	}
	return d
}

var gzipWriters = sync.Pool{New: func() any { return gzip.NewWriter(nil) }}

// encoder is where the rewriter writes: the re-encoder.
func (d *recoder) encoder() io.Writer { return d.zw }

// start runs the decoder; plain is the rewriter, which writes into encoder.
func (d *recoder) start(plain io.Writer) {
	d.plain = plain
	go d.run()
}

func (d *recoder) run() {
	err := d.decode()
	d.mu.Lock()
	d.done = true
	if err != nil && d.err == nil {
		d.err = err
	}
	d.cond.Broadcast()
	d.mu.Unlock()
}

func (d *recoder) decode() error {
	br := bufio.NewReader(d)
	var zr io.Reader
	switch d.enc {
	case encGzip:
		gr, err := gzip.NewReader(br)
		if err != nil {
			return err
		}
		zr = gr
	case encDeflate:
		// Servers send zlib (RFC 1950) or, wrongly, raw deflate: the zlib
		// header tells them apart.
		hdr, err := br.Peek(2)
		if err != nil {
			return err
		}
		if hdr[0]&0x0f == 8 && (uint16(hdr[0])<<8|uint16(hdr[1]))%31 == 0 {
			r, err := zlib.NewReader(br)
			if err != nil {
				return err
			}
			zr = r
		} else {
			zr = flate.NewReader(br)
		}
	}
	buf := make([]byte, 32<<10)
	_, err := io.CopyBuffer(d.plain, zr, buf)
	return err
}

// Read gives the decompressor the bytes of the current Write.
func (d *recoder) Read(p []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for len(d.in) == 0 && !d.closed {
		d.waiting = true
		d.cond.Broadcast()
		d.cond.Wait()
	}
	d.waiting = false
	if d.err != nil {
		return 0, d.err
	}
	if len(d.in) == 0 {
		return 0, io.EOF
	}
	n := copy(p, d.in)
	d.in = d.in[n:]
	return n, nil
}

// Write feeds compressed bytes and returns once they are decoded, rewritten
// and re-encoded (as far as the codec can go without more input).
func (d *recoder) Write(p []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.done {
		if d.err != nil {
			return 0, d.err
		}
		return 0, errors.New("middleware: data after the end of the compressed body")
	}
	d.in = p
	d.cond.Broadcast()
	for !d.done && !(d.waiting && len(d.in) == 0) {
		d.cond.Wait()
	}
	d.in = nil
	if d.done && d.err != nil {
		return 0, d.err
	}
	return len(p), nil
}

// flush pushes out the re-encoded bytes of everything decoded so far. The
// caller flushes the rewriter first.
func (d *recoder) flush() error { return d.zflusher.Flush() }

// close ends the input, waits for the decoder, and ends the re-encoded
// stream. The caller closes the rewriter in between, through finishPlain.
func (d *recoder) close(finishPlain func() error) error {
	d.mu.Lock()
	d.closed = true
	d.cond.Broadcast()
	for !d.done {
		d.cond.Wait()
	}
	err := d.err
	d.mu.Unlock()
	if perr := finishPlain(); err == nil {
		err = perr
	}
	if cerr := d.zw.Close(); err == nil {
		err = cerr
	}
	if zw, ok := d.zw.(*gzip.Writer); ok {
		zw.Reset(nil)
		gzipWriters.Put(zw)
	}
	return err
}

// abort stops the decoder of an abandoned response.
func (d *recoder) abort() {
	d.mu.Lock()
	if d.err == nil {
		d.err = errAborted
	}
	d.closed = true
	d.cond.Broadcast()
	d.mu.Unlock()
}
