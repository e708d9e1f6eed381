package htmlrewrite

import (
	"bytes"
	"errors"
	"github.com/consentgate/consent/middleware/internal/testpage"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// stripOpts: nothing granted, beacon rule on, no banner.
func stripOpts() Options {
	return Options{SiteHost: "www.example.com", Beacons: true}
}

type rwCase struct {
	name, in, want string
}

// Snippets as vendors publish them.
const (
	gtmSnippet       = testpage.GTM
	metaPixelSnippet = testpage.MetaPixel
	linkedInSnippet  = testpage.LinkedIn
	hotjarSnippet    = testpage.Hotjar
	tiktokSnippet    = testpage.TikTok
	claritySnippet   = testpage.Clarity
	gtagLoader       = testpage.GtagLoader
	appScript        = testpage.AppScript
	jsonLD           = `<script type="application/ld+json">
{"@context":"https://schema.org","sameAs":["https://www.facebook.com/tr","https://www.googletagmanager.com/"]}
</script>`
)

var stripCases = []rwCase{
	// <script src>
	{"script src", `<p>a</p>` + gtagLoader + `<p>b</p>`, `<p>a</p><p>b</p>`},
	{"script src upper case", `x<SCRIPT SRC="HTTPS://WWW.GOOGLETAGMANAGER.COM/gtm.js"></SCRIPT>y`, `xy`},
	{"script src unquoted", `x<script src=https://connect.facebook.net/en_US/fbevents.js async></script>y`, `xy`},
	{"script src single quoted", `x<script src='//snap.licdn.com/li.lms-analytics/insight.min.js'></script>y`, `xy`},
	{"script src scheme relative", `x<script src="//www.clarity.ms/tag/abc"></script>y`, `xy`},
	{"script src http", `x<script src="http://static.hotjar.com/c/hotjar-1.js"></script>y`, `xy`},
	{"script type module", `x<script type="module" src="https://analytics.tiktok.com/i18n/pixel/events.js"></script>y`, `xy`},
	{"script src content dropped", `x<script src="https://www.google-analytics.com/analytics.js">ga('create')</script>y`, `xy`},
	{"script src entity encoded", `x<script src="https:&#x2F;&#x2F;www.googletagmanager.com&sol;gtm.js"></script>y`, `xy`},
	{"script src tab in url", "x<script src=\"https://www.google\ttagmanager.com/gtm.js\"></script>y", `xy`},
	{"script src newline entity in url", `x<script src="https://www.google&NewLine;tag&#10;manager&Tab;.com/gtm.js"></script>y`, `xy`},
	{"script src percent-encoded host", `x<script src="https://www.googletagmanager%2Ecom/gtm.js"></script>y`, `xy`},
	{"script src end tag with spaces", `x<script src="https://www.googletagmanager.com/gtm.js"></script  >y`, `xy`},
	{"script src self-closing syntax", `x<script src="https://www.googletagmanager.com/gtm.js"/>y</script>z`, `xz`},
	{"script src first-party kept", `<script src="/static/js/app.js"></script>`, `<script src="/static/js/app.js"></script>`},
	{"script src lookalike kept", `<script src="https://www.notgoogletagmanager.com/gtm.js"></script>`, `<script src="https://www.notgoogletagmanager.com/gtm.js"></script>`},
	{"script src other scheme kept", `<script src="ftp://www.googletagmanager.com/gtm.js"></script>`, `<script src="ftp://www.googletagmanager.com/gtm.js"></script>`},
	{"script src json type kept", `<script type="text/x-template" src="https://www.googletagmanager.com/x"></script>`, `<script type="text/x-template" src="https://www.googletagmanager.com/x"></script>`},

	// Inline scripts.
	{"gtm snippet", "<head>" + gtmSnippet + "</head>", "<head></head>"},
	{"meta pixel snippet", "<head>\n" + metaPixelSnippet + "\n</head>", "<head>\n\n</head>"},
	{"linkedin snippet", linkedInSnippet + "x", "x"},
	{"hotjar snippet", hotjarSnippet + "x", "x"},
	{"tiktok snippet", tiktokSnippet + "x", "x"},
	{"clarity snippet", claritySnippet + "x", "x"},
	{"inline app script kept", appScript, appScript},
	{"json-ld kept", jsonLD, jsonLD},
	{"speculation rules naming a tracker removed", `<script type="speculationrules">{"prefetch":[{"source":"list","urls":["https://stats.g.doubleclick.net/p"]}]}</script>x`, `x`},
	{"speculation rules of the site kept", `<script type=" SpeculationRules ">{"prerender":[{"source":"list","urls":["/next"]}]}</script>`, `<script type=" SpeculationRules ">{"prerender":[{"source":"list","urls":["/next"]}]}</script>`},
	{"importmap kept", `<script type="importmap">{"imports":{"a":"https://www.googletagmanager.com/a.js"}}</script>`, `<script type="importmap">{"imports":{"a":"https://www.googletagmanager.com/a.js"}}</script>`},
	{"text/template kept", `<script type="text/template"><img src="https://www.facebook.com/tr"></script>`, `<script type="text/template"><img src="https://www.facebook.com/tr"></script>`},
	{"javascript type with params removed", `<script type=" Text/JavaScript; charset=utf-8 ">x("https://www.clarity.ms/")</script>y`, `y`},
	{"inline script naming a lookalike kept", `<script>u="https://xgoogle-analytics.com/"</script>`, `<script>u="https://xgoogle-analytics.com/"</script>`},
	{"inline script end tag in escaped comment", `<script><!--<script>x</script>"www.clarity.ms"--></script>y`, `y`},
	{"inline script tracker after fake end", `<script>a="</scriptx>www.clarity.ms"</script>y`, `y`},

	// Media.
	{"img", `<p><img src="https://www.facebook.com/tr?id=1&amp;ev=PageView" alt=""></p>`, `<p></p>`},
	{"img self-closing", `<p><img src="https://www.facebook.com/tr?id=1"/></p>`, `<p></p>`},
	{"img srcset", `<img src="/a.jpg" srcset="/a.jpg 1x, https://www.facebook.com/tr?id=1 2x">`, ``},
	{"img srcset descriptors with commas", `<img srcset="/a.jpg 100w, https://px.ads.linkedin.com/collect?a=1,2 200w">`, ``},
	{"img path pattern miss kept", `<img src="https://www.facebook.com/brand.png">`, `<img src="https://www.facebook.com/brand.png">`},
	{"iframe with content", `a<iframe src="https://www.youtube.com/embed/x"><p>fallback</p></iframe>b`, `ab`},
	{"iframe upper case end", `a<IFRAME SRC="//www.youtube-nocookie.com/embed/x"></IFRAME>b`, `ab`},
	{"embed", `a<embed src="https://www.youtube.com/v/x" type="application/x-shockwave-flash">b`, `ab`},
	{"object with content", `a<object data="https://www.youtube.com/v/x"><param name="movie" value="x"><p>no flash</p></object>b`, `ab`},
	{"nested object", `a<object data="https://www.youtube.com/v/x"><object data="/local.swf"></object><p>t</p></object>b`, `ab`},
	{"object kept", `<object data="/movie.swf"><param name=a></object>`, `<object data="/movie.swf"><param name=a></object>`},
	{"source in picture", `<picture><source srcset="https://www.facebook.com/tr?a 1x"><img src="/x.jpg"></picture>`, `<picture><img src="/x.jpg"></picture>`},
	{"source in video", `<video><source src="https://www.youtube.com/v.mp4" type="video/mp4"></video>`, `<video></video>`},

	// Undeclared beacons.
	{"beacon 1x1", `a<img src="https://pixel.adnetwork.example/p.gif" width="1" height="1">b`, `ab`},
	{"beacon 0x0 px", `a<img src="https://pixel.adnetwork.example/p.gif" width="0px" height=0>b`, `ab`},
	{"beacon display none", `a<img src="//pixel.adnetwork.example/p.gif" style="Display : None">b`, `ab`},
	{"beacon visibility hidden iframe", `a<iframe src="https://sync.adnetwork.example/" style="visibility:hidden"></iframe>b`, `ab`},
	{"beacon hidden attribute", `a<img hidden src="https://pixel.adnetwork.example/p.gif">b`, `ab`},
	{"first-party beacon kept", `<img src="https://cdn.example.com/p.gif" width=1 height=1>`, `<img src="https://cdn.example.com/p.gif" width=1 height=1>`},
	{"first-party apex beacon kept", `<img src="https://example.com/p.gif" hidden>`, `<img src="https://example.com/p.gif" hidden>`},
	{"relative beacon kept", `<img src="/p.gif" width=1 height=1>`, `<img src="/p.gif" width=1 height=1>`},
	{"big third-party image kept", `<img src="https://images.unsplash.example/x.jpg" width=1 height=100>`, `<img src="https://images.unsplash.example/x.jpg" width=1 height=100>`},

	// Link hints.
	{"preconnect", `<link rel="preconnect" href="https://www.googletagmanager.com">x`, `x`},
	{"dns-prefetch", `<link rel=dns-prefetch href=//connect.facebook.net>x`, `x`},
	{"preload", `<link rel="preload" as="script" href="https://www.googletagmanager.com/gtm.js">x`, `x`},
	{"prefetch among rels", `<link rel="foo PREFETCH" href="https://static.hotjar.com/c/x.js">x`, `x`},
	{"modulepreload", `<link rel="modulepreload" href="https://analytics.tiktok.com/x.js">x`, `x`},
	{"stylesheet kept", `<link rel="stylesheet" href="https://www.googletagmanager.com/x.css">`, `<link rel="stylesheet" href="https://www.googletagmanager.com/x.css">`},
	{"preconnect first party kept", `<link rel="preconnect" href="https://fonts.gstatic.com" crossorigin>`, `<link rel="preconnect" href="https://fonts.gstatic.com" crossorigin>`},

	// ping.
	{"ping attribute", `<a href="/x" ping="https://www.google-analytics.com/collect">l</a>`, `<a href="/x">l</a>`},
	{"ping among urls", `<a ping="/local https://www.google-analytics.com/collect" href="/x">l</a>`, `<a href="/x">l</a>`},
	{"ping area", `<map><area href="/x" ping='//snap.licdn.com/p'></map>`, `<map><area href="/x"></map>`},
	{"ping first party kept", `<a href="/x" ping="/track">l</a>`, `<a href="/x" ping="/track">l</a>`},

	// noscript.
	{"noscript emptied", `a<noscript><img height="1" width="1" style="display:none" src="https://www.facebook.com/tr?id=1&ev=PageView&noscript=1"/></noscript>b`, `ab`},
	{"noscript emptied with whitespace and comment", "a<noscript>\n <!-- pixel --> <iframe src=\"https://www.googletagmanager.com/ns.html?id=GTM-X\" height=\"0\" width=\"0\"></iframe>\n</noscript>b", `ab`},
	{"noscript with other content stays", `a<noscript><p>Enable JS</p><img src="https://www.facebook.com/tr?id=1"></noscript>b`, `a<noscript><p>Enable JS</p></noscript>b`},
	{"noscript with text stays", `a<noscript>Enable JS <img src="https://www.facebook.com/tr?id=1"></noscript>b`, `a<noscript>Enable JS </noscript>b`},
	{"noscript without removal stays", `a<noscript> </noscript>b`, `a<noscript> </noscript>b`},
	{"nested noscript", `a<noscript><noscript><img src="https://www.facebook.com/tr?id=1"></noscript></noscript>b`, `ab`},
	{"noscript upper case", `a<NOSCRIPT><IMG SRC="https://www.facebook.com/tr?id=1"></NOSCRIPT>b`, `ab`},

	// A removal after a literal '<' must not make a new tag.
	{"literal lt before removed img", `<<img src="https://www.facebook.com/tr?x">script>alert(1)</script>`, `<<!---->script>alert(1)</script>`},
	{"literal lt before removed script", `a<<script src="https://www.googletagmanager.com/gtm.js"></script>img src=x onerror=alert(1)>`, `a<<!---->img src=x onerror=alert(1)>`},
	{"literal lt before removed noscript", `<<noscript><img src="https://www.facebook.com/tr"></noscript>b>`, `<<!---->b>`},
	{"literal lt before removed link", `<<link rel=preconnect href="https://www.googletagmanager.com">script>alert(1)</script>`, `<<!---->script>alert(1)</script>`},
	{"literal lt before removed inline script", `<<script>"www.clarity.ms"</script>img src=x onerror=alert(1)>`, `<<!---->img src=x onerror=alert(1)>`},
	{"literal lt before removed object", `<<object data="https://www.youtube.com/v"><p>x</p></object>script>`, `<<!---->script>`},
	{"literal lt before removed iframe in noscript", `<noscript><<iframe src="https://www.youtube.com/v"></iframe>img src=x></noscript>`, `<noscript><<!---->img src=x></noscript>`},
	{"literal lt before kept img", `<<img src="/x.png">`, `<<img src="/x.png">`},
	{"space after lt needs nothing", `< <img src="https://www.facebook.com/tr">b`, `< b`},
}

func TestStrip(t *testing.T) {
	m := testMatcher(t)
	for _, tc := range stripCases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, rewrite(t, m, stripOpts(), tc.in))
		})
	}
}

