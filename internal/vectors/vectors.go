// Package vectors is the test corpus of the middleware's
// Content-Security-Policy: pages that each reach a tracker host in one way —
// tags the server-side rewriter removes, and the many it cannot see (scripts
// injected at run time, fetch, beacons, CSS, workers, frames that inherit
// the page, hosts built at run time). The browser tests serve them behind
// the middleware and count, with the DevTools protocol, which requests
// reach the network.
//
// Every tracker URL of vector N carries the path marker "/cg-N/", so that a
// request can be told apart by vector whatever the host; the hosts are real
// tracker hosts of the vendors consent.DefaultPolicy uses (with no network, requests
// to them fail at DNS — after reaching the network stack, which is what the
// tests count).
package vectors

import (
	"encoding/base64"
	"html"
	"net/http"
	"net/url"
	"strings"
)

// Vector is one way for a page to reach a tracker.
type Vector struct {
	// Name identifies the vector; its tracker URLs carry Marker(Name).
	Name string
	// Directive is the CSP directive that governs its request (the
	// effective directive of a violation report).
	Directive string
	// Host is the tracker host it contacts.
	Host string
	// Top marks a vector that only works in a top-level page (speculation
	// rules, icons, manifests): the test loads it by itself rather than in
	// a frame of the index page.
	Top bool
	// Beyond says why a Content-Security-Policy cannot stop the vector
	// ("" when it can): its request is a navigation, which fetch
	// directives do not govern.
	Beyond string
	// Head and Body are the page's markup; Script, when set, is a
	// first-party script served at ScriptPath(Name). In all three "{U}"
	// stands for "https://"+Host+Marker(Name) without the final '/', "{H}"
	// for Host and "{N}" for Name.
	Head, Body, Script string
}

// Marker is the path prefix of every tracker URL of the vector.
func Marker(name string) string { return "/cg-" + name + "/" }

// PagePath is where Handler serves the vector's page.
func PagePath(name string) string { return "/vectors/" + name }

// ScriptPath is where Handler serves the vector's first-party script.
func ScriptPath(name string) string { return "/vectors/fp/" + name + ".js" }

// IndexPath serves a page holding every vector that works in a frame, each
// in an iframe of its own page.
const IndexPath = "/vectors/"

// Hosts are the tracker hosts the vectors contact, each of a vendor
// consent.DefaultPolicy uses (its catalog settings' uses).
var Hosts = []string{
	"www.google-analytics.com", "connect.facebook.net", "static.hotjar.com", "www.googletagmanager.com",
	"snap.licdn.com", "bat.bing.com", "cdn.segment.com", "www.clarity.ms", "analytics.tiktok.com",
	"static.ads-twitter.com", "www.youtube.com", "stats.g.doubleclick.net", "cdn.mxpnl.com", "px.ads.linkedin.com",
}

const (
	ga      = "www.google-analytics.com"
	fb      = "connect.facebook.net"
	hotjar  = "static.hotjar.com"
	gtm     = "www.googletagmanager.com"
	licdn   = "snap.licdn.com"
	bing    = "bat.bing.com"
	segment = "cdn.segment.com"
	clarity = "www.clarity.ms"
	tiktok  = "analytics.tiktok.com"
	twitter = "static.ads-twitter.com"
	youtube = "www.youtube.com"
	dclick  = "stats.g.doubleclick.net"
	mixpnl  = "cdn.mxpnl.com"
	linkedn = "px.ads.linkedin.com"
)

// gif is a 1×1 GIF as a data: URL, for handlers that need an image that
// loads without the network.
const gif = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"

