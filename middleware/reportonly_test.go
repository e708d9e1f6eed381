package middleware

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/consentgate/consent/middleware/internal/testpage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// corpusPage is one page of the report-only corpus, served with the
// cookies a site would set on it.
type corpusPage struct {
	path, body string
}

// reportCorpus is every kind of page the rewriter knows: vendor snippets,
// beacons, hints, pings, srcset, noscript pixels, generated pages of
// several sizes, and damaged HTML.
func reportCorpus() []corpusPage {
	pages := []corpusPage{
		{"/", trackerPage},
		{"/beacon", trackerPage + `<img src="https://pixel.example-ads.net/p.gif" width="1" height="1">`},
		{"/snippets", "<!doctype html><html><head>" + testpage.GTM + testpage.MetaPixel + testpage.LinkedIn +
			"</head><body><p>Snippets</p></body></html>"},
		{"/media", `<!doctype html><body><iframe src="https://www.youtube.com/embed/x"></iframe>` +
			`<picture><source srcset="https://px.ads.linkedin.com/c 1x, /own.png 2x"></picture>` +
			`<link rel=preconnect href="https://static.hotjar.com"><a href="/x" ping="https://www.google-analytics.com/collect">x</a>` +
			`<img src="https://images.cdn.example/a.png" alt=""><script src="https://cdn.jsdelivr.net/npm/x.js"></script></body>`},
		{"/comments", `<body><!-- <script src="https://www.googletagmanager.com/gtag/js"></script> --><p>ok</p></body>`},
		{"/fragment", `<p>no body tag <img src="https://www.facebook.com/tr?id=2"></p>`},
		{"/unclosed-comment", `<body><p>a</p><!-- <img src="https://www.facebook.com/tr">`},
		{"/unterminated-script", `<body><script src="https://connect.facebook.net/x.js"`},
		{"/cut-attr", `<body><img src="https://www.facebook.com/tr?id=1" alt="unfinis`},
	}
	for i, size := range []int{20_000, 50_000, 300_000} {
		pages = append(pages, corpusPage{fmt.Sprintf("/generated/%d", size), string(testpage.Generate(size, uint64(i+1)))})
	}
	for _, cut := range []int{100, 333, 500} {
		pages = append(pages, corpusPage{fmt.Sprintf("/truncated/%d", cut), trackerPage[:cut]})
	}
	return pages
}

// corpusHandler serves the corpus by path, with the validators, length and
// cookies of a real site.
func corpusHandler(pages []corpusPage) http.Handler {
	byPath := make(map[string]string, len(pages))
	for _, p := range pages {
		byPath[p.path] = p.body
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := byPath[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Length", strconv.Itoa(len(body)))
		h.Set("ETag", `"v1"`)
		h.Set("Accept-Ranges", "bytes")
		h.Add("Set-Cookie", "session=s1; Path=/; HttpOnly; Secure; SameSite=Lax")
		h.Add("Set-Cookie", "_ga=GA1.1.2; Path=/; Max-Age=63072000; Domain=example.com")
		h.Add("Set-Cookie", "_fbp=fb.1; Path=/; Max-Age=7776000")
		h.Add("Set-Cookie", "shop_ab=b; Path=/; Max-Age=86400")
		// Written in pieces, as a template would.
		for len(body) > 0 {
			n := min(len(body), 7000)
			_, _ = io.WriteString(w, body[:n])
			body = body[n:]
		}
	})
}

func servePage(h http.Handler, path string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "https://www.shop.example"+path, nil)
	req.Header.Set("Accept-Language", "en")
	h.ServeHTTP(rec, req)
	return rec
}