// deferOpts: Defer mode, nothing granted, named categories.
func deferOpts() Options {
	o := stripOpts()
	o.Mode = Defer
	o.BeaconCategory = catMarketing
	o.CategoryNames = []string{"necessary", "analytics", "marketing"}
	return o
}

var deferCases = []rwCase{
	// Speculation rules cannot be switched on as a script: removed.
	{"speculation rules removed", `<script type="speculationrules">{"prefetch":[{"source":"list","urls":["https://stats.g.doubleclick.net/p"]}]}</script>x`, `x`},
	{"script src",
		`<script async src="https://www.googletagmanager.com/gtag/js?id=G-1"></script>`,
		`<script type="text/plain" data-consent-category="analytics" async data-consent-src="https://www.googletagmanager.com/gtag/js?id=G-1"></script>`},
	{"script src with type",
		`<script type="module" src="//connect.facebook.net/x.js"></script>`,
		`<script type="text/plain" data-consent-category="marketing" data-consent-type="module" data-consent-src="//connect.facebook.net/x.js"></script>`},
	{"inline script",
		`<script>fbq('init');s='https://connect.facebook.net/en_US/fbevents.js'</script>`,
		`<script type="text/plain" data-consent-category="marketing">fbq('init');s='https://connect.facebook.net/en_US/fbevents.js'</script>`},
	{"inline script with type",
		`<script type="text/javascript">a="www.clarity.ms"</script>`,
		`<script type="text/plain" data-consent-category="analytics" data-consent-type="text/javascript">a="www.clarity.ms"</script>`},
	{"img",
		`<img src="https://www.facebook.com/tr?id=1" alt="">`,
		`<img data-consent-category="marketing" data-consent-src="https://www.facebook.com/tr?id=1" alt="">`},
	{"img srcset",
		`<img src="/a.jpg" srcset="https://www.facebook.com/tr 2x">`,
		`<img data-consent-category="marketing" data-consent-src="/a.jpg" data-consent-srcset="https://www.facebook.com/tr 2x">`},
	{"iframe unnamed category",
		`<iframe src="https://www.youtube.com/embed/x"></iframe>`,
		`<iframe data-consent-category="3" data-consent-src="https://www.youtube.com/embed/x"></iframe>`},
	{"object",
		`<object data="https://www.youtube.com/v/x"></object>`,
		`<object data-consent-category="3" data-consent-data="https://www.youtube.com/v/x"></object>`},
	{"embed self-closing",
		`<embed src="https://www.youtube.com/v/x"/>`,
		`<embed data-consent-category="3" data-consent-src="https://www.youtube.com/v/x"/>`},
	{"beacon", `<img src="https://pixel.adnetwork.example/p.gif" width=1 height=1>`,
		`<img data-consent-category="marketing" data-consent-src="https://pixel.adnetwork.example/p.gif" width=1 height=1>`},
	{"link hint still removed", `<link rel=preconnect href="https://www.googletagmanager.com">x`, `x`},
	{"ping still removed", `<a ping="https://www.google-analytics.com/c" href=/>l</a>`, `<a href=/>l</a>`},
	{"noscript stays", `<noscript><img src="https://www.facebook.com/tr"></noscript>`,
		`<noscript><img data-consent-category="marketing" data-consent-src="https://www.facebook.com/tr"></noscript>`},
}

