package middleware

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/consentgate/consent"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// trackerPage is a page with the usual third-party tags.
const trackerPage = `<!doctype html><html><head><title>Shop</title>
<script async src="https://www.googletagmanager.com/gtag/js?id=G-1"></script>
<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}gtag('config','G-1');</script>
<script>!function(f,b,e,v){t=b.createElement(e);t.src=v}(window,document,'script','https://connect.facebook.net/en_US/fbevents.js');</script>
<script src="/static/app.js"></script>
</head><body class="home"><h1>Welcome</h1>
<noscript><img height="1" width="1" style="display:none" src="https://www.facebook.com/tr?id=1&ev=PageView"></noscript>
<img src="/logo.png" alt="logo">
</body></html>`

const (
	gaLoader     = `<script async src="https://www.googletagmanager.com/gtag/js?id=G-1"></script>`
	metaLoader   = `connect.facebook.net`
	metaPixel    = `www.facebook.com/tr`
	bannerMark   = `<div id="consentgate-banner"`
	settingsMark = `<a id="consentgate-settings"`
)

// htmlHandler serves body as an HTML page with the given extra headers.
func htmlHandler(body string, header ...string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		_, _ = io.WriteString(w, body)
	})
}

func TestHTMLPagesFollowTheVisitorsConsent(t *testing.T) {
	m, _ := newTestMiddleware(t)
	h := htmlHandler(trackerPage, "Content-Length", "9999", "ETag", `"v1"`, "Accept-Ranges", "bytes")
	accepted := decide(t, m, acceptAll())
	rejected := decide(t, m, rejectAll())
	analytics := decide(t, m, save(string(consent.Analytics)))

	t.Run("undecided: banner once, every tracker gone", func(t *testing.T) {
		rec := get(m, h, "/shop?page=2")
		body := rec.Body.String()
		assert.Equal(t, 1, strings.Count(body, bannerMark))
		assert.Contains(t, body, `<body class="home"><style>`, "the banner comes first in <body>")
		assert.Less(t, strings.Index(body, bannerMark), strings.Index(body, "<h1>"))
		assert.Contains(t, body, `name="return" value="/shop?page=2"`)
		assert.Contains(t, body, `/consent/preferences?return=%2Fshop%3Fpage%3D2`)
		// The gtag config snippet only queues calls: without its loader it contacts nobody.
		for _, tracker := range []string{"googletagmanager", metaLoader, metaPixel} {
			assert.NotContains(t, body, tracker)
		}
		assert.NotContains(t, body, "<noscript>", "the noscript left empty goes too")
		assert.Contains(t, body, `<script src="/static/app.js"></script>`)
		assert.Contains(t, body, `<img src="/logo.png" alt="logo">`)
		assert.Empty(t, rec.Header().Get("Content-Length"))
		assert.Empty(t, rec.Header().Get("Accept-Ranges"))
		assert.True(t, strings.HasPrefix(rec.Header().Get("ETag"), `W/"v1-cg`), rec.Header().Get("ETag"))
		assert.Equal(t, []string{"Cookie", "HX-Request", "Accept-Language"}, rec.Header().Values("Vary"))
	})
	t.Run("accepted all: every tracker, and the settings control", func(t *testing.T) {
		rec := get(m, h, "/", accepted)
		body := rec.Body.String()
		assert.Equal(t, trackerPage, strings.Replace(body, body[strings.Index(body, "<style>"):strings.Index(body, "<h1>")], "", 1),
			"the handler's bytes but for the settings control")
		assert.Contains(t, body, settingsMark)
		assert.NotContains(t, body, bannerMark)
	})
	t.Run("rejected all: no banner, no tracker", func(t *testing.T) {
		body := get(m, h, "/", rejected).Body.String()
		assert.NotContains(t, body, bannerMark)
		assert.Contains(t, body, settingsMark)
		assert.NotContains(t, body, "googletagmanager")
		assert.NotContains(t, body, metaPixel)
	})
	t.Run("accepted all, no settings control: the handler's bytes and headers", func(t *testing.T) {
		m, _ := newTestMiddleware(t, SettingsControl(false))
		rec := get(m, h, "/", decide(t, m, acceptAll()))
		assert.Equal(t, trackerPage, rec.Body.String())
		assert.Equal(t, "9999", rec.Header().Get("Content-Length"))
		assert.Equal(t, `"v1"`, rec.Header().Get("ETag"))
		assert.Equal(t, "bytes", rec.Header().Get("Accept-Ranges"))
	})
	t.Run("analytics granted: Google Analytics stays, Meta goes", func(t *testing.T) {
		body := get(m, h, "/", analytics).Body.String()
		assert.Contains(t, body, gaLoader)
		assert.Contains(t, body, "gtag('config'")
		assert.NotContains(t, body, metaLoader)
		assert.NotContains(t, body, metaPixel)
		assert.NotContains(t, body, bannerMark)
	})
}

