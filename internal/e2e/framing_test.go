//go:build e2e

package e2e

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestConsentPagesCannotBeFramed frames the preferences, policy and changes
// pages from another origin of the same site (another port of 127.0.0.1:
// cookies with SameSite=Lax would go along, as from a sibling subdomain):
// Chromium refuses to render them, so no one can get a visitor's click on a
// disguised consent page. The site's own pages may still frame them.
func TestConsentPagesCannotBeFramed(t *testing.T) {
	s := newSite(t)
	// The changes page is served the same way (TestPageRoutes checks its
	// header); the test policy has no revisions to compare.
	for _, path := range []string{"/consent/preferences", "/consent/policy"} {
		t.Run(path, func(t *testing.T) {
			framer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				_, _ = io.WriteString(w, `<!doctype html><title>framer</title><body><iframe id="f" src="`+s.URL(path)+`"></iframe></body>`)
			}))
			t.Cleanup(framer.Close)
			other := &site{srv: framer}
			tb := newTab(t, other)
			tb.navigate("/")
			deadline := time.Now().Add(5 * time.Second)
			refused := false
			for !refused && time.Now().Before(deadline) {
				for _, m := range tb.log.Messages() {
					if strings.Contains(m, "frame-ancestors") {
						refused = true
					}
				}
				time.Sleep(50 * time.Millisecond)
			}
			assert.True(t, refused, "Chromium reports the refused frame (frame-ancestors); messages: %v", tb.log.Messages())
			// The frame holds Chromium's error page, not ours: its
			// document is not reachable as our page's would be.
			rendered := eval[bool](tb, `(() => { try { return !!document.getElementById("f").contentDocument.querySelector("form"); } catch (e) { return false; } })()`)
			assert.False(t, rendered, "the consent page rendered in another origin's frame")

			// The site itself may frame its own consent pages.
			own := newTab(t, s)
			own.navigate("/")
			ok := eval[bool](own, `new Promise(res => { const f = document.createElement("iframe"); f.onload = () => { try { res(!!f.contentDocument.querySelector("main, form")); } catch (e) { res(false); } }; f.src = "`+path+`"; document.body.appendChild(f); })`)
			assert.True(t, ok, "a same-origin frame of the consent page renders")
		})
	}
}