func TestDefer(t *testing.T) {
	m := testMatcher(t)
	for _, tc := range deferCases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, rewrite(t, m, deferOpts(), tc.in))
		})
	}
}

func TestDeferCategoryNameEscaped(t *testing.T) {
	o := deferOpts()
	o.CategoryNames = []string{"", "", `a"&<b>`}
	got := rewrite(t, testMatcher(t), o, `<img src="https://www.facebook.com/tr">`)
	assert.Equal(t, `<img data-consent-category="a&quot;&amp;&lt;b&gt;" data-consent-src="https://www.facebook.com/tr">`, got)
}

func TestGrantedPassesUntouched(t *testing.T) {
	m := testMatcher(t)
	for _, tc := range append(append([]rwCase(nil), stripCases...), deferCases...) {
		t.Run(tc.name, func(t *testing.T) {
			for _, mode := range []Mode{Strip, Defer} {
				o := Options{Granted: allGranted, Mode: mode, SiteHost: "www.example.com", Beacons: true, BeaconAllowed: true}
				var buf bytes.Buffer
				r := New(&buf, m, o)
				_, err := r.Write([]byte(tc.in))
				require.NoError(t, err)
				require.NoError(t, r.Close())
				assert.Equal(t, tc.in, buf.String())
				assert.False(t, r.Changed())
			}
		})
	}
}