func TestOnlyHTMLBodiesAreRewritten(t *testing.T) {
	m, _ := newTestMiddleware(t)
	tests := []struct {
		name    string
		handler http.HandlerFunc
		method  string
		reqHdr  map[string]string
		rewrite bool
		code    int
	}{
		{"json", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"html":"<body><script src=\"https://connect.facebook.net/x.js\"></script>"}`)
		}, "GET", nil, false, 200},
		{"xhtml", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/xhtml+xml")
			_, _ = io.WriteString(w, trackerPage)
		}, "GET", nil, true, 200},
		{"upper-case type with parameters", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "TEXT/HTML ; charset=UTF-8")
			_, _ = io.WriteString(w, trackerPage)
		}, "GET", nil, true, 200},
		{"sniffed in small writes", func(w http.ResponseWriter, r *http.Request) {
			for _, part := range strings.SplitAfter(trackerPage, ">") {
				_, _ = io.WriteString(w, part)
			}
		}, "GET", nil, true, 200},
		{"sniffed after WriteHeader", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, trackerPage)
		}, "GET", nil, true, 404},
		{"sniffed plain text", func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, "plain <body> text")
		}, "GET", nil, false, 200},
		{"explicitly untyped: sent without a type, which browsers sniff", func(w http.ResponseWriter, r *http.Request) {
			w.Header()["Content-Type"] = nil
			_, _ = io.WriteString(w, trackerPage)
		}, "GET", nil, true, 200},
		{"range", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.Header().Set("Content-Range", "bytes 0-99/1000")
			w.WriteHeader(http.StatusPartialContent)
			_, _ = io.WriteString(w, trackerPage)
		}, "GET", nil, false, 206},
		{"error page", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = io.WriteString(w, trackerPage)
		}, "GET", nil, true, 500},
		{"io.Copy through ReadFrom", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = io.Copy(w, strings.NewReader(trackerPage))
		}, "GET", nil, true, 200},
		{"WriteString", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.(io.StringWriter).WriteString(trackerPage)
		}, "GET", nil, true, 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, "/", nil)
			rec := httptest.NewRecorder()
			m.Handler(tc.handler).ServeHTTP(rec, req)
			assert.Equal(t, tc.code, rec.Code)
			body := rec.Body.String()
			if tc.rewrite {
				assert.Equal(t, 1, strings.Count(body, bannerMark))
				assert.NotContains(t, body, metaLoader)
				assert.Contains(t, body, "<h1>Welcome</h1>")
			} else {
				assert.NotContains(t, body, bannerMark)
				assert.True(t, strings.Contains(body, "facebook") || strings.Contains(body, "plain"), body)
			}
		})
	}
}

func TestBodilessResponses(t *testing.T) {
	m, _ := newTestMiddleware(t)
	t.Run("HEAD drops the length the rewritten GET would not have", func(t *testing.T) {
		req := httptest.NewRequest(http.MethodHead, "/", nil)
		rec := httptest.NewRecorder()
		m.Handler(htmlHandler(trackerPage, "Content-Length", "9999")).ServeHTTP(rec, req)
		assert.Empty(t, rec.Header().Get("Content-Length"))
		assert.Equal(t, http.StatusOK, rec.Code)
	})
	for _, code := range []int{http.StatusNoContent, http.StatusNotModified} {
		t.Run(http.StatusText(code), func(t *testing.T) {
			rec := get(m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(code)
			}), "/")
			assert.Equal(t, code, rec.Code)
			assert.Empty(t, rec.Body.String())
		})
	}
}

func TestBannerOptOuts(t *testing.T) {
	m, _ := newTestMiddleware(t)
	t.Run("htmx partial", func(t *testing.T) {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Header.Set("HX-Request", "true")
		rec := httptest.NewRecorder()
		m.Handler(htmlHandler(trackerPage)).ServeHTTP(rec, req)
		assert.NotContains(t, rec.Body.String(), bannerMark)
		assert.NotContains(t, rec.Body.String(), metaLoader, "trackers still go")
	})
	t.Run("handler hides it", func(t *testing.T) {
		var found bool
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			found = HideBanner(w)
			htmlHandler(trackerPage).ServeHTTP(w, r)
		})
		body := get(m, h, "/").Body.String()
		assert.True(t, found)
		assert.NotContains(t, body, bannerMark)
		assert.NotContains(t, body, metaLoader)
	})
	t.Run("fragment without body", func(t *testing.T) {
		body := get(m, htmlHandler(`<li>item</li><img src="https://www.facebook.com/tr?id=1">`), "/").Body.String()
		assert.Equal(t, `<li>item</li>`, body)
	})
	t.Run("HideBanner outside the middleware", func(t *testing.T) {
		assert.False(t, HideBanner(httptest.NewRecorder()))
	})
}

func TestDeferModeKeepsTagsInert(t *testing.T) {
	m, _ := newTestMiddleware(t, TagMode(Defer))
	body := get(m, htmlHandler(trackerPage), "/", decide(t, m, rejectAll())).Body.String()
	assert.Contains(t, body, `type="text/plain"`)
	assert.Contains(t, body, `data-consent-src="https://www.googletagmanager.com/gtag/js?id=G-1"`)
	assert.Contains(t, body, `data-consent-category="analytics"`)
	assert.NotContains(t, body, ` src="https://www.googletagmanager.com`)
}

func TestUndeclaredBeacons(t *testing.T) {
	page := `<body><img src="https://pixel.example-ads.net/p.gif" width="1" height="1"><img src="https://cdn.example.org/photo.jpg" width="400" height="300"></body>`
	t.Run("removed by default", func(t *testing.T) {
		m, _ := newTestMiddleware(t)
		body := get(m, htmlHandler(page), "/", decide(t, m, rejectAll())).Body.String()
		assert.NotContains(t, body, "pixel.example-ads.net")
		assert.Contains(t, body, "photo.jpg")
	})
	t.Run("kept when their category is granted", func(t *testing.T) {
		m, _ := newTestMiddleware(t, UndeclaredCategory(consent.Analytics))
		body := get(m, htmlHandler(page), "/", decide(t, m, save(string(consent.Analytics)))).Body.String()
		assert.Contains(t, body, "pixel.example-ads.net")
	})
	t.Run("kept when switched off", func(t *testing.T) {
		m, _ := newTestMiddleware(t, Beacons(false))
		body := get(m, htmlHandler(page), "/", decide(t, m, rejectAll())).Body.String()
		assert.Contains(t, body, "pixel.example-ads.net")
	})
}

// compressed returns body compressed with enc ("gzip", "deflate" as zlib,
// "raw" as raw deflate).
func compressed(t testing.TB, enc, body string) []byte {
	var buf bytes.Buffer
	var zw io.WriteCloser
	switch enc {
	case "gzip":
		zw = gzip.NewWriter(&buf)
	case "deflate":
		zw = zlib.NewWriter(&buf)
	case "raw":
		fw, err := flate.NewWriter(&buf, flate.DefaultCompression)
		require.NoError(t, err)
		zw = fw
	}
	_, err := io.WriteString(zw, body)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

func decompress(t testing.TB, enc string, body []byte) string {
	var zr io.Reader
	var err error
	switch enc {
	case "gzip":
		zr, err = gzip.NewReader(bytes.NewReader(body))
	case "deflate":
		zr, err = zlib.NewReader(bytes.NewReader(body))
	}
	require.NoError(t, err)
	out, err := io.ReadAll(zr)
	require.NoError(t, err)
	return string(out)
}

func TestCompressedHTMLIsDecodedRewrittenAndReencoded(t *testing.T) {
	m, _ := newTestMiddleware(t)
	for _, tc := range []struct{ name, send, header, read string }{
		{"gzip", "gzip", "gzip", "gzip"},
		{"zlib deflate", "deflate", "deflate", "deflate"},
		{"raw deflate", "raw", "deflate", "deflate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			z := compressed(t, tc.send, trackerPage)
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				w.Header().Set("Content-Encoding", tc.header)
				for len(z) > 0 { // in small pieces, as a compressing writer does
					n := min(len(z), 7)
					_, _ = w.Write(z[:n])
					z = z[n:]
				}
			})
			rec := get(m, h, "/")
			assert.Equal(t, tc.header, rec.Header().Get("Content-Encoding"))
			body := decompress(t, tc.read, rec.Body.Bytes())
			assert.Equal(t, 1, strings.Count(body, bannerMark))
			assert.NotContains(t, body, metaLoader)
			assert.True(t, strings.HasSuffix(body, "</body></html>"))
		})
	}
}

