package consenttest_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/consentgate/consent"
	"github.com/consentgate/consent/consenttest"
	"github.com/consentgate/consent/middleware"
	"github.com/consentgate/consent/store"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var keys = []store.KeyPair{{Hash: []byte(strings.Repeat("h", 32)), Block: []byte(strings.Repeat("b", 32))}}

// page is a shop page with Tag Manager's published snippet, a Meta Pixel
// noscript pixel, an undeclared 1×1 beacon and a server-side _ga cookie.
var page = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: "session", Value: "s1", Path: "/"})
	http.SetCookie(w, &http.Cookie{Name: "_ga", Value: "GA1.1.1", Path: "/", MaxAge: 63072000})
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = io.WriteString(w, `<!doctype html><html><head>
<script>(function(w,d,s,l,i){w[l]=w[l]||[];w[l].push({'gtm.start':
new Date().getTime(),event:'gtm.js'});var f=d.getElementsByTagName(s)[0],
j=d.createElement(s),dl=l!='dataLayer'?'&l='+l:'';j.async=true;j.src=
'https://www.googletagmanager.com/gtm.js?id='+i+dl;f.parentNode.insertBefore(j,f);
})(window,document,'script','dataLayer','GTM-XXXX');</script>
</head><body><h1>Shop</h1>
<noscript><img height="1" width="1" style="display:none" src="https://www.facebook.com/tr?id=1&ev=PageView&noscript=1"/></noscript>
<img src="https://px.example-ads.net/p.gif" width="1" height="1" alt="">
</body></html>`)
})

func newMiddleware(t testing.TB) *middleware.Middleware {
	p := consent.DefaultPolicy()
	p.Cookies = append(p.Cookies, consent.Cookie{Name: "session", Category: consent.Essential})
	mw, err := middleware.New(p, middleware.Keys(keys...), middleware.Logger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	require.NoError(t, err)
	return mw
}

func TestCheckFindsWhatThePageHolds(t *testing.T) {
	mw := newMiddleware(t)
	tests := []struct {
		name    string
		handler http.Handler
		visitor consenttest.Visitor
		want    []string // kinds and names found
	}{
		// An inline loader is named by the declared host found in its text.
		{"bare page, undecided", page, consenttest.Undecided,
			[]string{"set-cookie _ga", "script googletagmanager.com", "img www.facebook.com", "img px.example-ads.net"}},
		{"bare page, analytics granted", page, consenttest.Granting(consent.Analytics),
			[]string{"script googletagmanager.com", "img www.facebook.com", "img px.example-ads.net"}},
		{"bare page, accept-all", page, consenttest.AcceptAll, nil},
		{"through the middleware, undecided", mw.Handler(page), consenttest.Undecided, nil},
		{"through the middleware, reject-all", mw.Handler(page), consenttest.RejectAll, nil},
		{"through the middleware, tracking granted", mw.Handler(page), consenttest.Granting(consent.Tracking), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			findings, err := consenttest.Check(mw, tt.handler, tt.visitor, "/shop")
			require.NoError(t, err)
			var got []string
			for _, f := range findings {
				assert.Equal(t, "/shop", f.Path)
				got = append(got, f.Kind+" "+f.Name)
			}
			assert.ElementsMatch(t, tt.want, got)
		})
	}
}

func TestCookieIsTheMiddlewaresOwn(t *testing.T) {
	mw := newMiddleware(t)
	for _, v := range []consenttest.Visitor{consenttest.RejectAll, consenttest.AcceptAll, consenttest.Granting(consent.Analytics, consent.Partner)} {
		t.Run(v.String(), func(t *testing.T) {
			req, err := consenttest.NewRequest(mw, v, "/")
			require.NoError(t, err)
			var seen *consent.Consent
			mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				seen = consent.FromContext(r.Context())
			})).ServeHTTP(discard{}, req)
			require.NotNil(t, seen)
			assert.True(t, seen.Decided(), "the middleware reads the cookie as a decision")
			assert.Equal(t, v.Consent(mw.Policy()).Granted, seen.Granted)
		})
	}
	c, err := consenttest.Cookie(mw, consenttest.Undecided)
	assert.NoError(t, err)
	assert.Nil(t, c)
	_, err = consenttest.Cookie(mw, consenttest.Granting("no-such-category"))
	assert.ErrorContains(t, err, `the policy has no category "no-such-category"`)
}

// recorder is a testing.TB that keeps its errors.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, a ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, a...))
}

func TestAssertionsReportEachKind(t *testing.T) {
	mw := newMiddleware(t)
	for _, tt := range []struct {
		name   string
		assert func(testing.TB, *middleware.Middleware, http.Handler, consenttest.Visitor, ...string) bool
		want   string
	}{
		{"trackers", consenttest.AssertNoTrackers, "2 tracker tags for a visitor undecided:\n\t/shop: script googletagmanager.com (Google Tag Manager, tracking)"},
		{"beacons", consenttest.AssertNoUndeclaredBeacons, "1 undeclared beacons for a visitor undecided:\n\t/shop: img px.example-ads.net (undeclared beacon)"},
		{"cookies", consenttest.AssertNoNonEssentialCookies, "1 cookies for a visitor undecided:\n\t/shop: set-cookie _ga (Google Analytics, analytics)"},
		{"all", consenttest.AssertClean, "4 findings for a visitor undecided"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := &recorder{TB: t}
			assert.False(t, tt.assert(r, mw, page, consenttest.Undecided, "/shop"))
			require.Len(t, r.errs, 1)
			assert.Contains(t, r.errs[0], tt.want)
			r = &recorder{TB: t}
			assert.True(t, tt.assert(r, mw, mw.Handler(page), consenttest.Undecided, "/shop"))
			assert.Empty(t, r.errs)
		})
	}
}

type discard struct{}

func (discard) Header() http.Header         { return http.Header{} }
func (discard) Write(p []byte) (int, error) { return len(p), nil }
func (discard) WriteHeader(int)             {}

// Check a handler as a refusing visitor sees it, before and behind the
// middleware.
func ExampleCheck() {
	p := consent.DefaultPolicy()
	mw, err := middleware.New(p, middleware.Keys(keys...), middleware.Logger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		panic(err)
	}
	shop := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, `<body><script async src="https://www.googletagmanager.com/gtag/js?id=G-XXXX"></script></body>`)
	})
	for _, h := range []http.Handler{shop, mw.Handler(shop)} {
		findings, _ := consenttest.Check(mw, h, consenttest.RejectAll, "/")
		fmt.Println(len(findings), findings)
	}
	// Output:
	// 1 [/: script www.googletagmanager.com (Google Analytics, analytics)]
	// 0 []
}