func TestGrantedOneCategory(t *testing.T) {
	m := testMatcher(t)
	o := stripOpts()
	o.Granted = 1 << catAnalytics
	in := gtagLoader + gtmSnippet + `<img src="https://www.facebook.com/tr?id=1">` + hotjarSnippet + `<iframe src="https://www.youtube.com/embed/x"></iframe>`
	want := gtagLoader + gtmSnippet + hotjarSnippet
	assert.Equal(t, want, rewrite(t, m, o, in))
}

func TestMostSpecificDeclarationWins(t *testing.T) {
	m, err := NewMatcher([]Tracker{
		{Name: "Google", Hosts: []string{"google.com"}, Category: catMarketing},
		{Name: "reCAPTCHA", URLs: []string{"www.google.com/recaptcha/"}, Category: catNecessary},
	})
	require.NoError(t, err)
	o := stripOpts()
	o.Granted = 1 << catNecessary
	in := `<script src="https://www.google.com/recaptcha/api.js" async defer></script>` +
		`<script src="https://www.google.com/maps/api.js"></script>` +
		`<script>grecaptcha.ready(function(){x("https://www.google.com/recaptcha/api2")})</script>` +
		`<script>x("https://www.google.com/maps")</script>`
	want := `<script src="https://www.google.com/recaptcha/api.js" async defer></script>` +
		`<script>grecaptcha.ready(function(){x("https://www.google.com/recaptcha/api2")})</script>`
	assert.Equal(t, want, rewrite(t, m, o, in))
}

