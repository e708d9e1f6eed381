package htmlrewrite

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Vendors' published loaders, which build their script tag at run time.
const (
	// https://help.hotjar.com/hc/en-us/articles/115009336727 (tracking code)
	hotjarLoader = `<script>
    (function(h,o,t,j,a,r){
        h.hj=h.hj||function(){(h.hj.q=h.hj.q||[]).push(arguments)};
        h._hjSettings={hjid:1234567,hjsv:6};
        a=o.getElementsByTagName('head')[0];
        r=o.createElement('script');r.async=1;
        r.src=t+h._hjSettings.hjid+j+h._hjSettings.hjsv;
        a.appendChild(r);
    })(window,document,'https://static.hotjar.com/c/hotjar-','.js?sv=');
</script>`
	// https://learn.microsoft.com/en-us/clarity/setup-and-installation/clarity-setup
	clarityLoader = `<script type="text/javascript">
    (function(c,l,a,r,i,t,y){
        c[a]=c[a]||function(){(c[a].q=c[a].q||[]).push(arguments)};
        t=l.createElement(r);t.async=1;t.src="https://www.clarity.ms/tag/"+i;
        y=l.getElementsByTagName(r)[0];y.parentNode.insertBefore(t,y);
    })(window, document, "clarity", "script", "abcdefghij");
</script>`
	// https://developers.intercom.com/installing-intercom/web/installation
	intercomLoader = `<script>(function(){var w=window;var ic=w.Intercom;if(typeof ic==="function"){ic('update',w.intercomSettings);}else{var d=document;var i=function(){i.c(arguments);};i.q=[];i.c=function(args){i.q.push(args);};w.Intercom=i;var l=function(){var s=d.createElement('script');s.type='text/javascript';s.async=true;s.src='https://widget.intercom.io/widget/' + APP_ID;var x=d.getElementsByTagName('script')[0];x.parentNode.insertBefore(s, x);};if(document.readyState==='complete'){l();}else if(w.attachEvent){w.attachEvent('onload',l);}else{w.addEventListener('load',l,false);}}})();</script>`
)

type inlineSeen struct {
	Kind, Host, Tracker string
	Removed             bool
}

func collectTags(t *testing.T, o Options, in string) ([]inlineSeen, string) {
	t.Helper()
	var got []inlineSeen
	o.OnTag = func(e TagEvent) {
		name := ""
		if e.Tracker != nil {
			name = e.Tracker.Name
		}
		got = append(got, inlineSeen{e.Kind, string(e.Host), name, e.Removed})
	}
	out := rewrite(t, testMatcher(t), o, in)
	return got, out
}

