package middleware

import (
	"bufio"
	"errors"
	"fmt"
	"hash"
	"hash/adler32"
	"hash/crc32"
	"io"
	"runtime"
	"sync"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"
)

// MaxDecodeWindow is the largest history window a br or zstd body may ask
// its decoder to keep: 8 MiB, what RFC 9659 lets HTTP zstd use and more
// than any brotli encoder's default. A body that needs more is unreadable
// and its response aborted, never passed unread with its trackers.
const MaxDecodeWindow = 8 << 20

// errWindowTooLarge is a br or zstd body whose window exceeds
// MaxDecodeWindow.
var errWindowTooLarge = fmt.Errorf("middleware: compressed body needs a window over %d bytes", MaxDecodeWindow)

// decoder is one decoding layer, from a pool.
type decoder interface {
	reader() io.Reader
	release()
}

// newDecoder starts decoding c from src.
func newDecoder(c coding, src *bufio.Reader) (decoder, error) {
	switch c {
	case codingGzip:
		zr, _ := gzipReaders.Get().(*gzip.Reader)
		if zr == nil {
			zr = new(gzip.Reader)
		}
		if err := zr.Reset(src); err != nil {
			gzipReaders.Put(zr)
			return nil, err
		}
		return pooledReader{zr, &gzipReaders}, nil
	case codingDeflate:
		// Servers send zlib (RFC 1950) or, wrongly, raw deflate: the zlib
		// header tells them apart.
		hdr, err := src.Peek(2)
		if err != nil {
			return nil, noEOF(err)
		}
		if hdr[0]&0x0f == 8 && (uint16(hdr[0])<<8|uint16(hdr[1]))%31 == 0 {
			if zr, _ := zlibReaders.Get().(io.ReadCloser); zr != nil {
				if err := zr.(zlib.Resetter).Reset(src, nil); err != nil {
					zlibReaders.Put(zr)
					return nil, err
				}
				return pooledReader{zr, &zlibReaders}, nil
			}
			zr, err := zlib.NewReader(src)
			if err != nil {
				return nil, err
			}
			return pooledReader{zr, &zlibReaders}, nil
		}
		if fr, _ := flateReaders.Get().(io.ReadCloser); fr != nil {
			_ = fr.(flate.Resetter).Reset(src, nil)
			return pooledReader{fr, &flateReaders}, nil
		}
		return pooledReader{flate.NewReader(src), &flateReaders}, nil
	case codingBrotli:
		// The stream's first bits give its window (RFC 7932, 9.1), which
		// the decoder would allocate whole.
		b, err := src.Peek(1)
		if err != nil {
			return nil, noEOF(err)
		}
		if bits, ok := brotliWindowBits(b[0]); !ok || 1<<bits > MaxDecodeWindow {
			return nil, errWindowTooLarge
		}
		br, _ := brotliReaders.Get().(*brotli.Reader)
		if br == nil {
			br = brotli.NewReader(src)
		} else {
			_ = br.Reset(src)
		}
		return pooledReader{br, &brotliReaders}, nil
	case codingZstd:
		zd, _ := zstdReaders.Get().(*zstd.Decoder)
		if zd == nil {
			var err error
			zd, err = zstd.NewReader(src,
				zstd.WithDecoderConcurrency(1), // decodes in the caller's goroutine: none left behind
				zstd.WithDecoderLowmem(true),
				zstd.WithDecoderMaxWindow(MaxDecodeWindow))
			if err != nil {
				return nil, err
			}
		} else if err := zd.Reset(src); err != nil {
			zstdReaders.Put(zd)
			return nil, err
		}
		return zstdLayer{zd}, nil
	}
	return nil, errors.New("middleware: no decoder")
}

// noEOF makes a body that ends before its coding's header a truncated one.
func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// brotliWindowBits reads WBITS from a brotli stream's first byte; the large
// window extension (RFC 9841), which browsers do not accept, is not ok.
func brotliWindowBits(b byte) (int, bool) {
	if b&1 == 0 {
		return 16, true
	}
	if n := (b >> 1) & 7; n != 0 {
		return 17 + int(n), true
	}
	switch m := (b >> 4) & 7; m {
	case 0:
		return 17, true
	case 1:
		return 0, false
	default:
		return 8 + int(m), true
	}
}

var (
	gzipReaders   sync.Pool
	zlibReaders   sync.Pool
	flateReaders  sync.Pool
	brotliReaders sync.Pool
	zstdReaders   sync.Pool
)

type pooledReader struct {
	r    io.Reader
	pool *sync.Pool
}

func (p pooledReader) reader() io.Reader { return p.r }
func (p pooledReader) release()          { p.pool.Put(p.r) }

type zstdLayer struct{ d *zstd.Decoder }