func TestBeaconOptions(t *testing.T) {
	m := testMatcher(t)
	in := `<img src="https://pixel.adnetwork.example/p.gif" width=1 height=1>`
	t.Run("allowed", func(t *testing.T) {
		o := stripOpts()
		o.BeaconAllowed = true
		assert.Equal(t, in, rewrite(t, m, o, in))
	})
	t.Run("off", func(t *testing.T) {
		o := stripOpts()
		o.Beacons = false
		assert.Equal(t, in, rewrite(t, m, o, in))
	})
	t.Run("no site host", func(t *testing.T) {
		o := stripOpts()
		o.SiteHost = ""
		assert.Equal(t, in, rewrite(t, m, o, in))
	})
	t.Run("site host without www", func(t *testing.T) {
		o := stripOpts()
		o.SiteHost = "adnetwork.example"
		assert.Equal(t, in, rewrite(t, m, o, in))
	})
	t.Run("declared tracker is not a beacon", func(t *testing.T) {
		o := stripOpts()
		o.Granted = 1 << catMarketing
		in := `<img src="https://www.facebook.com/tr?id=1" width=1 height=1>`
		assert.Equal(t, in, rewrite(t, m, o, in))
	})
}

var banner = `<div id="cg">banner</div>`

func injectOpts() Options {
	o := stripOpts()
	o.Inject = []byte(banner)
	return o
}