func TestFlushPushesDecidedBytesThroughTheRewriter(t *testing.T) {
	m, _ := newTestMiddleware(t)
	for _, enc := range []string{"", "gzip"} {
		t.Run("encoding "+enc, func(t *testing.T) {
			release := make(chan struct{})
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				var out io.Writer = w
				var zw *gzip.Writer
				if enc != "" {
					w.Header().Set("Content-Encoding", enc)
					zw = gzip.NewWriter(w)
					out = zw
				}
				_, _ = io.WriteString(out, `<html><body><p>first</p>`)
				if zw != nil {
					_ = zw.Flush()
				}
				http.NewResponseController(w).Flush()
				<-release
				_, _ = io.WriteString(out, `<p>second</p></body></html>`)
				if zw != nil {
					_ = zw.Close()
				}
			})
			srv := httptest.NewServer(m.Handler(h))
			defer srv.Close()
			req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
			req.Header.Set("Accept-Encoding", "gzip") // keep the transport from decoding
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			var r io.Reader = bufio.NewReader(resp.Body)
			if enc != "" {
				zr, err := gzip.NewReader(r)
				require.NoError(t, err)
				r = zr
			}
			got := make([]byte, 0, 4096)
			buf := make([]byte, 4096)
			deadline := time.Now().Add(5 * time.Second)
			for !bytes.Contains(got, []byte("<p>first</p>")) && time.Now().Before(deadline) {
				n, err := r.Read(buf)
				got = append(got, buf[:n]...)
				require.NoError(t, err)
			}
			assert.Contains(t, string(got), bannerMark)
			assert.Contains(t, string(got), "<p>first</p>")
			close(release)
			rest, err := io.ReadAll(r)
			require.NoError(t, err)
			assert.Contains(t, string(rest), "<p>second</p>")
		})
	}
}