func (z zstdLayer) reader() io.Reader { return z.d }
func (z zstdLayer) release() {
	_ = z.d.Reset(nil) // drops the reference to the response's input
	zstdReaders.Put(z.d)
}

// encoder re-encodes the rewritten page.
type encoder interface {
	io.Writer
	// Flush sends everything written so far, decodable by the client.
	Flush() error
	// Close ends the stream.
	Close() error
	// release recycles the encoder; it is not used again.
	release()
}

func newEncoder(c coding, dst io.Writer) encoder {
	switch c {
	case codingGzip, codingDeflate:
		e := flateEncoders.Get().(*flateEncoder)
		e.reset(dst, c == codingDeflate)
		return e
	case codingZstd:
		e := zstdEncoders.Get().(*zstdEncoder)
		e.dst = dst
		return e
	case codingBrotli:
		e, _ := brotliWriters.Get().(*brotliEncoder)
		if e == nil {
			e = &brotliEncoder{brotli.NewWriterOptions(dst, brotli.WriterOptions{Quality: brotliQuality, LGWin: brotliWindowBitsOut})}
		} else {
			e.w.Reset(dst)
		}
		return e
	}
	panic("middleware: no encoder for coding " + c.name())
}

// flateBlock is how much rewritten HTML the gzip and deflate re-encoders
// hold before compressing it, and flateDict how much of what came before
// each block they keep as its dictionary. Each block is compressed by a
// klauspost/compress deflater borrowed from a pool for that block alone
// (reset with the dictionary, ended with a sync flush, its output collected
// before it goes to a slow client), so that a response in flight holds
// these 8 KiB and one block's output rather than a compressor's tables and
// window (about 1 MiB for compress/flate). On HTML the output is about 1.4
// times what compress/gzip's default level makes, the price of the short
// history.
const (
	flateBlock = 4 << 10
	flateDict  = 4 << 10
	flateLevel = 2
)

// deflaters are the shared compressors, about 1 MiB each: one per block
// being compressed at once, and up to GOMAXPROCS of them kept between
// blocks. A channel rather than a sync.Pool, which would drop and rebuild
// them at every garbage collection.
var deflaters = make(chan *flate.Writer, runtime.GOMAXPROCS(0))

func getDeflater() *flate.Writer {
	select {
	case fw := <-deflaters:
		return fw
	default:
		fw, err := flate.NewWriter(nil, flateLevel)
		if err != nil {
			panic(err)
		}
		return fw
	}
}

func putDeflater(fw *flate.Writer) {
	fw.Reset(io.Discard) // drops the reference to the response
	select {
	case deflaters <- fw:
	default:
	}
}

// flateEncoder writes gzip (RFC 1952) or zlib (RFC 1950) around deflate
// blocks, each ended on a byte boundary, so a Flush costs nothing extra.
type flateEncoder struct {
	dst     io.Writer
	zlib    bool
	started bool
	err     error
	hist    []byte // the dictionary (dict bytes), then the pending block
	dict    int
	out     []byte // the compressed bytes of one block
	crc     uint32
	adler   hash.Hash32
	size    uint32
}

var flateEncoders = sync.Pool{New: func() any {
	return &flateEncoder{hist: make([]byte, 0, flateDict+flateBlock), adler: adler32.New()}
}}

func (e *flateEncoder) reset(dst io.Writer, zlib bool) {
	e.dst, e.zlib, e.started, e.err = dst, zlib, false, nil
	e.hist, e.dict, e.out = e.hist[:0], 0, e.out[:0]
	e.crc, e.size = 0, 0
	e.adler.Reset()
}

// appendWriter collects a block's output, so that the pooled compressor is
// back in its pool before the bytes go to the client.
type appendWriter struct{ e *flateEncoder }

func (w appendWriter) Write(p []byte) (int, error) {
	w.e.out = append(w.e.out, p...)
	return len(p), nil
}

func (e *flateEncoder) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n := len(p)
	for len(p) > 0 {
		k := copy(e.hist[len(e.hist):cap(e.hist)], p)
		e.hist = e.hist[:len(e.hist)+k]
		p = p[k:]
		if len(e.hist) == cap(e.hist) {
			if err := e.compress(false); err != nil {
				return n - len(p), err
			}
		}
	}
	return n, nil
}