var injectCases = []rwCase{
	{"after body", `<html><head></head><body class="x"><p>hi</p></body></html>`, `<html><head></head><body class="x">` + banner + `<p>hi</p></body></html>`},
	{"upper case body", `<BODY>x`, `<BODY>` + banner + `x`},
	{"body with > in attribute", `<body data-x="a>b">x`, `<body data-x="a>b">` + banner + `x`},
	{"only the first body", `<body><body>x`, `<body>` + banner + `<body>x`},
	{"no body", `<html><head></head><p>x</p></html>`, `<html><head></head><p>x</p></html>`},
	{"body end tag only", `<p>x</p></body>`, `<p>x</p></body>`},
	{"not in a comment", `<!-- <body> --><body>x`, `<!-- <body> --><body>` + banner + `x`},
	{"not in a script", `<script>document.write("<body>")</script><body>x`, `<script>document.write("<body>")</script><body>` + banner + `x`},
	{"not in an attribute", `<div title="<body>"></div><body>`, `<div title="<body>"></div><body>` + banner},
	{"not in a template", `<template><body></template><body>`, `<template><body></template><body>` + banner},
	{"not in a noscript", `<noscript><body></noscript><body>`, `<noscript><body></noscript><body>` + banner},
	{"not in a textarea", `<textarea><body></textarea><body>`, `<textarea><body></textarea><body>` + banner},
	{"not in a title", `<title><body></title><body>`, `<title><body></title><body>` + banner},
	{"not in a style", `<style>/*<body>*/</style><body>`, `<style>/*<body>*/</style><body>` + banner},
	{"not in a removed object", `<object data="https://www.youtube.com/v"><body></object><body>`, `<body>` + banner},
	{"not in a removed iframe", `<iframe src="https://www.youtube.com/x"><body></iframe><body>`, `<body>` + banner},
	{"bodyx is not body", `<bodyx><body>`, `<bodyx><body>` + banner},
	{"body end tag is not body", `</body><body>`, `</body><body>` + banner},
}

func TestInject(t *testing.T) {
	m := testMatcher(t)
	for _, tc := range injectCases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, rewrite(t, m, injectOpts(), tc.in))
		})
	}
}

func TestInjectNil(t *testing.T) {
	m := testMatcher(t)
	in := `<body>x`
	var buf bytes.Buffer
	r := New(&buf, m, stripOpts())
	_, err := r.Write([]byte(in))
	require.NoError(t, err)
	require.NoError(t, r.Close())
	assert.Equal(t, in, buf.String())
	assert.False(t, r.Changed())

	o := stripOpts()
	o.Inject = []byte{}
	assert.Equal(t, in, rewrite(t, m, o, in), "empty Inject")
}

func TestChanged(t *testing.T) {
	m := testMatcher(t)
	for _, tc := range []struct {
		name string
		o    Options
		in   string
		want bool
	}{
		{"nothing to do", injectOpts(), `<p>x</p>`, false},
		{"inject", injectOpts(), `<body>`, true},
		{"removal", stripOpts(), `<img src="https://www.facebook.com/tr">`, true},
		{"defer", deferOpts(), `<img src="https://www.facebook.com/tr">`, true},
		{"ping", stripOpts(), `<a ping="//www.google-analytics.com/c">`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			r := New(&buf, m, tc.o)
			_, err := r.Write([]byte(tc.in))
			require.NoError(t, err)
			require.NoError(t, r.Close())
			assert.Equal(t, tc.want, r.Changed())
		})
	}
}

