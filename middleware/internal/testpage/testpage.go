// Package testpage generates realistic HTML pages for the rewriter's and the
// middleware's tests and benchmarks.
package testpage

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
)

// Generate builds a deterministic, realistic HTML page of about size bytes:
// a head with tracker loaders (GA/GTM/Meta), JSON-LD and CSS, then body
// sections with navigation, articles (about 9% non-ASCII bytes), images
// with srcset, SVG icons, tables, forms, comments holding markup, noscript
// pixels, and tracker snippets at the end of the body.
func Generate(size int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	var b bytes.Buffer
	b.Grow(size + 8<<10)
	b.WriteString(pageHead)
	sec := 0
	for b.Len() < size-len(pageTail) {
		genSection(&b, rng, sec)
		sec++
	}
	b.WriteString(pageTail)
	return b.Bytes()
}

var pageCache sync.Map

// Page returns the cached generated page of about size bytes. Callers must
// not modify it.
func Page(size int) []byte {
	if p, ok := pageCache.Load(size); ok {
		return p.([]byte)
	}
	p := Generate(size, uint64(size))
	pageCache.Store(size, p)
	return p
}

// Snippets as vendors publish them, as the generated pages carry them.
const (
	// GTM is Google Tag Manager's loader.
	GTM = `<script>(function(w,d,s,l,i){w[l]=w[l]||[];w[l].push({'gtm.start':
new Date().getTime(),event:'gtm.js'});var f=d.getElementsByTagName(s)[0],
j=d.createElement(s),dl=l!='dataLayer'?'&l='+l:'';j.async=true;j.src=
'https://www.googletagmanager.com/gtm.js?id='+i+dl;f.parentNode.insertBefore(j,f);
})(window,document,'script','dataLayer','GTM-XXXX');</script>`
	// MetaPixel is the Meta Pixel loader.
	MetaPixel = `<script>
!function(f,b,e,v,n,t,s)
{if(f.fbq)return;n=f.fbq=function(){n.callMethod?
n.callMethod.apply(n,arguments):n.queue.push(arguments)};
if(!f._fbq)f._fbq=n;n.push=n;n.loaded=!0;n.version='2.0';
n.queue=[];t=b.createElement(e);t.async=!0;
t.src=v;s=b.getElementsByTagName(e)[0];
s.parentNode.insertBefore(t,s)}(window, document,'script',
'https://connect.facebook.net/en_US/fbevents.js');
fbq('init', '123456789012345');
fbq('track', 'PageView');
</script>`
	// LinkedIn is LinkedIn Insight's loader.
	LinkedIn = `<script type="text/javascript">
(function(l) {
if (!l){window.lintrk = function(a,b){window.lintrk.q.push([a,b])};
window.lintrk.q=[]}
var s = document.getElementsByTagName("script")[0];
var b = document.createElement("script");
b.type = "text/javascript";b.async = true;
b.src = "https://snap.licdn.com/li.lms-analytics/insight.min.js";
s.parentNode.insertBefore(b, s);})(window.lintrk);
</script>`
	// Hotjar is Hotjar's loader.
	Hotjar = `<script>
    (function(h,o,t,j,a,r){
        h.hj=h.hj||function(){(h.hj.q=h.hj.q||[]).push(arguments)};
        h._hjSettings={hjid:1234567,hjsv:6};
        a=o.getElementsByTagName('head')[0];
        r=o.createElement('script');r.async=1;
        r.src=t+h._hjSettings.hjid+j+h._hjSettings.hjsv;
        a.appendChild(r);
    })(window,document,'https://static.hotjar.com/c/hotjar-','.js?sv=');
</script>`
	// TikTok is the TikTok Pixel loader.
	TikTok = `<script>
!function (w, d, t) {
  w.TiktokAnalyticsObject=t;var ttq=w[t]=w[t]||[];ttq.methods=["page","track","identify"];
  ttq.load=function(e,n){var r="https://analytics.tiktok.com/i18n/pixel/events.js";ttq._i=ttq._i||{};
  var a=document.createElement("script");a.type="text/javascript";a.async=!0;a.src=r+"?sdkid="+e;
  var s=document.getElementsByTagName("script")[0];s.parentNode.insertBefore(a,s)};
  ttq.load('C1234567890');ttq.page();
}(window, document, 'ttq');
</script>`
	// Clarity is Microsoft Clarity's loader.
	Clarity = `<script type="text/javascript">
    (function(c,l,a,r,i,t,y){
        c[a]=c[a]||function(){(c[a].q=c[a].q||[]).push(arguments)};
        t=l.createElement(r);t.async=1;t.src="https://www.clarity.ms/tag/"+i;
        y=l.getElementsByTagName(r)[0];y.parentNode.insertBefore(t,y);
    })(window, document, "clarity", "script", "abcdefghij");
</script>`
	// GtagLoader is the gtag.js loader tag.
	GtagLoader = `<script async src="https://www.googletagmanager.com/gtag/js?id=G-ABCDEF1234"></script>`
	// AppScript is a first-party inline script without trackers.
	AppScript = `<script>
document.querySelectorAll('.btn').forEach(function(b){b.addEventListener('click',function(){b.classList.add('is-active')})});
</script>`
)

