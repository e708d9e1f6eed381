package middleware

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/consentgate/consent"
	"github.com/consentgate/consent/internal/syncbuf"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// cspTestPolicy has a tracker per refusable category, one declared by host
// and one by URL patterns, a tracker host shared by two categories, and a
// service.
func cspTestPolicy() *consent.Policy {
	return &consent.Policy{
		Version: "1",
		Categories: []consent.Category{
			{ID: consent.Essential, Name: "Essential", Required: true},
			{ID: consent.Analytics, Name: "Analytics"},
			{ID: consent.Targeting, Name: "Advertising"},
		},
		Trackers: []consent.Tracker{
			{Name: "Counter", Category: consent.Analytics, Hosts: []string{"counter.example"}},
			{Name: "Social pixel", Category: consent.Targeting, Hosts: []string{"counter.example"},
				URLs: []string{"www.social.example/tr", "www.social.example/px/"}},
		},
		Services: []consent.Service{
			{Name: "Fonts CDN", Purpose: "Serves the site's typefaces.", Hosts: []string{"fonts.cdn.example"}},
			{Name: "Maps", Purpose: "Shows the shop on a map.", URLs: []string{"www.maps.example/embed/"}},
		},
	}
}

func newCSPMiddleware(t testing.TB, opts ...Option) *Middleware {
	t.Helper()
	base := []Option{Keys(testKey), Logger(slog.New(slog.NewTextHandler(&syncbuf.Buffer{}, nil)))}
	m, err := New(cspTestPolicy(), append(base, opts...)...)
	require.NoError(t, err)
	return m
}

const (
	cspAlways = "default-src 'self' static.shop.example:* *.static.shop.example:* wss://static.shop.example:* wss://*.static.shop.example:* " +
		"fonts.cdn.example:* *.fonts.cdn.example:* wss://fonts.cdn.example:* wss://*.fonts.cdn.example:* " +
		"www.maps.example:*/embed/ *.www.maps.example:*/embed/"
	cspTail      = " data: blob: 'unsafe-inline' 'unsafe-eval'; report-uri /consent/csp-report; report-to consentgate"
	cspCounter   = " counter.example:* *.counter.example:* wss://counter.example:* wss://*.counter.example:*"
	cspSocialURL = " www.social.example:*/tr *.www.social.example:*/tr www.social.example:*/tr/ *.www.social.example:*/tr/" +
		" www.social.example:*/px/ *.www.social.example:*/px/"
)

// The header allows 'self', the site hosts and the services for every
// visitor, and the trackers of exactly the categories granted; a host two
// granted categories declare is listed once.
func TestCSPHeaderFollowsTheVisitorsConsent(t *testing.T) {
	m := newCSPMiddleware(t, CSPSiteHosts("static.shop.example"))
	h := htmlHandler("<!doctype html><title>Shop</title><body><p>Hi</p>")
	tests := []struct {
		name string
		form map[string][]string // nil: undecided
		want string
	}{
		{"undecided", nil, cspAlways + cspTail},
		{"reject all", rejectAll(), cspAlways + cspTail},
		{"custom: analytics only", save(string(consent.Analytics)), cspAlways + cspCounter + cspTail},
		{"custom: advertising only", save(string(consent.Targeting)), cspAlways + cspCounter + cspSocialURL + cspTail},
		{"accept all", acceptAll(), cspAlways + cspCounter + cspSocialURL + cspTail},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var cookies []*http.Cookie
			if tc.form != nil {
				cookies = append(cookies, decide(t, m, tc.form))
			}
			for range 2 { // the second answer comes from the cache
				rec := get(m, h, "https://shop.example/shop", cookies...)
				assert.Equal(t, []string{tc.want}, rec.Header().Values("Content-Security-Policy"))
				assert.Equal(t, []string{`consentgate="/consent/csp-report"`}, rec.Header().Values("Reporting-Endpoints"))
				assert.Empty(t, rec.Header().Values("Content-Security-Policy-Report-Only"))
				assert.Contains(t, rec.Header().Values("Vary"), "Cookie", "the header depends on the consent cookie")
			}
		})
	}
}