func TestOnRemove(t *testing.T) {
	m := testMatcher(t)
	type rep struct {
		Kind, Host, Tracker string
		Deferred            bool
	}
	run := func(o Options, in string) []rep {
		var got []rep
		o.OnRemove = func(rm Removal) {
			name := "<nil>"
			if rm.Tracker != nil {
				name = rm.Tracker.Name
			}
			got = append(got, rep{rm.Kind, rm.Host, name, rm.Deferred})
		}
		rewrite(t, m, o, in)
		return got
	}
	in := gtagLoader + metaPixelSnippet +
		`<img src="https://WWW.Facebook.com/tr?id=1"><iframe src="//www.youtube.com/embed/x"></iframe>` +
		`<embed src="https://www.youtube.com/v"><object data="https://www.youtube.com/v"></object>` +
		`<picture><source srcset="https://px.ads.linkedin.com/c 1x"></picture>` +
		`<link rel=preconnect href="https://static.hotjar.com">` +
		`<a ping="https://www.google-analytics.com/collect">l</a>` +
		`<img src="https://pixel.adnetwork.example/p" width=1 height=1>` +
		`<img src="/kept.png">`
	want := []rep{
		{"script", "www.googletagmanager.com", "Google Tag Manager", false},
		{"script", "connect.facebook.net", "Meta Pixel", false},
		{"img", "WWW.Facebook.com", "Meta Pixel", false},
		{"iframe", "www.youtube.com", "YouTube", false},
		{"embed", "www.youtube.com", "YouTube", false},
		{"object", "www.youtube.com", "YouTube", false},
		{"source", "px.ads.linkedin.com", "LinkedIn Insight", false},
		{"link", "static.hotjar.com", "Hotjar", false},
		{"ping", "www.google-analytics.com", "Google Analytics", false},
		{"img", "pixel.adnetwork.example", "<nil>", false},
	}
	assert.Equal(t, want, run(stripOpts(), in))

	for i := range want {
		if want[i].Kind != "link" && want[i].Kind != "ping" {
			want[i].Deferred = true
		}
	}
	assert.Equal(t, want, run(deferOpts(), in))
}

func TestFlushWritesDecidedBytes(t *testing.T) {
	m := testMatcher(t)
	var buf bytes.Buffer
	r := New(&buf, m, injectOpts())
	write := func(s string) {
		t.Helper()
		n, err := r.Write([]byte(s))
		require.NoError(t, err)
		require.Equal(t, len(s), n)
		require.NoError(t, r.Flush())
	}
	write(`<p>hello</p>`)
	assert.Equal(t, `<p>hello</p>`, buf.String())
	write(`<body>`)
	assert.Equal(t, `<p>hello</p><body>`+banner, buf.String())
	write(`<p>a</p><script>var x = 1;`)
	assert.Equal(t, `<p>hello</p><body>`+banner+`<p>a</p>`, buf.String(), "an open inline script is held")
	write(`</script><img src="/a.png`)
	assert.Equal(t, `<p>hello</p><body>`+banner+`<p>a</p><script>var x = 1;</script>`, buf.String(), "an open tag is held")
	write(`">`)
	assert.Equal(t, `<p>hello</p><body>`+banner+`<p>a</p><script>var x = 1;</script><img src="/a.png">`, buf.String())
	write(`<noscript><p>x`)
	assert.Equal(t, `<p>hello</p><body>`+banner+`<p>a</p><script>var x = 1;</script><img src="/a.png">`, buf.String(), "a noscript is held")
	write(`</noscript>tail`)
	require.NoError(t, r.Close())
	assert.Equal(t, `<p>hello</p><body>`+banner+`<p>a</p><script>var x = 1;</script><img src="/a.png"><noscript><p>x</noscript>tail`, buf.String())
}

func TestWriteAfterClose(t *testing.T) {
	var buf bytes.Buffer
	r := New(&buf, testMatcher(t), stripOpts())
	require.NoError(t, r.Close())
	n, err := r.Write([]byte("x"))
	assert.Equal(t, 0, n)
	assert.ErrorIs(t, err, ErrClosed)
	assert.NoError(t, r.Close(), "a second Close")
}

type failWriter struct{ err error }

func (w failWriter) Write([]byte) (int, error) { return 0, w.err }

type shortWriter struct{}

func (shortWriter) Write(p []byte) (int, error) { return len(p) / 2, nil }