// Head is the start of every generated page: a head with tracker loaders
// (GA, GTM, Meta), JSON-LD and CSS, up to the opening of <main>.
const Head = pageHead

// Tail is the end of every generated page: footer scripts and the tracker
// snippets at the end of the body.
const Tail = pageTail

const pageHead = `<!DOCTYPE html>
<html lang="de">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Bücher &amp; Kurse – Beispiel Shop</title>
<link rel="preconnect" href="https://www.googletagmanager.com">
<link rel="dns-prefetch" href="//connect.facebook.net">
<link rel="preconnect" href="https://fonts.gstatic.com" crossorigin>
<link rel="stylesheet" href="/static/css/site.3f9a1c.css">
<link rel="icon" href="/favicon.ico">
<!-- Google tag (gtag.js) -->
` + GtagLoader + `
<script>
  window.dataLayer = window.dataLayer || [];
  function gtag(){dataLayer.push(arguments);}
  gtag('js', new Date());
  gtag('config', 'G-ABCDEF1234');
</script>
<!-- Google Tag Manager -->
` + GTM + `
<!-- End Google Tag Manager -->
<!-- Meta Pixel Code -->
` + MetaPixel + `
<noscript><img height="1" width="1" style="display:none"
src="https://www.facebook.com/tr?id=123456789012345&ev=PageView&noscript=1"
/></noscript>
<!-- End Meta Pixel Code -->
<script type="application/ld+json">
{"@context":"https://schema.org","@type":"Organization","name":"Beispiel Shop","url":"https://www.example.com",
"logo":"https://www.example.com/static/logo.png","sameAs":["https://www.facebook.com/beispiel","https://www.linkedin.com/company/beispiel"]}
</script>
<style>
body{font-family:system-ui,sans-serif;margin:0}.nav>a{padding:.5rem}.card{display:grid;grid-template-columns:1fr 2fr}
@media (max-width:600px){.card{display:block}}.btn{background:#0a58ca;color:#fff}
</style>
</head>
<body class="page page--home" data-theme="light">
<!-- Google Tag Manager (noscript) -->
<noscript><iframe src="https://www.googletagmanager.com/ns.html?id=GTM-XXXX"
height="0" width="0" style="display:none;visibility:hidden"></iframe></noscript>
<!-- End Google Tag Manager (noscript) -->
<header class="site-header"><nav class="nav" aria-label="Hauptnavigation">
<a href="/" class="nav__logo"><img src="/static/logo.svg" alt="Beispiel" width="120" height="32"></a>
<a href="/kurse">Kurse</a><a href="/bücher">Bücher</a><a href="/über-uns">Über uns</a><a href="/kontakt">Kontakt</a>
</nav></header>
<main id="main">
`

const pageTail = `</main>
<footer class="site-footer"><p>© 2026 Beispiel GmbH · <a href="/impressum">Impressum</a> · <a href="/datenschutz">Datenschutz</a></p></footer>
<script src="/static/js/app.81c2d0.js" defer></script>
` + AppScript + `
<script type="text/javascript">
_linkedin_partner_id = "1234567";
window._linkedin_data_partner_ids = window._linkedin_data_partner_ids || [];
window._linkedin_data_partner_ids.push(_linkedin_partner_id);
</script>` + LinkedIn + `
<noscript>
<img height="1" width="1" style="display:none;" alt="" src="https://px.ads.linkedin.com/collect/?pid=1234567&fmt=gif" />
</noscript>
<!-- Hotjar Tracking Code -->
` + Hotjar + `
` + Clarity + `
` + TikTok + `
</body>
</html>
`

var words = strings.Fields(`the and of to in is for with on that this are by from as at be or an it your our
we can all more new about use one time will has have not but their which when you they there
data shop course book price order account delivery return support learn read write build test
Bücher Kurse Größe Übersicht Lösung schön über für Straße Qualität Preis Versand Rückgabe
café résumé déjà façon élève français naïve cœur très être Gebühr Äpfel Öffnungszeiten
日本 東京 学習 書籍 価格 注文 配送 返品 会員登録
Москва книга доставка`)