var all = []Vector{
	// Tags as sites paste them; the rewriter removes most of these for an
	// undecided visitor.
	{Name: "script-tag", Directive: "script-src-elem", Host: fb, Body: `<script async src="{U}/fbevents.js"></script>`},
	{Name: "img-pixel", Directive: "img-src", Host: linkedn, Body: `<img src="{U}/collect?pid=1" width="1" height="1" alt="">`},
	{Name: "iframe", Directive: "frame-src", Host: youtube, Body: `<iframe src="{U}/embed/x" width="100" height="60"></iframe>`},
	{Name: "link-prefetch", Directive: "default-src", Host: gtm, Head: `<link rel="prefetch" href="{U}/gtm.js">`},
	{Name: "object", Directive: "object-src", Host: dclick, Body: `<object data="{U}/o.html" type="text/html" width="10" height="10"></object>`},
	{Name: "embed", Directive: "object-src", Host: dclick, Body: `<embed src="{U}/e.html" type="text/html" width="10" height="10">`},
	{Name: "picture-srcset", Directive: "img-src", Host: clarity, Body: `<picture><source srcset="{U}/p.png 1x"><img src="` + gif + `" alt=""></picture>`},

	// Scripts that make requests at run time.
	{Name: "inject-script", Directive: "script-src-elem", Host: hotjar,
		Body: `<script>var s=document.createElement("script");s.async=true;s.src="{U}/hotjar.js";document.head.appendChild(s);</script>`},
	{Name: "document-write", Directive: "script-src-elem", Host: bing,
		Body: `<script>document.write('<scr'+'ipt src="{U}/bat.js"></scr'+'ipt>');</script>`},
	{Name: "fetch", Directive: "connect-src", Host: segment, Body: `<script>fetch("{U}/v1/p",{mode:"no-cors"}).catch(function(){});</script>`},
	{Name: "send-beacon", Directive: "connect-src", Host: ga, Body: `<script>try{navigator.sendBeacon("{U}/g/collect","v=2")}catch(e){}</script>`},
	{Name: "xhr", Directive: "connect-src", Host: mixpnl,
		Body: `<script>try{var x=new XMLHttpRequest();x.open("GET","{U}/track");x.send()}catch(e){}</script>`},
	{Name: "websocket", Directive: "connect-src", Host: clarity,
		Body: `<script>try{new WebSocket("wss://{H}/cg-{N}/ws")}catch(e){}</script>`},
	{Name: "eventsource", Directive: "connect-src", Host: tiktok, Body: `<script>try{new EventSource("{U}/events")}catch(e){}</script>`},
	{Name: "eval", Directive: "img-src", Host: ga, Body: `<script>eval('new Image().src="{U}/e.gif"');</script>`},
	{Name: "inner-html", Directive: "img-src", Host: twitter,
		Body: `<div id="slot"></div><script>document.getElementById("slot").innerHTML='<img src="{U}/i.gif" alt="">';</script>`},
	{Name: "dynamic-import", Directive: "script-src-elem", Host: segment, Body: `<script type="module">import("{U}/a.js").catch(function(){});</script>`},
	{Name: "import-map", Directive: "script-src-elem", Host: fb,
		Head: `<script type="importmap">{"imports":{"pixel":"{U}/pixel.js"}}</script>`,
		// A dynamic import, caught: the rewriter removes an import map
		// naming a refused tracker, and the bare specifier then fails.
		Body: `<script type="module">import("pixel").catch(function () {});</script>`},
	{Name: "worker-import-scripts", Directive: "script-src", Host: hotjar,
		Body:   `<script>try{new Worker("/vectors/fp/worker-import-scripts.js")}catch(e){}</script>`,
		Script: `setTimeout(function(){try{importScripts("{U}/w.js")}catch(e){}},WAIT)`},
	{Name: "blob-worker", Directive: "connect-src", Host: segment,
		Body: `<script>try{new Worker(URL.createObjectURL(new Blob(['setTimeout(function(){fetch("{U}/bw",{mode:"no-cors"}).catch(function(){})},WAIT)'],{type:"text/javascript"})))}catch(e){}</script>`},
	{Name: "data-worker", Directive: "connect-src", Host: mixpnl,
		Body: `<script>try{new Worker("data:text/javascript,"+encodeURIComponent('setTimeout(function(){fetch("{U}/dw",{mode:"no-cors"}).catch(function(){})},WAIT)'))}catch(e){}</script>`},

	// CSS.
	{Name: "style-url", Directive: "img-src", Host: bing, Body: `<style>.cg-bg{background:url("{U}/bg.png")}</style><div class="cg-bg">x</div>`},
	{Name: "style-attr", Directive: "img-src", Host: licdn, Body: `<div style="background-image:url('{U}/sa.png')">x</div>`},
	{Name: "css-import", Directive: "style-src-elem", Host: gtm, Body: `<style>@import url("{U}/i.css");</style>`},
	{Name: "web-font", Directive: "font-src", Host: twitter,
		Body: `<style>@font-face{font-family:CgFont;src:url("{U}/f.woff2") format("woff2")}p{font-family:CgFont}</style><p>text</p>`},
	{Name: "css-escape", Directive: "img-src", Host: ga,
		Body: `<style>.cg-e{background:url("https://www\2e google-analytics\2e com/cg-{N}/x.png")}</style><div class="cg-e">x</div>`},
	{Name: "link-stylesheet", Directive: "style-src-elem", Host: dclick, Head: `<link rel="stylesheet" href="{U}/s.css">`},

	// Handlers, SVG, base, media, forms.
	{Name: "onerror", Directive: "img-src", Host: ga,
		Body: `<img src="/vectors/missing.png" alt="" onerror="this.onerror=null;new Image().src='{U}/oe.gif'">`},
	{Name: "onload", Directive: "img-src", Host: fb, Body: `<img src="` + gif + `" alt="" onload="new Image().src='{U}/ol.gif'">`},
	{Name: "svg-image", Directive: "img-src", Host: clarity, Body: `<svg width="10" height="10"><image href="{U}/s.png" width="10" height="10"/></svg>`},
	{Name: "base-href", Directive: "img-src", Host: licdn, Head: `<base href="{U}/">`, Body: `<img src="relative.png" alt="">`},
	{Name: "preload-imagesrcset", Directive: "img-src", Host: tiktok,
		Head: `<link rel="preload" as="image" imagesrcset="{U}/p1.png 1x, {U}/p2.png 2x" imagesizes="10px">`},
	{Name: "track", Directive: "media-src", Host: youtube,
		Body: `<video src="/vectors/fp/none.webm" preload="auto" muted><track kind="captions" src="{U}/t.vtt" default></video>`},
	{Name: "video-poster", Directive: "img-src", Host: youtube, Body: `<video poster="{U}/poster.jpg" width="10" height="10"></video>`},
	{Name: "audio-src", Directive: "media-src", Host: mixpnl, Body: `<audio src="{U}/a.mp3" preload="auto"></audio>`},
	{Name: "input-image", Directive: "img-src", Host: bing, Body: `<form><input type="image" src="{U}/btn.png" alt="Go"></form>`},

	// Documents that inherit the page's policy.
	{Name: "srcdoc-frame", Directive: "img-src", Host: hotjar,
		Body: `<iframe srcdoc="<img src='{U}/sd.png'>"></iframe>`},
	{Name: "data-frame", Directive: "img-src", Host: twitter, Body: `<iframe src="DATAFRAME"></iframe>`},
	{Name: "blob-frame", Directive: "img-src", Host: tiktok,
		Body: `<script>var f=document.createElement("iframe");f.src=URL.createObjectURL(new Blob(["<img src='{U}/bf.png'>"],{type:"text/html"}));document.body.appendChild(f);</script>`},
	{Name: "about-blank", Directive: "img-src", Host: dclick,
		Body: `<iframe id="blank"></iframe><script>var d=document.getElementById("blank").contentDocument;var i=d.createElement("img");i.src="{U}/ab.png";d.body.appendChild(i);</script>`},

	// Hosts the rewriter cannot read in the page.
	{Name: "escaped-host", Directive: "img-src", Host: ga,
		Body: `<script>new Image().src="https://www\x2egoogle-analytics\x2ecom/cg-{N}/x.gif";</script>`},
	{Name: "atob", Directive: "img-src", Host: fb, Body: `<script>new Image().src=atob("ATOB");</script>`},
	{Name: "concat", Directive: "script-src-elem", Host: hotjar,
		Body: `<script>var s=document.createElement("script");s.src="https://static.hot"+"jar.com/cg-{N}/c.js";document.head.appendChild(s);</script>`},
	{Name: "first-party-script", Directive: "script-src-elem", Host: gtm,
		Body:   `<script src="/vectors/fp/first-party-script.js"></script>`,
		Script: `(function(){var s=document.createElement("script");s.src="{U}/gtm.js?id=GTM-X";document.head.appendChild(s);})();`},

	// Top-level pages only.
	{Name: "speculation-rules", Directive: "default-src", Host: dclick, Top: true,
		Beyond: "a speculation-rules prefetch is a navigation request, which no fetch directive governs (the rewriter removes these rules when they name a refused tracker)",
		Head:   `<script type="speculationrules">{"prefetch":[{"source":"list","urls":["{U}/p.html"]}]}</script>`},
	{Name: "speculation-rules-injected", Directive: "default-src", Host: dclick, Top: true,
		Beyond: "rules a script adds at run time, with a host built from pieces: neither the rewriter nor a CSP can stop their prefetch",
		Body: `<script>var r=document.createElement("script");r.type="speculationrules";` +
			`r.textContent=JSON.stringify({prefetch:[{source:"list",urls:["https://stats.g.double"+"click.net/cg-{N}/p.html"]}]});document.head.appendChild(r);</script>`},
	{Name: "link-icon", Directive: "img-src", Host: clarity, Top: true, Head: `<link rel="icon" href="{U}/favicon.ico">`},
	{Name: "link-manifest", Directive: "manifest-src", Host: segment, Top: true, Head: `<link rel="manifest" href="{U}/app.webmanifest">`},
}