// In report-only mode every response is the handler's, byte for byte:
// status, every header (cookies, validators, length) and the body. The one
// addition is the middleware's Content-Security-Policy-Report-Only (and its
// Reporting-Endpoints), which blocks nothing; with CSP(CSPOff) not even that.
func TestReportOnlyResponsesAreByteIdentical(t *testing.T) {
	corpus := reportCorpus()
	upstream := corpusHandler(corpus)
	for _, tc := range []struct {
		name string
		opts []Option
	}{{"default: a report-only CSP", nil}, {"CSP off", []Option{CSP(CSPOff)}}} {
		t.Run(tc.name, func(t *testing.T) {
			m, _ := newTestMiddleware(t, append([]Option{ReportOnly(false)}, tc.opts...)...)
			h := m.Handler(upstream)
			for _, p := range corpus {
				t.Run(p.path, func(t *testing.T) {
					want, got := servePage(upstream, p.path), servePage(h, p.path)
					assert.Equal(t, want.Code, got.Code)
					gotHeader := got.Header().Clone()
					if tc.opts == nil {
						assert.Len(t, gotHeader.Values("Content-Security-Policy-Report-Only"), 1)
						assert.Equal(t, `consentgate="/consent/csp-report"`, gotHeader.Get("Reporting-Endpoints"))
						gotHeader.Del("Content-Security-Policy-Report-Only")
						gotHeader.Del("Reporting-Endpoints")
					}
					assert.Equal(t, want.Header(), gotHeader)
					assert.True(t, want.Body.String() == got.Body.String(), "body differs")
				})
			}
		})
	}
	m, _ := newTestMiddleware(t, ReportOnly(false))
	h := m.Handler(upstream)
	for _, p := range corpus {
		servePage(h, p.path)
	}
	inv := m.Inventory()
	assert.True(t, inv.ReportOnly)
	assert.NotEmpty(t, inv.Pages, "and it recorded what it would have done")
}

// The inventory of a report-only run holds exactly what a strict run
// removes from the same pages: the same actions per page, the same host
// and cookie counts.
func TestReportOnlyRecordsWhatStrictRemoves(t *testing.T) {
	corpus := reportCorpus()
	upstream := corpusHandler(corpus)
	for _, mode := range []Mode{Strip, Defer} {
		t.Run(mode.String(), func(t *testing.T) {
			strict, _ := newTestMiddleware(t, TagMode(mode), Debug(true))
			report, _ := newTestMiddleware(t, TagMode(mode), ReportOnly(false))
			for _, p := range corpus {
				rec := servePage(strict.Handler(upstream), p.path)
				servePage(report.Handler(upstream), p.path)
				// What the strict run says it removed is in its inventory.
				for item := range strings.SplitSeq(rec.Header().Get(DebugHeader), "; ") {
					if item == "" {
						continue
					}
					f := strings.Fields(item)
					kind, host := f[0], f[1]
					assert.True(t, hasAction(strict.Inventory(), p.path, kind, strings.ToLower(host)), "%s: %s", p.path, item)
				}
			}
			s, r := strict.Inventory(), report.Inventory()
			require.NotEmpty(t, s.Pages)
			assert.Equal(t, s.Pages, r.Pages)
			assert.Equal(t, withoutTimes(s).Hosts, withoutTimes(r).Hosts)
			assert.Equal(t, withoutTimes(s).Cookies, withoutTimes(r).Cookies)
		})
	}
}

func hasAction(inv *Inventory, path, what, name string) bool {
	for _, p := range inv.Pages {
		if p.Path != path {
			continue
		}
		for _, a := range p.Actions {
			if a.What == what && a.Name == name {
				return true
			}
		}
	}
	return false
}

// withoutTimes zeroes the timestamps of a snapshot, for comparisons.
func withoutTimes(inv *Inventory) *Inventory {
	out := *inv
	out.Cookies = append([]SeenCookie(nil), inv.Cookies...)
	out.Hosts = append([]SeenHost(nil), inv.Hosts...)
	for i := range out.Cookies {
		out.Cookies[i].FirstSeen, out.Cookies[i].LastSeen = time.Time{}, time.Time{}
	}
	for i := range out.Hosts {
		out.Hosts[i].FirstSeen, out.Hosts[i].LastSeen = time.Time{}, time.Time{}
	}
	return &out
}

// Report-only mode with the banner asked for: the banner is the only
// change; trackers and cookies stay.
func TestReportOnlyWithBanner(t *testing.T) {
	m, _ := newTestMiddleware(t, ReportOnly(true))
	upstream := corpusHandler(reportCorpus())
	rec := servePage(m.Handler(upstream), "/")
	body := rec.Body.String()
	assert.Contains(t, body, bannerMark)
	assert.Contains(t, body, gaLoader)
	assert.Contains(t, body, metaPixel)
	start := strings.Index(body, `<body class="home">`) + len(`<body class="home">`)
	assert.Equal(t, trackerPage, body[:start]+body[strings.Index(body, "<h1>"):], "the page around the banner is the handler's")
	assert.Len(t, rec.Header().Values("Set-Cookie"), 4, "no cookie dropped")
	assert.Empty(t, rec.Header().Get("Content-Length"))
	assert.True(t, hasAction(m.Inventory(), "/", "script", "www.googletagmanager.com"))

	// A decision made through the banner is stored, and the page shows
	// the settings control instead; still nothing is removed.
	c := decide(t, m, rejectAll())
	rec = get(m, upstream, "/", c)
	assert.NotContains(t, rec.Body.String(), bannerMark)
	assert.Contains(t, rec.Body.String(), gaLoader)
}