func genSection(b *bytes.Buffer, rng *rand.Rand, n int) {
	para := func() {
		b.WriteString("<p>")
		k := 30 + rng.IntN(50)
		for i := 0; i < k; i++ {
			if i > 0 {
				b.WriteByte(' ')
			}
			w := words[rng.IntN(len(words))]
			switch rng.IntN(24) {
			case 0:
				fmt.Fprintf(b, `<a href="/artikel/%d-%s">%s</a>`, rng.IntN(9999), w, w)
			case 1:
				fmt.Fprintf(b, "<strong>%s</strong>", w)
			case 2:
				fmt.Fprintf(b, "<em class=\"hl\">%s</em>", w)
			default:
				b.WriteString(w)
			}
		}
		b.WriteString(".</p>\n")
	}
	fmt.Fprintf(b, "<section class=\"section section--%d\" id=\"s%d\">\n<h2 class=\"section__title\">%s %s</h2>\n",
		n%7, n, words[rng.IntN(len(words))], words[rng.IntN(len(words))])
	if n%5 == 0 {
		b.WriteString("<!-- teaser disabled: <div class=\"teaser\"><img src=\"https://www.facebook.com/tr?id=1&ev=X\"><script src=\"https://www.googletagmanager.com/gtm.js\"></script></div> -->\n")
	}
	for c := 0; c < 3; c++ {
		id := rng.IntN(100000)
		fmt.Fprintf(b, `<article class="card" data-id="%d"><a class="card__link" href="/kurse/%d">`, id, id)
		fmt.Fprintf(b, `<img class="card__img" src="/img/%d-400.jpg" srcset="/img/%d-400.jpg 400w, /img/%d-800.jpg 800w" sizes="(max-width: 600px) 100vw, 400px" alt="%s" loading="lazy" width="400" height="300"></a>`, id, id, id, words[rng.IntN(len(words))])
		b.WriteString("\n<div class=\"card__body\">")
		fmt.Fprintf(b, "<h3>%s</h3>\n", words[rng.IntN(len(words))])
		para()
		if rng.IntN(3) == 0 {
			para()
		}
		fmt.Fprintf(b, `<span class="price">%d,%02d €</span> <button class="btn" type="button" data-sku="SKU-%d">In den Warenkorb</button>`, rng.IntN(200), rng.IntN(100), id)
		b.WriteString(`<svg class="icon" width="16" height="16" viewBox="0 0 16 16" aria-hidden="true"><path d="M8 0l2.5 5 5.5.8-4 3.9.9 5.5L8 12.6 3.1 15.2 4 9.7 0 5.8 5.5 5z"/></svg>`)
		b.WriteString("</div></article>\n")
	}
	switch n % 4 {
	case 0:
		b.WriteString("<table class=\"specs\"><thead><tr><th>Eigenschaft</th><th>Wert</th></tr></thead><tbody>\n")
		for r := 0; r < 6; r++ {
			fmt.Fprintf(b, "<tr><td>%s</td><td>%d</td></tr>\n", words[rng.IntN(len(words))], rng.IntN(1000))
		}
		b.WriteString("</tbody></table>\n")
	case 1:
		b.WriteString(`<form class="newsletter" action="/newsletter" method="post"><label for="em">E-Mail</label><input id="em" type="email" name="email" required placeholder="name@beispiel.de"><input type="hidden" name="csrf" value="a8f3e9c1d2"><button type="submit">Anmelden</button></form>` + "\n")
	case 2:
		b.WriteString(`<ul class="list">`)
		for r := 0; r < 8; r++ {
			fmt.Fprintf(b, `<li><a href="/tag/%s">%s</a></li>`, words[rng.IntN(len(words))], words[rng.IntN(len(words))])
		}
		b.WriteString("</ul>\n")
	case 3:
		b.WriteString(`<figure><picture><source type="image/webp" srcset="/img/hero.webp 1x, /img/hero@2x.webp 2x"><img src="/img/hero.jpg" alt="" width="1200" height="400"></picture><figcaption>Unser Team – Qualität seit 1998</figcaption></figure>` + "\n")
	}
	if n%25 == 7 {
		b.WriteString(`<iframe width="560" height="315" src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ" title="Video" allowfullscreen></iframe>` + "\n")
	}
	b.WriteString("</section>\n")
}