func TestConditionalRequestsSeeTheHandlersValidators(t *testing.T) {
	m, _ := newTestMiddleware(t)
	modtime := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"page-7"`)
		w.Header().Set("Content-Type", "text/html")
		http.ServeContent(w, r, "page.html", modtime, strings.NewReader(trackerPage))
	})
	first := get(m, h, "/")
	etag := first.Header().Get("ETag")
	require.True(t, strings.HasPrefix(etag, `W/"page-7-cg`), etag)

	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("If-None-Match", etag)
	rec := httptest.NewRecorder()
	m.Handler(h).ServeHTTP(rec, req)
	assert.Equal(t, http.StatusNotModified, rec.Code, "the same visitor revalidates")

	other := httptest.NewRequest(http.MethodGet, "/", nil)
	other.Header.Set("If-None-Match", etag)
	other.AddCookie(decide(t, m, rejectAll()))
	rec = httptest.NewRecorder()
	m.Handler(h).ServeHTTP(rec, other)
	assert.Equal(t, http.StatusOK, rec.Code, "another consent state gets its own page")
	assert.NotContains(t, rec.Body.String(), bannerMark)
}

func TestPanickingHandlerLeaksNoDecoder(t *testing.T) {
	m, _ := newTestMiddleware(t)
	z := compressed(t, "gzip", trackerPage)
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Encoding", "gzip")
		_, _ = w.Write(z[:len(z)/2])
		panic(http.ErrAbortHandler)
	}))
	before := runtime.NumGoroutine()
	for range 20 {
		func() {
			defer func() { assert.Equal(t, http.ErrAbortHandler, recover(), "the panic reaches net/http") }()
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
		}()
	}
	require.Eventually(t, func() bool { return runtime.NumGoroutine() <= before+1 }, 2*time.Second, 10*time.Millisecond)
}