// Every response a browser could render as a document gets the header;
// only types it never renders as a page go without.
func TestCSPHeaderGoesOnEveryDocument(t *testing.T) {
	m := newCSPMiddleware(t)
	tests := []struct {
		name  string
		ctype []string // nil: no Content-Type field
		body  string
		want  bool
	}{
		{"html", []string{"text/html; charset=utf-8"}, "<p>x", true},
		{"xhtml", []string{"application/xhtml+xml"}, "<html/>", true},
		{"svg", []string{"image/svg+xml"}, "<svg/>", true},
		{"svg, upper case", []string{"IMAGE/SVG+XML; charset=utf-8"}, "<svg/>", true},
		{"xml", []string{"application/xml"}, "<a/>", true},
		{"text/xml", []string{"text/xml"}, "<a/>", true},
		{"plain text", []string{"text/plain"}, "x", true},
		{"pdf", []string{"application/pdf"}, "%PDF", true},
		{"octet stream", []string{"application/octet-stream"}, "x", true},
		{"unknown", []string{"application/x-something"}, "x", true},
		{"not a media type", []string{"html"}, "x", true},
		{"empty", []string{""}, "<p>x", true},
		{"missing, html body (sniffed)", nil, "<!doctype html><p>x", true},
		{"missing, binary body", nil, "\x00\x01\x02", true},
		{"duplicated", []string{"image/png", "text/html"}, "x", true},
		{"a list", []string{"image/png, text/html"}, "x", true},
		{"png", []string{"image/png"}, "\x89PNG", false},
		{"webp", []string{"image/webp"}, "x", false},
		{"font", []string{"font/woff2"}, "x", false},
		{"audio", []string{"audio/mpeg"}, "x", false},
		{"video", []string{"video/mp4"}, "x", false},
		{"css", []string{"text/css; charset=utf-8"}, "p{}", false},
		{"javascript: a worker runs under its script's policy", []string{"text/javascript"}, "1", true},
		{"application/javascript", []string{"application/javascript; charset=utf-8"}, "1", true},
		{"json", []string{"application/json"}, "{}", false},
		{"problem+json", []string{"application/problem+json"}, "{}", false},
		{"ld+json", []string{"application/ld+json"}, "{}", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.ctype != nil {
					w.Header()["Content-Type"] = tc.ctype
				}
				_, _ = w.Write([]byte(tc.body))
			})
			rec := get(m, h, "https://shop.example/doc")
			got := rec.Header().Values("Content-Security-Policy")
			if tc.want {
				assert.Len(t, got, 1, "Content-Type %q", rec.Header().Values("Content-Type"))
				assert.NotEmpty(t, rec.Header().Values("Reporting-Endpoints"))
			} else {
				assert.Empty(t, got, "Content-Type %q", rec.Header().Values("Content-Type"))
				assert.Empty(t, rec.Header().Values("Reporting-Endpoints"))
			}
		})
	}
	t.Run("redirects and 304s too: a 304 refreshes a cached page's header", func(t *testing.T) {
		for _, code := range []int{http.StatusSeeOther, http.StatusNotModified, http.StatusNoContent, http.StatusNotFound} {
			rec := get(m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(code) }), "/x")
			assert.Len(t, rec.Header().Values("Content-Security-Policy"), 1, "status %d", code)
		}
	})
}