// compress writes the header if need be, the pending block (and, at the
// end, the final block and trailer), then sends it all.
func (e *flateEncoder) compress(eof bool) error {
	if !e.started {
		e.started = true
		if e.zlib {
			e.out = append(e.out, 0x78, 0x01) // 32 KiB window, fastest
		} else {
			e.out = append(e.out, 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255)
		}
	}
	if block := e.hist[e.dict:]; len(block) > 0 || eof {
		if e.zlib {
			_, _ = e.adler.Write(block)
		} else {
			e.crc = crc32.Update(e.crc, crc32.IEEETable, block)
			e.size += uint32(len(block))
		}
		fw := getDeflater()
		fw.ResetDict(appendWriter{e}, e.hist[:e.dict])
		_, err := fw.Write(block)
		if eof {
			err = errors.Join(err, fw.Close())
		} else {
			err = errors.Join(err, fw.Flush())
		}
		putDeflater(fw)
		if err != nil {
			e.err = err
			return err
		}
		keep := min(len(e.hist), flateDict)
		copy(e.hist, e.hist[len(e.hist)-keep:])
		e.hist, e.dict = e.hist[:keep], keep
	}
	if eof {
		if e.zlib {
			s := e.adler.Sum32()
			e.out = append(e.out, byte(s>>24), byte(s>>16), byte(s>>8), byte(s))
		} else {
			e.out = append(e.out, byte(e.crc), byte(e.crc>>8), byte(e.crc>>16), byte(e.crc>>24),
				byte(e.size), byte(e.size>>8), byte(e.size>>16), byte(e.size>>24))
		}
	}
	_, err := e.dst.Write(e.out)
	e.out = e.out[:0]
	if err != nil {
		e.err = err
	}
	return err
}

func (e *flateEncoder) Flush() error {
	if e.err != nil {
		return e.err
	}
	if len(e.hist) == e.dict && e.started {
		return nil
	}
	return e.compress(false)
}

func (e *flateEncoder) Close() error {
	if e.err != nil {
		return e.err
	}
	return e.compress(true)
}

func (e *flateEncoder) release() {
	e.dst = nil
	flateEncoders.Put(e)
}

// zstdBlock is how much rewritten HTML the zstd re-encoder holds before
// compressing it as a frame: more than for deflate, since frames share no
// history, and small beside what a zstd decoder holds anyway.
const zstdBlock = 32 << 10

// zstdEncoder compresses every block as a zstd frame of its own (a zstd
// body is any number of frames, RFC 8878), with an encoder borrowed from
// zstdBlocks for the time it takes.
type zstdEncoder struct {
	dst   io.Writer
	block []byte
	out   []byte
	wrote bool
	err   error
}

var zstdEncoders = sync.Pool{New: func() any { return &zstdEncoder{block: make([]byte, 0, zstdBlock)} }}

// zstdBlocks compresses blocks; EncodeAll keeps its encoders' state between
// calls, shared by all responses.
var zstdBlocks = sync.OnceValue(func() *zstd.Encoder {
	e, err := zstd.NewWriter(nil,
		zstd.WithEncoderLevel(zstd.SpeedFastest),
		zstd.WithWindowSize(zstdBlock),
		zstd.WithEncoderCRC(false),
		zstd.WithZeroFrames(true),
		zstd.WithLowerEncoderMem(true))
	if err != nil {
		panic(err)
	}
	return e
})

func (e *zstdEncoder) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n := len(p)
	for len(p) > 0 {
		k := copy(e.block[len(e.block):cap(e.block)], p)
		e.block = e.block[:len(e.block)+k]
		p = p[k:]
		if len(e.block) == cap(e.block) {
			if err := e.frame(); err != nil {
				return n - len(p), err
			}
		}
	}
	return n, nil
}

func (e *zstdEncoder) frame() error {
	e.out = zstdBlocks().EncodeAll(e.block, e.out[:0])
	e.block = e.block[:0]
	e.wrote = true
	_, err := e.dst.Write(e.out)
	if err != nil {
		e.err = err
	}
	return err
}

func (e *zstdEncoder) Flush() error {
	if e.err != nil || len(e.block) == 0 {
		return e.err
	}
	return e.frame()
}

func (e *zstdEncoder) Close() error {
	if e.err != nil {
		return e.err
	}
	if len(e.block) == 0 && e.wrote {
		return nil
	}
	return e.frame()
}

func (e *zstdEncoder) release() {
	e.dst, e.err, e.wrote = nil, nil, false
	e.block = e.block[:0]
	zstdEncoders.Put(e)
}

// brotli cannot be cut into independent streams: its re-encoder keeps a
// stream's state for the whole response, about 1 MiB at quality 2 with a
// 64 KiB window (quality 0 and 1 hold less but make pages almost three
// times the size of gzip's).
const (
	brotliQuality       = 2
	brotliWindowBitsOut = 16
)

type brotliEncoder struct{ w *brotli.Writer }

var brotliWriters sync.Pool

func (e *brotliEncoder) Write(p []byte) (int, error) { return e.w.Write(p) }
func (e *brotliEncoder) Flush() error                { return e.w.Flush() }
func (e *brotliEncoder) Close() error                { return e.w.Close() }
func (e *brotliEncoder) release() {
	e.w.Reset(nil)
	brotliWriters.Put(e)
}