// TestInlineScriptHosts: a kept inline script reports the third-party
// hosts it names, so that an inventory sees what loaders fetch; the page
// is unchanged by it.
func TestInlineScriptHosts(t *testing.T) {
	const ic = "widget.intercom.io"
	tests := []struct {
		name    string
		granted uint64
		in      string
		want    []inlineSeen
	}{
		{"granted vendor's loader", 1<<catNecessary | 1<<catAnalytics, hotjarLoader,
			[]inlineSeen{{InlineScriptKind, "static.hotjar.com", "Hotjar", false}}},
		{"granted loader with type", 1<<catNecessary | 1<<catAnalytics, clarityLoader,
			[]inlineSeen{{InlineScriptKind, "www.clarity.ms", "Microsoft Clarity", false}}},
		{"undeclared vendor's loader", 1 << catNecessary, intercomLoader,
			[]inlineSeen{{InlineScriptKind, ic, "", false}}},
		{"refused vendor's loader is removed, not listed as kept", 1 << catNecessary, hotjarLoader,
			[]inlineSeen{{"script", "static.hotjar.com", "Hotjar", true}}},
		{"escaped slashes", 1 << catNecessary,
			`<script>a("https:\/\/one.vendor.example\/x.js");b('\x2F\x2Ftwo.vendor.example/y');c("\u002f\u002fthree.vendor.example");d("\x2F/four.vendor.example")</script>`,
			[]inlineSeen{{InlineScriptKind, "one.vendor.example", "", false}, {InlineScriptKind, "two.vendor.example", "", false},
				{InlineScriptKind, "three.vendor.example", "", false}, {InlineScriptKind, "four.vendor.example", "", false}}},
		{"quoted bare hosts only when declared", 1<<catNecessary | 1<<catAnalytics,
			`<script>var h='static.hotjar.com', p="script.hotjar.com/modules.js", j='jquery.min.js', u="unknown.vendor.example", s=window.app.state;</script>`,
			[]inlineSeen{{InlineScriptKind, "static.hotjar.com", "Hotjar", false}, {InlineScriptKind, "script.hotjar.com", "Hotjar", false}}},
		{"the site, namespaces, comments and templates are not hosts", 1 << catNecessary,
			`<script>// see the docs
fetch("https://www.shop.example/api");fetch('//cdn.shop.example/x');fetch("https://shop.example/y");
document.createElementNS("http://www.w3.org/2000/svg","svg");
var u="https://"+host, v="https://www."+domain, w=` + "`https://${h}/x`" + `, n="http://10.0.0.1/", q="//", r="https://v1.2/";</script>`,
			nil},
		{"each host once per script", 1 << catNecessary,
			`<script>a("https://x.vendor.example/1");a("https://X.Vendor.Example/2");a('//x.vendor.example/3')</script>`,
			[]inlineSeen{{InlineScriptKind, "x.vendor.example", "", false}}},
		{"non-executable scripts are data", 1 << catNecessary,
			`<script type="application/ld+json">{"url":"https://schema.vendor.example/x"}</script>`,
			nil},
		{"host case as written; port and path left out", 1 << catNecessary,
			`<script>load("https://CDN.Vendor.Example:8443/a.js")</script>`,
			[]inlineSeen{{InlineScriptKind, "CDN.Vendor.Example", "", false}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := stripOpts()
			o.Granted = tc.granted
			o.SiteHost = "www.shop.example"
			got, out := collectTags(t, o, tc.in)
			assert.Equal(t, tc.want, got)
			if len(tc.want) == 0 || !tc.want[0].Removed {
				assert.Equal(t, tc.in, out, "a kept script is kept byte for byte")
			}
		})
	}
}

func TestInlineScriptHostsAreCapped(t *testing.T) {
	var s strings.Builder
	s.WriteString("<script>")
	for i := range 3 * maxInlineHosts {
		fmt.Fprintf(&s, "load('https://h%d.vendor.example/x.js');", i)
	}
	s.WriteString("</script><script>load('https://last.vendor.example/')</script>")
	o := stripOpts()
	o.SiteHost = "www.shop.example"
	got, _ := collectTags(t, o, s.String())
	require.Len(t, got, maxInlineHosts+1, "a script reports at most maxInlineHosts hosts; the next script its own")
	assert.Equal(t, "h0.vendor.example", got[0].Host)
	assert.Equal(t, "last.vendor.example", got[maxInlineHosts].Host)
}

func TestInlineScriptHostsAreCappedPerPage(t *testing.T) {
	var s strings.Builder
	for i := range 2 * maxInlineHostsPerPage / 3 {
		fmt.Fprintf(&s, "<script>load('https://a%d.vendor.example/');load('https://b%d.vendor.example/');load('https://c%d.vendor.example/')</script>", i, i, i)
	}
	o := stripOpts()
	o.SiteHost = "www.shop.example"
	got, out := collectTags(t, o, s.String())
	assert.Len(t, got, maxInlineHostsPerPage)
	assert.Equal(t, s.String(), out)
}

// TestInlineScriptHostsAllocateNothing: reporting points into the held
// script.
func TestInlineScriptHostsAllocateNothing(t *testing.T) {
	m := testMatcher(t)
	o := stripOpts()
	o.Granted = 1<<catNecessary | 1<<catAnalytics
	o.SiteHost = "www.shop.example"
	n := 0
	o.OnTag = func(e TagEvent) { n++ }
	page := []byte(hotjarLoader + clarityLoader + intercomLoader)
	r := New(io.Discard, m, o)
	allocs := testing.AllocsPerRun(50, func() {
		r.Reset(io.Discard, m, o)
		_, _ = r.Write(page)
		_ = r.Close()
	})
	assert.Zero(t, allocs)
	assert.Positive(t, n)
}