// A site's own strict policy (nonces, 'strict-dynamic') is left exactly as
// it was, and ours comes as a field of its own, the same as without it:
// the browser enforces both. The banner takes the site's nonce.
func TestCSPHeaderCoexistsWithTheSitesPolicy(t *testing.T) {
	m := newCSPMiddleware(t)
	plain := get(m, htmlHandler(trackerPage), "https://shop.example/").Header().Get("Content-Security-Policy")
	require.NotEmpty(t, plain)
	site := "script-src 'nonce-r4nd0m' 'strict-dynamic' https: 'unsafe-inline'; object-src 'none'; base-uri 'none'"
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", site)
		w.Header().Add("Content-Security-Policy", "frame-ancestors 'self'")
		w.Header().Set("Content-Security-Policy-Report-Only", "require-trusted-types-for 'script'")
		w.Header().Set("Reporting-Endpoints", `main="https://reports.shop.example/csp"`)
		htmlHandler(trackerPage).ServeHTTP(w, r)
	})
	for range 2 { // the shared value must not be changed by the first append
		rec := get(m, h, "https://shop.example/")
		assert.Equal(t, []string{site, "frame-ancestors 'self'", plain}, rec.Header().Values("Content-Security-Policy"))
		assert.Equal(t, []string{"require-trusted-types-for 'script'"}, rec.Header().Values("Content-Security-Policy-Report-Only"))
		assert.Equal(t, []string{`main="https://reports.shop.example/csp"`, `consentgate="/consent/csp-report"`},
			rec.Header().Values("Reporting-Endpoints"))
		assert.Contains(t, rec.Body.String(), `<script data-prefix="/consent" nonce="r4nd0m">`, "the banner follows the site's policy")
	}
	assert.Equal(t, []string{plain}, get(m, htmlHandler(trackerPage), "https://shop.example/").Header().Values("Content-Security-Policy"))
}

// The modes: off sends nothing, report the same policy as Report-Only,
// enforce as Content-Security-Policy; ReportOnly defaults to report.
func TestCSPModes(t *testing.T) {
	h := htmlHandler(trackerPage)
	tests := []struct {
		name         string
		opts         []Option
		enforced     bool
		reportOnly   bool
		wantEndpoint bool
	}{
		{"default: enforce", nil, true, false, true},
		{"enforce", []Option{CSP(CSPEnforce)}, true, false, true},
		{"report", []Option{CSP(CSPReport)}, false, true, true},
		{"off", []Option{CSP(CSPOff)}, false, false, false},
		{"ReportOnly: report", []Option{ReportOnly(true)}, false, true, true},
		{"ReportOnly, off", []Option{ReportOnly(false), CSP(CSPOff)}, false, false, false},
	}
	enforced := get(newCSPMiddleware(t), h, "https://shop.example/").Header().Get("Content-Security-Policy")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := get(newCSPMiddleware(t, tc.opts...), h, "https://shop.example/")
			assert.Equal(t, tc.enforced, rec.Header().Get("Content-Security-Policy") != "")
			if tc.reportOnly {
				assert.Equal(t, enforced, rec.Header().Get("Content-Security-Policy-Report-Only"), "the same policy")
			} else {
				assert.Empty(t, rec.Header().Get("Content-Security-Policy-Report-Only"))
			}
			assert.Equal(t, tc.wantEndpoint, rec.Header().Get("Reporting-Endpoints") != "")
		})
	}
	t.Run("under a prefix that would break the header: percent-encoded", func(t *testing.T) {
		rec := get(newCSPMiddleware(t, Prefix(`/c o;n,s"e%nt`)), h, "https://shop.example/")
		assert.True(t, strings.HasSuffix(rec.Header().Get("Content-Security-Policy"), "; report-uri /c%20o%3Bn%2Cs%22e%25nt/csp-report; report-to consentgate"))
		assert.Equal(t, `consentgate="/c%20o%3Bn%2Cs%22e%25nt/csp-report"`, rec.Header().Get("Reporting-Endpoints"))
	})
	t.Run("under another prefix", func(t *testing.T) {
		rec := get(newCSPMiddleware(t, Prefix("/privacy")), h, "https://shop.example/")
		assert.Contains(t, rec.Header().Get("Content-Security-Policy"), "; report-uri /privacy/csp-report; report-to consentgate")
		assert.Equal(t, `consentgate="/privacy/csp-report"`, rec.Header().Get("Reporting-Endpoints"))
	})
}

func TestCSPConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []Option
		want string
	}{
		{"enforce in report-only mode", []Option{ReportOnly(false), CSP(CSPEnforce)}, "CSP(CSPEnforce) with ReportOnly"},
		{"unknown mode", []Option{CSP(CSPMode(7))}, "CSP CSPMode(7)"},
		{"site host with a scheme", []Option{CSPSiteHosts("static.shop.example", "https://cdn.shop.example")}, "CSPSiteHosts[1]"},
		{"site host with a port", []Option{CSPSiteHosts("cdn.shop.example:8443")}, "CSPSiteHosts[0]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(cspTestPolicy(), append([]Option{Keys(testKey)}, tc.opts...)...)
			require.ErrorIs(t, err, ErrConfig)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestParseCSPMode(t *testing.T) {
	for _, mode := range []CSPMode{CSPOff, CSPReport, CSPEnforce} {
		got, err := ParseCSPMode(" " + strings.ToUpper(mode.String()) + " ")
		require.NoError(t, err)
		assert.Equal(t, mode, got)
	}
	_, err := ParseCSPMode("strict")
	assert.True(t, errors.Is(err, ErrCSPMode))
	assert.Equal(t, "CSPMode(9)", CSPMode(9).String())
}

// The policy pages and the endpoint's JSON keep working; the pages get the
// policy too.
func TestCSPHeaderOnTheEndpointsPages(t *testing.T) {
	m := newCSPMiddleware(t)
	for _, tc := range []struct {
		path string
		want bool
	}{{"/consent/preferences", true}, {"/consent/policy", true}, {"/consent", false}} {
		rec := httptest.NewRecorder()
		m.Handler(http.NotFoundHandler()).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tc.path, nil))
		require.Equal(t, http.StatusOK, rec.Code, tc.path)
		assert.Equal(t, tc.want, rec.Header().Get("Content-Security-Policy") != "", tc.path)
	}
}

// The banner script reloads the page after a choice only when the page's
// enforced policy refuses something the choice grants.
func TestCSPReloadAfterAChoice(t *testing.T) {
	post := func(m *Middleware, form map[string][]string, cookie *http.Cookie) (reload bool, set *http.Cookie) {
		t.Helper()
		req := formRequest(form)
		req.Header.Set("Accept", "application/json")
		if cookie != nil {
			req.AddCookie(cookie)
		}
		rec := httptest.NewRecorder()
		m.Handler(http.NotFoundHandler()).ServeHTTP(rec, req)
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		var s struct {
			Reload bool `json:"reload"`
		}
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &s))
		for _, c := range rec.Result().Cookies() {
			if c.Name == m.codec.Name() {
				set = c
			}
		}
		return s.Reload, set
	}
	enforce := newCSPMiddleware(t)
	reload, _ := post(enforce, rejectAll(), nil)
	assert.False(t, reload, "reject all grants nothing new")
	reload, analytics := post(enforce, save(string(consent.Analytics)), nil)
	assert.True(t, reload, "undecided → analytics")
	reload, _ = post(enforce, save(string(consent.Analytics)), analytics)
	assert.False(t, reload, "the same choice again")
	reload, _ = post(enforce, acceptAll(), analytics)
	assert.True(t, reload, "analytics → all")
	reload, _ = post(enforce, rejectAll(), analytics)
	assert.False(t, reload, "a withdrawal: the page's policy allowed more")
	for _, mode := range []CSPMode{CSPReport, CSPOff} {
		reload, _ = post(newCSPMiddleware(t, CSP(mode)), acceptAll(), nil)
		assert.False(t, reload, "%v blocks nothing", mode)
	}
}