func TestWriteError(t *testing.T) {
	boom := errors.New("boom")
	r := New(failWriter{boom}, testMatcher(t), stripOpts())
	_, err := r.Write([]byte("<p>x</p>"))
	require.ErrorIs(t, err, boom)
	_, err = r.Write([]byte("<p>y</p>"))
	assert.ErrorIs(t, err, boom, "the error sticks")
	assert.ErrorIs(t, r.Flush(), boom)
	assert.ErrorIs(t, r.Close(), boom)

	r = New(shortWriter{}, testMatcher(t), stripOpts())
	_, err = r.Write([]byte("<p>x</p>"))
	assert.ErrorIs(t, err, io.ErrShortWrite)
}

func TestNilMatcher(t *testing.T) {
	in := `<body><script src="https://www.googletagmanager.com/gtm.js"></script>` + gtmSnippet
	assert.Equal(t, in, rewrite(t, nil, Options{}, in))
	o := Options{Inject: []byte("B")}
	assert.Equal(t, strings.Replace(in, "<body>", "<body>B", 1), rewrite(t, nil, o, in))
}

func TestResetReuse(t *testing.T) {
	m := testMatcher(t)
	docs := []struct {
		in string
		o  Options
	}{
		{string(page(60_000)), injectOpts()},
		{`<p>unterminated <script>var a = "www.clarity.ms`, stripOpts()},
		{`<noscript><img src="https://www.facebook.com/tr">`, deferOpts()},
		{`<svg><![CDATA[`, stripOpts()},
		{pageHead + pageTail, deferOpts()},
		{`<body><p>x`, injectOpts()},
		{`<object data="https://www.youtube.com/v"><p>` + strings.Repeat("x", 70<<10), stripOpts()},
		{`<plaintext><body>`, injectOpts()},
		{string(page(60_000)), injectOpts()},
	}
	var pooled Rewriter
	for i, d := range docs {
		want := rewrite(t, m, d.o, d.in)
		var buf bytes.Buffer
		pooled.Reset(&buf, m, d.o)
		writeChunks(&pooled, []byte(d.in))
		require.NoError(t, pooled.Close())
		assert.Equal(t, want, buf.String(), "document %d", i)
	}
}

// OnTag lists what a page makes the browser contact on other hosts: what
// was removed, and granted trackers and undeclared third parties that were
// kept; not the site's own files.
func TestOnTag(t *testing.T) {
	m := testMatcher(t)
	type seen struct {
		Kind, Host, Tracker string
		Removed             bool
	}
	in := `<script src="https://www.googletagmanager.com/gtag/js?id=G-1"></script>` +
		`<script src="https://cdn.jsdelivr.net/npm/x.js"></script>` +
		`<script src="/app.js"></script><script src="https://static.shop.example/app.js"></script>` +
		`<img src="https://images.cdn.example/a.png" alt=""><img src="https://www.facebook.com/tr?id=1">` +
		`<iframe src="https://www.youtube.com/embed/x"></iframe>` + metaPixelSnippet +
		`<link rel=preconnect href="https://fonts.gstatic.com"><link rel=stylesheet href="https://fonts.googleapis.com/css">`
	o := stripOpts()
	o.Granted = 1<<catNecessary | 1<<catAnalytics
	o.SiteHost = "www.shop.example"
	var got []seen
	o.OnTag = func(e TagEvent) {
		name := ""
		if e.Tracker != nil {
			name = e.Tracker.Name
		}
		got = append(got, seen{e.Kind, string(e.Host), name, e.Removed})
	}
	out := rewrite(t, m, o, in)
	assert.NotContains(t, out, "facebook.com/tr")
	assert.NotContains(t, out, "youtube.com")
	assert.Equal(t, []seen{
		{"script", "www.googletagmanager.com", "Google Tag Manager", false},
		{"script", "cdn.jsdelivr.net", "", false},
		{"img", "images.cdn.example", "", false},
		{"img", "www.facebook.com", "Meta Pixel", true},
		{"iframe", "www.youtube.com", "YouTube", true},
		{"script", "connect.facebook.net", "Meta Pixel", true},
		{"link", "fonts.gstatic.com", "", false},
	}, got)
}
