//go:build e2e

package e2e

import (
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/consentgate/consent/middleware"
	"github.com/consentgate/consent/store"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// vectorPages are pages that make the browser contact tracker A (T is its
// origin, H its host and port) in every way the rewriter reads (issue 15):
// one page holds most of them; <base> and refresh act on the whole page
// and have their own.
var vectorPages = map[string]string{
	"/all": `<!doctype html><html><head><meta charset="utf-8"><title>vectors</title>
<link rel=stylesheet href="T/s.css"><link rel="shortcut icon" href="T/i.ico">
<link rel=preload as=image href="T/p.gif"><link rel=prefetch href="T/f.js">
<link rel=modulepreload href="T/m.js"><link rel="pre&#99;onnect" href="T/">
<style>@import url(T/import.css);.x{color:red}.bg{background:url("T/css.gif")}</style>
<script>var s=document.createElement('script');s.src='http:\/\/H\x2ft1.js'.replace('\x2f','/');document.head.appendChild(s)</script>
<script>var s2=document.createElement('script');s2.src='http://tracker-a\u002elocalhost:PORT/t2.js';document.head.appendChild(s2)</script>
<script type="speculationrules">{"prefetch":[{"source":"list","urls":["T/spec.html"]}]}</script>
</head><body>
<img src="T/a.gif"><img srcset="T/b.gif 1x"><picture><source srcset="T/c.gif"><img src="/ok.gif"></picture>
<image src="T/d.gif">
<img src="http://tracker-a%2Elocalhost:PORT/e.gif"><img src="http://tracker-a．localhost:PORT/f.gif">
<img src="http:&#x2F;&#x2F;H/g.gif"><img src="HTTP://TRACKER-A.LOCALHOST.:PORT/h.gif">
<img src="/ok.gif" onload="new Image().src='T/onload.gif'">
<video poster="T/poster.gif" src="T/v.mp4" preload=auto></video>
<video preload=auto><source src="T/v2.mp4"><track default kind=captions src="T/c.vtt"></video>
<audio src="T/a.mp3" preload=auto></audio>
<object data="T/o.html"></object><embed src="T/e.html">
<iframe src="T/frame.html"></iframe>
<iframe srcdoc="&lt;img src=&quot;T/srcdoc.gif&quot;&gt;"></iframe>
<iframe src="data:text/html;base64,DATA64"></iframe>
<table background="T/table.gif"><tr><td background="T/td.gif">x</td></tr></table>
<form><input type=image src="T/input.gif" alt=go></form>
<div class="bg">x</div><div style="background-image:url(T/style.gif)">x</div>
<svg width="10" height="10"><image href="T/svg.gif" width="10" height="10"/><image xlink:href="T/xlink.gif" width="1" height="1"/>
<filter id="f"><feImage href="T/fe.gif"/></filter><use href="T/use.svg#x"/><script href="T/svg.js"></script></svg>
<svg onload="new Image().src='T/svgonload.gif'"></svg>
<svg><script>new Image().src='T/svginline.gif'</script></svg>
</body></html>`,
	"/base":    `<!doctype html><html><head><base href="T/"><title>base</title></head><body><img src="base.gif"><script src="base.js"></script></body></html>`,
	"/refresh": `<!doctype html><html><head><meta http-equiv="refresh" content="0; url=T/refresh.html"><title>refresh</title></head><body><p>x</p></body></html>`,
}

// toTracker returns the requests Chrome announced to host, however the URL
// spells it (case, trailing dot).
func toTracker(l *tabLog, host string) []request {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []request
	for _, r := range l.reqs {
		if u, err := url.Parse(r.URL); err == nil && strings.TrimSuffix(strings.ToLower(u.Hostname()), ".") == host {
			out = append(out, r)
		}
	}
	return out
}

// TestFetchVectorsInChromium loads each vector page in Chromium for an
// undecided visitor (Strip mode, no CSP) and counts the requests Chrome
// announces to tracker A (Network.requestWillBeSent) and the tracker
// receives: none. The same pages without the middleware do contact it,
// so the count means something.
func TestFetchVectorsInChromium(t *testing.T) {
	ta := newTracker(t, hostA)
	_, port, _ := strings.Cut(strings.TrimPrefix(ta.Origin(), "http://"), ":")
	data := base64.StdEncoding.EncodeToString([]byte(`<img src="` + ta.Origin() + `/data.gif">`))
	pages := http.NewServeMux()
	for path, body := range vectorPages {
		body := strings.NewReplacer("T/", ta.Origin()+"/", "H", hostA+":"+port, "PORT", port, "DATA64", data).Replace(body)
		pages.HandleFunc("GET "+path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Cache-Control", "no-store")
			_, _ = io.WriteString(w, body)
		})
	}
	// Response headers: a Link preload and a redirect to the tracker.
	pages.HandleFunc("GET /headers", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "<"+ta.Origin()+"/link.css>; rel=preload; as=style, </ok.gif>; rel=preload; as=image")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = io.WriteString(w, `<!doctype html><title>headers</title><p>x`)
	})
	pages.HandleFunc("GET /redirect", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, ta.Origin()+"/redirect.gif", http.StatusFound)
	})
	pages.HandleFunc("GET /ok.gif", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/gif")
		_, _ = w.Write(gif1x1)
	})
	keys := []store.KeyPair{{Hash: randomBytes(32), Block: randomBytes(32)}}
	mw, err := middleware.New(testPolicy(), middleware.Keys(keys...), middleware.InsecureDev(),
		middleware.Logger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	require.NoError(t, err)
	guarded := httptest.NewServer(mw.Handler(pages))
	t.Cleanup(guarded.Close)
	plain := httptest.NewServer(pages)
	t.Cleanup(plain.Close)

	for _, path := range []string{"/all", "/base", "/refresh", "/headers", "/redirect"} {
		t.Run(path, func(t *testing.T) {
			tb := newTab(t, &site{srv: guarded})
			if path == "/redirect" {
				// Answered 204 without the redirect: Chromium aborts the
				// navigation and stays where it was.
				err := chromedp.Do(tb.ctx, chromedp.Navigate(tb.site.URL(path)))
				if err != nil {
					assert.Contains(t, err.Error(), "ERR_ABORTED")
				}
			} else {
				tb.navigate(path)
			}
			time.Sleep(1500 * time.Millisecond) // media, frames and speculation rules load late
			assert.Empty(t, toTracker(tb.log, hostA), "Chrome sent requests to tracker A for an undecided visitor")
			require.NotEmpty(t, tb.log.To("127.0.0.1"), "the network log works: it saw the page itself")

		})
	}
	assert.Empty(t, ta.Paths(), "tracker A received requests for an undecided visitor")

	t.Run("control without the middleware", func(t *testing.T) {
		tb := newTab(t, &site{srv: plain})
		for _, path := range []string{"/all", "/base", "/refresh", "/headers", "/redirect"} {
			tb.navigate(path)
			settle()
		}
		settle()
		want := strings.Fields(`/s.css /i.ico /p.gif /f.js /m.js /import.css /css.gif /t1.js /t2.js
			/spec.html /a.gif /b.gif /c.gif /d.gif /e.gif /f.gif /g.gif /onload.gif /poster.gif /v.mp4
			/v2.mp4 /c.vtt /a.mp3 /o.html /e.html /frame.html /srcdoc.gif /data.gif /table.gif /td.gif
			/input.gif /style.gif /svg.gif /xlink.gif /fe.gif /use.svg /svg.js /svgonload.gif /svginline.gif
			/base.gif /base.js /refresh.html /link.css /redirect.gif`)
		var paths []string
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(200 * time.Millisecond) {
			paths = paths[:0]
			for _, r := range toTracker(tb.log, hostA) {
				if u, err := url.Parse(r.URL); err == nil {
					paths = append(paths, u.Path)
				}
			}
			if len(missingPaths(paths, want)) == 0 || time.Now().After(deadline) {
				break
			}
		}
		t.Logf("without the middleware Chrome contacts tracker A for: %s", strings.Join(paths, " "))
		// Every vector that Chromium fetches by itself is seen fetching
		// here, so that none of the zeros above is one by default.
		assert.Empty(t, missingPaths(paths, want), "without the middleware Chromium fetches these")
	})
}