// Whatever hosts and URL patterns the tracker list holds (the catalog's are
// not validated like a policy's), the header keeps its three directives and
// every source stays a source: no separator, quote, control character or
// non-ASCII byte gets in.
func FuzzCSPHeaderStaysWellFormed(f *testing.F) {
	f.Add("stats.example.net", "www.example.com/tr", "fonts.example.org")
	f.Add("evil.example; script-src *", "x.example/a,b", "a'b.example")
	f.Add("*.Sub.Example.COM.", "www.example.com/", "_dmarc.example.com")
	f.Add("ex\u00e4mple.com", "host.example/p\nq", "")
	f.Add("a.example", "host.example/p\u00e4th", "b.example/x\x00")
	f.Fuzz(func(t *testing.T, host, pattern, service string) {
		c := newCSPPolicy(CSPEnforce, "/consent", nil,
			[]consent.Service{{Name: "s", Purpose: "p", Hosts: []string{service}, URLs: []string{pattern}}},
			[]cspTracker{{hosts: []string{host, pattern}, urls: []string{pattern, host}, bit: 1}})
		for _, granted := range []uint64{0, 2, ^uint64(0)} {
			v := c.value(granted)[0]
			require.Len(t, strings.Split(v, "; "), 3, "%q", v)
			const head, tail = "default-src 'self'", " data: blob: 'unsafe-inline' 'unsafe-eval'; report-uri /consent/csp-report; report-to consentgate"
			require.True(t, strings.HasPrefix(v, head) && strings.HasSuffix(v, tail), "%q", v)
			sources := v[len(head) : len(v)-len(tail)]
			for _, src := range strings.Fields(sources) {
				for i := 0; i < len(src); i++ {
					ch := src[i]
					ok := ch >= 'a' && ch <= 'z' || ch >= '0' && ch <= '9' || strings.IndexByte("-.:*/", ch) >= 0 ||
						ch >= 'A' && ch <= 'Z' || strings.IndexByte("_~!$&()+=@%", ch) >= 0
					if ch == '_' || ch >= 'A' && ch <= 'Z' || strings.IndexByte("~!$&()+=@%", ch) >= 0 {
						ok = ok && strings.Contains(src, "/") && strings.Index(src, "/") < i // only in the path
					}
					require.True(t, ok, "source %q of %q holds %q", src, v, ch)
				}
			}
		}
	})
}

// Over plain HTTP the policy carries no report-to: Chromium takes no
// Reporting-Endpoints from an insecure page yet, seeing report-to, ignores
// report-uri, and would send no report at all. Behind a TLS terminator
// (X-Forwarded-Proto: https) it is the HTTPS form.
func TestCSPReportToOnlyOverHTTPS(t *testing.T) {
	m := newCSPMiddleware(t)
	h := htmlHandler(trackerPage)
	secure := get(m, h, "https://shop.example/").Header()
	plain := get(m, h, "http://shop.example/").Header()
	assert.True(t, strings.HasSuffix(secure.Get("Content-Security-Policy"), "; report-uri /consent/csp-report; report-to consentgate"))
	assert.NotEmpty(t, secure.Get("Reporting-Endpoints"))
	assert.True(t, strings.HasSuffix(plain.Get("Content-Security-Policy"), "; report-uri /consent/csp-report"), plain.Get("Content-Security-Policy"))
	assert.Empty(t, plain.Get("Reporting-Endpoints"))
	assert.Equal(t, strings.TrimSuffix(secure.Get("Content-Security-Policy"), "; report-to consentgate"), plain.Get("Content-Security-Policy"), "the same policy")

	req := httptest.NewRequest(http.MethodGet, "http://shop.example/", nil)
	req.Header.Set("X-Forwarded-Proto", "https")
	rec := httptest.NewRecorder()
	m.Handler(h).ServeHTTP(rec, req)
	assert.Equal(t, secure.Get("Content-Security-Policy"), rec.Header().Get("Content-Security-Policy"))
}