func TestSlashAtAndHostAt(t *testing.T) {
	for in, want := range map[string]int{"/": 1, `\/`: 2, `\x2F`: 4, `\x2f`: 4, `\u002F`: 6, `\u002f`: 6, `\x2`: 0, `\u002`: 0, `\n`: 0, "a": 0, "": 0} {
		assert.Equal(t, want, slashAt([]byte(in), 0), in)
	}
	for in, want := range map[string]string{
		"cdn.example.com/x": "cdn.example.com", "cdn.example.com.": "cdn.example.com", "a.b": "a.b",
		"example": "", ".example.com": "", "a..b.com": "", "1.2.3.4": "", "v1.2": "", "": "",
		strings.Repeat("a", 250) + ".com": "",
	} {
		assert.Equal(t, want, string(hostAt([]byte(in), 0)), in)
	}
}

// FuzzInlineScriptHosts: whatever a kept script holds, the page is kept as
// written and each reported host is a third-party host name from the text.
func FuzzInlineScriptHosts(f *testing.F) {
	for _, s := range []string{hotjarLoader, clarityLoader, intercomLoader, `<script>a("https:\/\/x.example\/")</script>`,
		`<script>'static.hotjar.com'</script>`, `<script>"\u002F\u002Fa.b`, `<script>//` + strings.Repeat("a.", 200)} {
		f.Add(s)
	}
	m := testMatcher(f)
	f.Fuzz(func(t *testing.T, in string) {
		o := stripOpts()
		o.Granted = allGranted
		o.SiteHost = "www.shop.example"
		var hosts [][]byte
		o.OnTag = func(e TagEvent) {
			if e.Kind == InlineScriptKind {
				hosts = append(hosts, bytes.Clone(e.Host))
			}
		}
		out := rewrite(t, m, o, in)
		plain := o
		plain.OnTag = nil
		assert.Equal(t, rewrite(t, m, plain, in), out, "reporting changes nothing")
		for _, h := range hosts {
			require.Contains(t, in, string(h))
			require.NotNil(t, hostAt(h, 0), "%q", h)
			require.False(t, hostWithin(h, "shop.example"), "%q is the site's", h)
		}
	})
}

// BenchmarkKeptInlineScript compares rewriting a page with a kept 64 KiB
// inline script with and without OnTag, which adds the host scan.
func BenchmarkKeptInlineScript(b *testing.B) {
	m := testMatcher(b)
	var s bytes.Buffer
	s.WriteString("<!doctype html><html><head><script>")
	for s.Len() < 64<<10 {
		s.WriteString(`document.querySelectorAll('.btn').forEach(function(b){b.addEventListener('click',function(){b.classList.add("is-active");fetch("/api/cart",{method:'POST'});window.app.state.cart.items.push({sku:b.dataset.sku,qty:1})})});` + "\n")
	}
	s.WriteString("load('https://cdn.vendor.example/x.js')</script></head><body></body></html>")
	page := s.Bytes()
	for _, on := range []bool{false, true} {
		b.Run(fmt.Sprintf("onTag=%v", on), func(b *testing.B) {
			o := benchOptions()
			o.Granted = allGranted
			if on {
				o.OnTag = func(TagEvent) {}
			}
			r := New(io.Discard, m, o)
			b.SetBytes(int64(len(page)))
			b.ReportAllocs()
			for b.Loop() {
				r.Reset(io.Discard, m, o)
				writeChunks(r, page)
				_ = r.Close()
			}
		})
	}
}

// BenchmarkInlineHostScan measures the host scan of a kept script alone,
// next to Matcher.MatchText over the same text (BenchmarkInlineScript's),
// which every inline script of a visitor who has not granted everything
// costs already.
func BenchmarkInlineHostScan(b *testing.B) {
	m := testMatcher(b)
	var s bytes.Buffer
	for s.Len() < 64<<10 {
		s.WriteString(`document.querySelectorAll('.btn').forEach(function(b){b.addEventListener('click',function(){b.classList.add("is-active");window.app.state.cart.items.push({sku:b.dataset.sku,qty:1})})});` + "\n")
	}
	text := s.Bytes()
	b.Run("matchtext", func(b *testing.B) {
		b.SetBytes(int64(len(text)))
		b.ReportAllocs()
		for b.Loop() {
			m.MatchText(text, 0)
		}
	})
	b.Run("hosts", func(b *testing.B) {
		r := New(io.Discard, m, Options{SiteHost: "www.example.com", OnTag: func(TagEvent) {}})
		b.SetBytes(int64(len(text)))
		b.ReportAllocs()
		for b.Loop() {
			r.inlineHosts(text)
		}
	})
}