// Every form of revalidation is tied to the consent state: a Last-Modified
// date becomes a state-tied ETag (and If-Modified-Since again for the
// handler), a 304 carries the validator the 200 had, and a dated copy the
// middleware did not rewrite is not revalidated for a visitor whose pages
// are rewritten now.
func TestRevalidationIsTiedToTheConsentState(t *testing.T) {
	modtime := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	dated := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		http.ServeContent(w, r, "page.html", modtime, strings.NewReader(trackerPage))
	})
	tagged := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"page-7"`)
		dated(w, r)
	})
	m, _ := newTestMiddleware(t, SettingsControl(false))
	accepted := decide(t, m, acceptAll())

	t.Run("Last-Modified becomes a state-tied ETag", func(t *testing.T) {
		first := getWithHeader(m, dated, nil)
		require.Equal(t, http.StatusOK, first.Code)
		etag := first.Header().Get("ETag")
		assert.True(t, strings.HasPrefix(etag, `W/"lm-1767323045-cg`), etag)
		assert.Empty(t, first.Header().Get("Last-Modified"), "browsers would revalidate by date")

		again := getWithHeader(m, dated, map[string]string{"If-None-Match": etag})
		assert.Equal(t, http.StatusNotModified, again.Code, "the handler saw If-Modified-Since")
		assert.Equal(t, etag, again.Header().Get("ETag"), "the 304 carries the 200's validator")
		assert.Empty(t, again.Header().Get("Last-Modified"))

		other := getWithHeader(m, dated, map[string]string{"If-None-Match": etag}, decide(t, m, rejectAll()))
		assert.Equal(t, http.StatusOK, other.Code, "another state gets its own page")
	})
	t.Run("a 304 carries the weak ETag of the 200", func(t *testing.T) {
		first := getWithHeader(m, tagged, nil)
		etag := first.Header().Get("ETag")
		require.True(t, strings.HasPrefix(etag, `W/"page-7-cg`), etag)
		again := getWithHeader(m, tagged, map[string]string{"If-None-Match": etag})
		require.Equal(t, http.StatusNotModified, again.Code)
		assert.Equal(t, etag, again.Header().Get("ETag"), "not the handler's own, which would later match any state")
	})
	t.Run("a dated copy the middleware left alone", func(t *testing.T) {
		first := getWithHeader(m, dated, nil, accepted)
		require.Equal(t, modtime.Format(http.TimeFormat), first.Header().Get("Last-Modified"), "not rewritten: left as it was")
		ims := map[string]string{"If-Modified-Since": modtime.Format(http.TimeFormat), "Sec-Fetch-Dest": "document"}
		assert.Equal(t, http.StatusNotModified, getWithHeader(m, dated, ims, accepted).Code, "same state: revalidated")
		undecided := getWithHeader(m, dated, ims)
		assert.Equal(t, http.StatusOK, undecided.Code, "pages are rewritten now: the copy is stale")
		assert.Contains(t, undecided.Body.String(), bannerMark)
		ims["Sec-Fetch-Dest"] = "image"
		assert.Equal(t, http.StatusNotModified, getWithHeader(m, dated, ims).Code, "an image's date is left alone")
	})
}
