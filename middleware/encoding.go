package middleware

import (
	"bufio"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
)

// coding is one content coding the middleware can decode and re-encode.
type coding uint8

const (
	codingGzip coding = iota + 1
	codingDeflate
	codingBrotli
	codingZstd
)

// name is the coding's token in Content-Encoding.
func (c coding) name() string {
	switch c {
	case codingGzip:
		return "gzip"
	case codingDeflate:
		return "deflate"
	case codingBrotli:
		return "br"
	case codingZstd:
		return "zstd"
	}
	return ""
}

// maxCodings is how many stacked codings are decoded; a longer list is
// unreadable (no real server stacks more than two).
const maxCodings = 4

// encoding is a response's Content-Encoding as read: the codings in the
// order they were applied (the order of the header), or unknown when one of
// them is none the middleware can decode, and then the body passes
// unchanged. The zero value is identity.
type encoding struct {
	codings [maxCodings]coding
	n       uint8
	unknown bool
}

var encUnknown = encoding{unknown: true}

// identity reports a body sent as it is.
func (e encoding) identity() bool { return !e.unknown && e.n == 0 }

// readable reports a body the middleware can decode.
func (e encoding) readable() bool { return !e.unknown }

// outer is the coding applied last, which a re-encoded body gets.
func (e encoding) outer() coding { return e.codings[e.n-1] }

// reencoded sets the Content-Encoding of a body decoded and re-encoded once
// in its outer coding.
func (e encoding) reencoded(h http.Header) {
	if e.n > 1 {
		h.Set("Content-Encoding", e.outer().name())
	}
}

// parseEncoding reads the Content-Encoding header fields. identity and empty
// items are no coding; any coding but gzip (x-gzip), deflate, br and zstd,
// or more than maxCodings, makes the body unreadable.
func parseEncoding(vals []string) encoding {
	var e encoding
	for _, v := range vals {
		for item := range strings.SplitSeq(v, ",") {
			item = strings.TrimSpace(item)
			var c coding
			switch {
			case item == "" || strings.EqualFold(item, "identity"):
				continue
			case strings.EqualFold(item, "gzip") || strings.EqualFold(item, "x-gzip"):
				c = codingGzip
			case strings.EqualFold(item, "deflate"):
				c = codingDeflate
			case strings.EqualFold(item, "br"):
				c = codingBrotli
			case strings.EqualFold(item, "zstd"):
				c = codingZstd
			default:
				return encUnknown
			}
			if e.n == maxCodings {
				return encUnknown
			}
			e.codings[e.n] = c
			e.n++
		}
	}
	return e
}

// htmlEncoding reads an HTML response's Content-Encoding; one the
// middleware cannot decode is logged once per value, saying what it costs.
func (m *Middleware) htmlEncoding(h http.Header, key, consequence string) encoding {
	vals := h.Values("Content-Encoding")
	enc := parseEncoding(vals)
	if enc.unknown {
		v := strings.Join(vals, ", ")
		m.seen.once(key+v, consequence+"; put the middleware inside (after) the compression middleware", "content-encoding", v)
	}
	return enc
}

// errAborted ends a decoder whose response was abandoned (the handler
// panicked).
var errAborted = errors.New("middleware: response abandoned")

// errTrailingData is a write after the end of the compressed body.
var errTrailingData = errors.New("middleware: data after the end of the compressed body")

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
	read    bool   // some input arrived

	enc   encoding
	plain io.Writer // the rewriter
	zw    encoder
}

// newRecoder starts decoding into plain. out receives the re-encoded bytes
// (in enc's outer coding); start must be called before the first Write.
func newRecoder(enc encoding, out io.Writer) *recoder {
	d := &recoder{enc: enc, zw: newEncoder(enc.outer(), out)}
	d.cond.L = &d.mu
	return d
}

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

// decode peels the codings off in reverse order of the list and copies the
// plain bytes into the rewriter.
func (d *recoder) decode() error {
	src := inputReaders.Get().(*bufio.Reader)
	src.Reset(d)
	defer func() {
		src.Reset(nil)
		inputReaders.Put(src)
	}()
	if _, err := src.Peek(1); err == io.EOF && !d.sawInput() {
		return nil // an empty body stays empty
	}
	var r io.Reader = src
	var layers [maxCodings]decoder
	n := 0
	defer func() {
		for _, l := range layers[:n] {
			l.release()
		}
	}()
	for i := int(d.enc.n) - 1; i >= 0; i-- {
		br, ok := r.(*bufio.Reader)
		if !ok {
			br = bufio.NewReaderSize(r, 4<<10)
		}
		l, err := newDecoder(d.enc.codings[i], br)
		if err != nil {
			return err
		}
		layers[n] = l
		n++
		r = l.reader()
	}
	var err error
	if wt, ok := r.(io.WriterTo); ok {
		_, err = wt.WriteTo(d.plain)
	} else {
		bp := plainBufs.Get().(*[]byte)
		_, err = io.CopyBuffer(writerOnlyIO{d.plain}, r, *bp)
		plainBufs.Put(bp)
	}
	if err != nil && err.Error() == "brotli: excessive input" {
		// Said once the stream is complete, when bytes follow it or when
		// its last bytes came in small writes: the page is whole either
		// way, and what follows is not sent.
		err = nil
	}
	return err
}

// inputReaders buffer the compressed input of the outer decoder.
var inputReaders = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 4<<10) }}

// plainBufs carry decoded bytes to the rewriter for decoders that do not
// write them out of their own window.
var plainBufs = sync.Pool{New: func() any { b := make([]byte, 4<<10); return &b }}

// writerOnlyIO hides ReadFrom, so that io.CopyBuffer uses the given buffer.
type writerOnlyIO struct{ io.Writer }

func (d *recoder) sawInput() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.read
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
	if len(p) == 0 {
		return 0, nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.done {
		if d.err != nil {
			return 0, d.err
		}
		return 0, errTrailingData
	}
	d.read = true
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
func (d *recoder) flush() error {
	if d.failed() {
		return d.err
	}
	return d.zw.Flush()
}

func (d *recoder) failed() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.err != nil
}

// close ends the input, waits for the decoder, and ends the re-encoded
// stream. The caller closes the rewriter in between, through finishPlain.
// A body that could not be decoded to its end gets no end: its re-encoded
// stream is left unfinished, and the caller aborts the response, so that
// the client sees a broken transfer rather than a complete-looking page.
func (d *recoder) close(finishPlain func() error) error {
	d.mu.Lock()
	d.closed = true
	d.cond.Broadcast()
	for !d.done {
		d.cond.Wait()
	}
	err, read := d.err, d.read
	d.mu.Unlock()
	defer d.zw.release()
	if err != nil {
		return err
	}
	if !read {
		return nil // no body: none in any coding either
	}
	if err := finishPlain(); err != nil {
		return err
	}
	return d.zw.Close()
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