// workerWait is how long, in milliseconds, the workers wait before their
// request: a test attaches to a worker's own DevTools session, which alone
// reports the worker's requests, once the worker has started.
const workerWait = "700"

// All returns the vectors, their placeholders filled in.
func All() []Vector {
	out := make([]Vector, len(all))
	for i, v := range all {
		u := "https://" + v.Host + strings.TrimSuffix(Marker(v.Name), "/")
		r := strings.NewReplacer("{U}", u, "{H}", v.Host, "{N}", v.Name,
			"DATAFRAME", html.EscapeString("data:text/html,"+url.PathEscape("<img src='"+u+"/df.png'>")),
			"WAIT", workerWait, "ATOB", base64.StdEncoding.EncodeToString([]byte(u+"/a.gif")))
		v.Head, v.Body, v.Script = r.Replace(v.Head), r.Replace(v.Body), r.Replace(v.Script)
		out[i] = v
	}
	return out
}

// Page returns the full HTML page of a vector.
func Page(v Vector) string {
	return "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + v.Name + "</title>\n" + v.Head +
		"\n</head><body>\n<h1>" + v.Name + "</h1>\n" + v.Body + "\n</body></html>\n"
}

// Handler serves the vector pages at PagePath, their first-party scripts at
// ScriptPath, and the index at IndexPath. Wrap it with the middleware.
func Handler() http.Handler {
	vs := All()
	byName := make(map[string]Vector, len(vs))
	for _, v := range vs {
		byName[v.Name] = v
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+IndexPath+"{$}", func(w http.ResponseWriter, r *http.Request) {
		var b strings.Builder
		b.WriteString("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Vectors</title></head><body>\n")
		for _, v := range vs {
			if !v.Top {
				b.WriteString(`<iframe title="` + v.Name + `" src="` + PagePath(v.Name) + `" width="120" height="80"></iframe>` + "\n")
			}
		}
		b.WriteString("</body></html>\n")
		writePage(w, b.String())
	})
	mux.HandleFunc("GET /vectors/{name}", func(w http.ResponseWriter, r *http.Request) {
		v, ok := byName[r.PathValue("name")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		writePage(w, Page(v))
	})
	mux.HandleFunc("GET /vectors/fp/{file}", func(w http.ResponseWriter, r *http.Request) {
		v, ok := byName[strings.TrimSuffix(r.PathValue("file"), ".js")]
		if !ok || v.Script == "" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write([]byte(v.Script))
	})
	return mux
}

func writePage(w http.ResponseWriter, page string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte(page))
}
