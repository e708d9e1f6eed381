//go:build e2e

package e2e

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestContentTypesChromiumRendersAsHTML serves the test page with the
// Content-Type forms on which browsers render HTML although a naive
// reading says otherwise. On a bare server Chromium renders each as a page
// and contacts the tracker (the baseline, in the same run); behind the
// middleware an undecided visitor's Chromium contacts none.
func TestContentTypesChromiumRendersAsHTML(t *testing.T) {
	forms := []struct {
		name  string
		types []string // nil: no Content-Type field at all
	}{
		{"no Content-Type", nil},
		{"*/*", []string{"*/*"}},
		{"unknown/unknown", []string{"unknown/unknown"}},
		{"two fields, html last", []string{"text/plain", "text/html"}},
		{"a list, html last", []string{"text/plain, text/html"}},
	}
	guarded := newSite(t)
	for _, f := range forms {
		t.Run(f.name, func(t *testing.T) {
			page := func(w http.ResponseWriter, r *http.Request) {
				w.Header()["Content-Type"] = f.types
				w.Header().Set("Cache-Control", "no-store")
				_, _ = io.WriteString(w, "\n") // a template's leading newline, flushed alone
				w.(http.Flusher).Flush()
				body := strings.NewReplacer("TITLE", f.name, "TRACKER_A", guarded.a.Origin(), "TRACKER_B", guarded.b.Origin(), "NONCE", "").Replace(pageHTML)
				_, _ = io.WriteString(w, body)
			}
			bare := &site{srv: httptest.NewServer(http.HandlerFunc(page))}
			t.Cleanup(bare.srv.Close)
			before := len(guarded.a.Hits())
			tb := newTab(t, bare)
			tb.navigate("/")
			waitHits(t, guarded.a, "/t.js")
			assert.Greater(t, len(guarded.a.Hits()), before, "Chromium renders it as a page and loads the tracker")

			behind := &site{srv: httptest.NewServer(guarded.mw.Handler(http.HandlerFunc(page)))}
			t.Cleanup(behind.srv.Close)
			before = len(guarded.a.Hits())
			tg := newTab(t, behind)
			tg.navigate("/")
			settle()
			assert.True(t, tg.present(selBanner), "the page has the banner")
			assert.Equal(t, before, len(guarded.a.Hits()), "no tracker contacted behind the middleware")
		})
	}
}
