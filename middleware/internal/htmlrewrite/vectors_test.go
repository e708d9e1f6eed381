package htmlrewrite

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// fetchVectors: one row per way a page makes the browser contact a
// tracker (issue 15), each with a page that uses it. For an undecided
// visitor (Strip mode, nothing granted) the output is want; for a visitor
// who granted every category the page passes unchanged.
var fetchVectors = []rwCase{
	// Attributes of the HTML standard that fetch.
	{"img src", `<img src="https://www.facebook.com/tr?id=1">`, ``},
	{"img srcset only", `<img srcset="https://www.facebook.com/tr?id=1 1x">`, ``},
	{"picture source beacon", `<picture><source srcset="https://www.facebook.com/tr?id=1"><img src="/a.png"></picture>`, `<picture><img src="/a.png"></picture>`},
	{"image parsed as img", `<image src="https://www.facebook.com/tr?id=1">`, ``},
	{"link imagesrcset", `<link rel=preload as=image href="/a.png" imagesrcset="https://www.facebook.com/tr?id=1 1x">x`, `x`},
	{"link stylesheet", `<link rel=stylesheet href="https://static.hotjar.com/x.css">x`, `x`},
	{"link icon", `<link rel="shortcut icon" href="https://static.hotjar.com/favicon.ico">x`, `x`},
	{"link manifest", `<link rel=manifest href="https://static.hotjar.com/m.json">x`, `x`},
	{"link preload", `<link rel=preload as=script href="https://www.googletagmanager.com/gtm.js">x`, `x`},
	{"link modulepreload", `<link rel=modulepreload href="https://analytics.tiktok.com/x.js">x`, `x`},
	{"link prefetch", `<link rel=prefetch href="https://static.hotjar.com/x.js">x`, `x`},
	{"link preconnect", `<link rel=preconnect href="https://www.googletagmanager.com">x`, `x`},
	{"link dns-prefetch", `<link rel=dns-prefetch href="//connect.facebook.net">x`, `x`},
	{"link rel decoded", `<link rel="pre&#99;onnect" href="https://www.googletagmanager.com">x`, `x`},
	{"link rel among tokens, upper case", "<link rel=\"alternate\tSTYLESHEET\" href=\"https://static.hotjar.com/x.css\">x", `x`},
	{"video poster", `<video poster="https://www.youtube.com/vi/x.jpg" controls></video>`, `<video controls></video>`},
	{"video src", `<video src="https://www.youtube.com/v.mp4"></video>`, `<video></video>`},
	{"video source", `<video><source src="https://www.youtube.com/v.mp4" type="video/mp4"></video>`, `<video></video>`},
	{"audio src", `<audio src="https://www.youtube.com/a.mp3" controls></audio>`, `<audio controls></audio>`},
	{"audio source", `<audio><source src="https://www.youtube.com/a.mp3"></audio>`, `<audio></audio>`},
	{"track src", `<video src="/v.mp4"><track kind=captions src="https://www.youtube.com/c.vtt"></video>`, `<video src="/v.mp4"></video>`},
	{"object data", `<object data="https://www.youtube.com/v/x"><p>x</p></object>y`, `y`},
	{"embed src", `<embed src="https://www.youtube.com/v/x">y`, `y`},
	{"iframe src", `<iframe src="https://www.youtube.com/embed/x"></iframe>y`, `y`},
	{"frame src", `<frameset><frame src="https://www.youtube.com/embed/x"></frameset>`, `<frameset></frameset>`},
	{"body background", `<body background="https://www.facebook.com/tr?id=1"><p>x`, `<body><p>x`},
	{"table background", `<table background="https://www.facebook.com/tr?id=1"><tr><td>x</td></tr></table>`, `<table><tr><td>x</td></tr></table>`},
	{"td background", `<table><tr><td background="https://www.facebook.com/tr?id=1">x</td><th BACKGROUND=//www.facebook.com/tr>y</th></tr></table>`, `<table><tr><td>x</td><th>y</th></tr></table>`},
	{"a ping", `<a href="/x" ping="https://www.google-analytics.com/collect">x</a>`, `<a href="/x">x</a>`},
	{"area ping", `<map><area href="/x" ping="/p https://www.google-analytics.com/collect"></map>`, `<map><area href="/x"></map>`},
	{"input type=image", `<form><input type="image" src="https://www.facebook.com/tr?id=1" alt="Go"></form>`, `<form><input type="image" alt="Go"></form>`},
	{"input type=image decoded", `<form><input type="&#105;mage" src="https://www.facebook.com/tr?id=1"></form>`, `<form><input type="&#105;mage"></form>`},
	{"input other type keeps src, loses handler", `<input type="text" src="https://www.facebook.com/tr" onfocus="load('https://www.clarity.ms/tag')">`, `<input type="text" src="https://www.facebook.com/tr">`},
	{"svg image href", `<svg><image href="https://www.facebook.com/tr?id=1" width="1"/></svg>`, `<svg><image width="1"/></svg>`},
	{"svg image xlink:href", `<svg><image xlink:href="https://www.facebook.com/tr?id=1"></image></svg>`, `<svg><image></image></svg>`},
	{"svg feImage", `<svg><filter><feImage href="https://www.facebook.com/tr?id=1"/></filter></svg>`, `<svg><filter><feImage/></filter></svg>`},
	{"svg use", `<svg><use href="https://www.googletagmanager.com/s.svg#i"/></svg>`, `<svg><use/></svg>`},
	{"svg script href", `<svg><script href="https://www.googletagmanager.com/gtm.js"></script></svg>`, `<svg><script></script></svg>`},
	{"base on a tracker host", `<base href="https://www.googletagmanager.com/"><script src="gtm.js"></script>`, `<script src="gtm.js"></script>`},
	{"relative URL after base", `<base href="https://www.facebook.com/"><img src="tr?id=1"><img src="/tr?id=2"><p>x`, `<base href="https://www.facebook.com/"><p>x`},
	{"meta refresh", `<meta http-equiv="Refresh" content="0; URL='https://www.facebook.com/tr?id=1'">x`, `x`},
	{"meta refresh decoded", `<meta http-equiv="re&#102;resh" content="5;url=https://www.facebook.com/tr">x`, `x`},

	// CSS: the declaration or rule goes, the rest of the style stays.
	{"style attribute url()", `<div style="color:red;background:url(https://www.facebook.com/tr?id=1)">x</div>`, `<div style="color:red;">x</div>`},
	{"style attribute image-set()", `<div style="background-image:image-set(&quot;https://www.facebook.com/tr?id=1&quot; 1x);color:red">x</div>`, `<div style="color:red">x</div>`},
	{"style attribute CSS escapes", `<p style='background:url("https://www\2e facebook.com/tr")'>x</p>`, `<p style="">x</p>`},
	{"style attribute on an img", `<img src="/a.png" style="background:URL( //www.facebook.com/tr )">`, `<img src="/a.png" style="">`},
	{"style element url()", `<style>.a{color:red}.b{background:url("https://www.facebook.com/tr?id=1");color:blue}</style>`, `<style>.a{color:red}.b{color:blue}</style>`},
	{"style element @import url()", `<style>@import url(https://static.hotjar.com/x.css);.a{color:red}</style>`, `<style>.a{color:red}</style>`},
	{"style element @import string", `<style>@import "//static.hotjar.com/x.css" screen;</style>`, `<style></style>`},
	{"style element font-face", `<style>@font-face{font-family:x;src:url(//static.hotjar.com/f.woff2) format("woff2")}</style>`, `<style>@font-face{font-family:x;}</style>`},
	{"style element image-set in media", `<style>@media (min-width:1px){.h{background:-webkit-image-set("https://www.facebook.com/tr" 1x)}}</style>`, `<style>@media (min-width:1px){.h{}}</style>`},
	{"style element comment inside url", `<style>.h{background:url(https://www.face/**/book.com/tr)}</style>`, `<style>.h{background:url(https://www.face/**/book.com/tr)}</style>`},

	// data: URLs judged on their content; srcdoc rewritten as markup.
	{"data: iframe base64", `<iframe src="data:text/html;base64,PHNjcmlwdCBzcmM9Imh0dHBzOi8vd3d3Lmdvb2dsZXRhZ21hbmFnZXIuY29tL2d0bS5qcyI+PC9zY3JpcHQ+"></iframe>y`, `y`},
	{"data: iframe percent-encoded", `<iframe src="data:text/html,%3Cscript%20src%3D%22https%3A%2F%2Fwww.googletagmanager.com%2Fgtm.js%22%3E%3C%2Fscript%3E"></iframe>y`, `y`},
	{"data: object", `<object data="data:text/html,&lt;img src=https://www.facebook.com/tr&gt;"></object>y`, `y`},
	{"data: embed", `<embed src="data:image/svg+xml,<svg><image href='https://www.facebook.com/tr'/></svg>">y`, `y`},
	{"data: script", `<script src="data:text/javascript;base64,aW1wb3J0KCJodHRwczovL3d3dy5jbGFyaXR5Lm1zL3RhZy94Iik="></script>y`, `y`},
	{"data: stylesheet", `<link rel=stylesheet href="data:text/css,@import url(https://static.hotjar.com/x.css);">y`, `y`},
	{"data: image kept", `<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" alt="">`, `<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" alt="">`},
	{"srcdoc", `<iframe srcdoc="&lt;p&gt;hi&lt;/p&gt;&lt;script src=&quot;https://www.googletagmanager.com/gtm.js&quot;&gt;&lt;/script&gt;"></iframe>`, `<iframe srcdoc="&lt;p&gt;hi&lt;/p&gt;"></iframe>`},
	{"srcdoc kept", `<iframe srcdoc="&lt;p&gt;hi&lt;/p&gt;"></iframe>`, `<iframe srcdoc="&lt;p&gt;hi&lt;/p&gt;"></iframe>`},

	// Undeclared beacons, however their size or hiding is spelled.
	{"beacon width 1.0", `<img src="https://pixel.adnetwork.example/p.gif" width="1.0" height="1.0">x`, `x`},
	{"beacon width &#49;", `<img src="https://pixel.adnetwork.example/p.gif" width="&#49;" height="&#48;">x`, `x`},
	{"beacon sized by CSS", `<img src="https://pixel.adnetwork.example/p.gif" style="width: 1px; height:1PX !important">x`, `x`},
	{"beacon off screen", `<img src="https://pixel.adnetwork.example/p.gif" style="position:absolute;left:-9999px">x`, `x`},
	{"beacon opacity 0", `<img src="https://pixel.adnetwork.example/p.gif" style="opacity:0">x`, `x`},
	{"beacon visibility hidden", `<iframe src="https://sync.adnetwork.example/s" style="visibility: hidden"></iframe>x`, `x`},
	{"beacon display none decoded", `<img src="https://pixel.adnetwork.example/p.gif" style="display&colon;none">x`, `x`},
	{"beacon srcset only", `<img srcset="https://pixel.adnetwork.example/p.gif 1x" width=1 height=1>x`, `x`},
	{"beacon picture source", `<picture><source srcset="https://pixel.adnetwork.example/p.gif" width="1" height="1"><img src="/p.gif"></picture>`, `<picture><img src="/p.gif"></picture>`},

	// Lazy loaders.
	{"lazysizes data-src", `<img class="lazyload" data-src="https://www.facebook.com/tr?id=1" alt="">`, ``},
	{"lazysizes data-srcset", `<img class="lazyload" data-srcset="https://www.facebook.com/tr?id=1 1x">`, ``},
	{"wp rocket data-lazy-src", `<iframe data-lazy-src="https://www.youtube.com/embed/x"></iframe>y`, `y`},
	{"data-original", `<img data-original="https://www.facebook.com/tr?id=1">`, ``},
	{"data-bg on a div", `<div class="lazyload" data-bg="https://www.facebook.com/tr?id=1">x</div>`, `<div class="lazyload">x</div>`},
	{"data-background on a section", `<section data-background="//www.facebook.com/tr">x</section>`, `<section>x</section>`},

	// Decode, then split and compare.
	{"reference in host", `<img src="https://www.facebook&period;com/tr">`, ``},
	{"srcset split after decoding", `<img srcset="/a.png 1x&#44;https://www.facebook.com/tr?id=1 2x">`, ``},
	{"ping split after decoding", `<a href=/ ping="/p&#32;https://www.google-analytics.com/collect">x</a>`, `<a href=/>x</a>`},
	{"upper case and trailing dot", `<img src="HTTPS://WWW.FACEBOOK.COM./tr">`, ``},
	{"fullwidth dot", `<img src="https://www.facebook．com/tr">`, ``},
	{"soft hyphen", `<img src="https://www.face&shy;book.com/tr">`, ``},
	{"percent-encoded host", `<img src="https://www.facebook%2ecom/tr">`, ``},
	{"dot segments", `<img src="https://www.facebook.com/x/../tr">`, ``},
	{"encoded dot segment", `<img src="https://www.facebook.com/%2e/tr">`, ``},
	{"backslashes", `<img src="https:\\www.facebook.com\tr">`, ``},
	{"userinfo and port", `<img src="https://u:p@www.facebook.com:443/tr">`, ``},

	// Script text read as JavaScript strings.
	{"inline \\x escapes", `<script>load("https://www\x2egoogletagmanager\x2ecom/gtm.js")</script>y`, `y`},
	{"inline \\u escapes", `<script>load("https://www\u002egoogletagmanager\u002Ecom/gtm.js")</script>y`, `y`},
	{"inline \\u{} escapes", `<script>load("https://www\u{2e}googletagmanager\u{2E}com/gtm.js")</script>y`, `y`},
	{"inline escaped slashes and dots", `<script>load("https:\/\/www\.clarity\.ms\/tag")</script>y`, `y`},
	{"inline percent escapes", `<script>load(decodeURIComponent("https%3A%2F%2Fwww%2Eclarity%2Ems%2Ftag"))</script>y`, `y`},
	{"onload handler", `<img src="/a.png" onload="var s=document.createElement('script');s.src='https://www.clarity.ms/tag/x';document.head.append(s)">`, `<img src="/a.png">`},
	{"onclick handler escaped", `<div onclick="load('//www\x2eclarity\x2ems/tag')">x</div>`, `<div>x</div>`},
	{"onerror handler with references", `<img src=x onerror="s.src='https:&#x2F;&#x2F;www.clarity.ms/tag'">`, `<img src=x>`},
	{"body onload", `<body onload="load('https://www.clarity.ms/tag')"><p>x`, `<body><p>x`},
	{"svg inline script", `<svg><script>var s=document.createElement("script");s.src="https://www.clarity.ms/tag"</script><g></g></svg>`, `<svg><g></g></svg>`},
	{"svg inline script CDATA and references", `<svg><script><![CDATA[load("https://www\x2eclarity.ms/tag")]]></script></svg>x`, `<svg></svg>x`},
	{"svg inline script with references", `<svg><script>load("https://www&#46;clarity.ms/tag")</script></svg>`, `<svg></svg>`},
	{"svg inline script kept", `<svg><script>var x = 1</script><circle r="1"/></svg>`, `<svg><script>var x = 1</script><circle r="1"/></svg>`},
	{"svg script closed by the svg end", `<svg><script>load("https://www.clarity.ms/tag")</svg><p>x</p>`, `<svg><script>load("https://www.clarity.ms/tag")</svg><p>x</p>`},
	{"svg onload", `<svg onload="load('https://www.clarity.ms/tag')"></svg>`, `<svg></svg>`},
	{"script type decoded", `<script type="text/&#106;avascript">load("https://www.clarity.ms/tag")</script>y`, `y`},
	{"importmap", `<script type="importmap">{"imports":{"gtm":"https:\/\/www.googletagmanager.com\/gtm.js"}}</script>y`, `y`},
	{"speculationrules prefetch", `<script type="speculationrules">{"prefetch":[{"source":"list","urls":["https://www.googletagmanager.com/gtm.js"]}]}</script>y`, `y`},
	{"speculationrules escaped", `<script type="speculationrules">{"prerender":[{"urls":["https://www\u002egoogletagmanager.com/x"]}]}</script>y`, `y`},
	{"javascript: iframe", `<iframe src="javascript:parent.load('https://www.clarity.ms/tag')"></iframe>y`, `y`},
}

func TestFetchVectors(t *testing.T) {
	m := testMatcher(t)
	for _, tc := range fetchVectors {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, rewrite(t, m, stripOpts(), tc.in), "undecided visitor")
			g := stripOpts()
			g.Granted, g.BeaconAllowed = allGranted, true
			assert.Equal(t, tc.in, rewrite(t, m, g, tc.in), "visitor who granted everything")
		})
	}
}