// A consent decision still counts in report-only mode: a visitor who
// accepted everything has nothing that would be removed.
func TestReportOnlyFollowsTheVisitorsConsent(t *testing.T) {
	m, _ := newTestMiddleware(t, ReportOnly(false))
	upstream := corpusHandler(reportCorpus())
	get(m, upstream, "/", decide(t, m, acceptAll()))
	assert.Empty(t, m.Inventory().Pages)
	get(m, upstream, "/")
	assert.NotEmpty(t, m.Inventory().Pages)
}

// FuzzReportOnly serves random bodies, typed as HTML or not, with cookies,
// in random writes, through report-only mode: the client gets exactly what
// the handler wrote, and the inventory stays within its caps.
func FuzzReportOnly(f *testing.F) {
	f.Add([]byte(trackerPage), uint64(1), true, "_ga")
	f.Add([]byte(`<body><script>fbq('init')</script><img src="https://www.facebook.com/tr?x" width=1 height=1>`), uint64(7), true, "x\x00y")
	f.Add([]byte(`<!--<body>--><body x="<body>"><iframe src="//WWW.YouTube.com/embed/1">`), uint64(9), false, "session")
	m, _ := newTestMiddleware(f, ReportOnly(false))
	f.Fuzz(func(t *testing.T, body []byte, seed uint64, typed bool, cookie string) {
		rng := rand.New(rand.NewPCG(seed, 0))
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Add("Set-Cookie", cookie+"=1; Path=/")
			if typed {
				w.Header().Set("Content-Type", "text/html")
			}
			rest := body
			for len(rest) > 0 {
				n := rng.IntN(len(rest) + 1)
				_, _ = w.Write(rest[:n])
				rest = rest[n:]
				if rng.IntN(4) == 0 {
					http.NewResponseController(w).Flush()
				}
			}
		})
		rec := httptest.NewRecorder()
		m.Handler(h).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/p", nil))
		require.Equal(t, string(body), rec.Body.String())
		require.Equal(t, []string{cookie + "=1; Path=/"}, rec.Header().Values("Set-Cookie"))
		inv := m.Inventory()
		require.LessOrEqual(t, len(inv.Cookies), MaxInventoryCookies)
		require.LessOrEqual(t, len(inv.Hosts), MaxInventoryHosts)
	})
}

// A page compressed by an inner middleware goes out with its compressed
// bytes untouched while a decoded copy is read for the inventory; with the
// banner asked for, the page is decoded, given the banner and re-encoded.
func TestReportOnlyReadsCompressedPages(t *testing.T) {
	var zipped bytes.Buffer
	zw := gzip.NewWriter(&zipped)
	_, _ = io.WriteString(zw, trackerPage)
	require.NoError(t, zw.Close())
	upstream := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Encoding", "gzip")
		b := zipped.Bytes()
		_, _ = w.Write(b[:len(b)/2])
		_, _ = w.Write(b[len(b)/2:])
	})

	m, _ := newTestMiddleware(t, ReportOnly(false))
	rec := get(m, upstream, "/zipped")
	assert.Equal(t, zipped.Bytes(), rec.Body.Bytes())
	assert.True(t, hasAction(m.Inventory(), "/zipped", "script", "www.googletagmanager.com"))

	m, _ = newTestMiddleware(t, ReportOnly(true))
	rec = get(m, upstream, "/zipped")
	zr, err := gzip.NewReader(rec.Body)
	require.NoError(t, err)
	page, err := io.ReadAll(zr)
	require.NoError(t, err)
	assert.Contains(t, string(page), bannerMark)
	assert.Contains(t, string(page), gaLoader)
	assert.True(t, hasAction(m.Inventory(), "/zipped", "script", "www.googletagmanager.com"))

	// A damaged stream still reaches the client as it was.
	m, _ = newTestMiddleware(t, ReportOnly(false))
	broken := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Encoding", "gzip")
		_, _ = w.Write([]byte("not gzip at all"))
	})
	assert.Equal(t, "not gzip at all", get(m, broken, "/").Body.String())
}
