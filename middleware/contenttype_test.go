package middleware

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// "Is this HTML?" is decided as the browser decides it: the last valid type
// of every Content-Type field and comma list, and sniffing where the type is
// missing or unknown (unless nosniff forbids it).
func TestContentTypeAsBrowsersReadIt(t *testing.T) {
	m, _ := newTestMiddleware(t)
	tests := []struct {
		name    string
		types   []string // Content-Type field values; nil: none at all
		nosniff bool
		rewrite bool
	}{
		{"html", []string{"text/html; charset=utf-8"}, false, true},
		{"upper case", []string{"TEXT/HTML"}, false, true},
		{"xhtml", []string{"application/xhtml+xml"}, false, true},
		{"two fields, html last", []string{"text/plain", "text/html"}, false, true},
		{"two fields, html first", []string{"text/html", "text/plain"}, false, false},
		{"a list, html last", []string{"text/plain, text/html"}, false, true},
		{"a list, html first", []string{"text/html, text/plain"}, false, false},
		{"a comma in a quoted parameter", []string{`text/plain; x="a,text/html", text/html`}, false, true},
		{"invalid last entry ignored", []string{"text/html, nonsense"}, false, true},
		{"missing", nil, false, true},
		{"missing, nosniff: net/http sniffs anyway", nil, true, true},
		{"empty", []string{""}, false, true},
		{"*/*", []string{"*/*"}, false, true},
		{"unknown/unknown", []string{"unknown/unknown"}, false, true},
		{"application/unknown", []string{"application/unknown"}, false, true},
		{"not a type", []string{"garbage"}, false, true},
		{"*/*, nosniff", []string{"*/*"}, true, false},
		{"plain text", []string{"text/plain"}, false, false},
		{"json", []string{"application/json"}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.types != nil {
					w.Header()["Content-Type"] = tt.types
				}
				if tt.nosniff {
					w.Header().Set("X-Content-Type-Options", "nosniff")
				}
				_, _ = io.WriteString(w, trackerPage)
			})
			body := get(m, h, "/").Body.String()
			if tt.rewrite {
				assert.Contains(t, body, bannerMark)
				assert.NotContains(t, body, metaLoader)
			} else {
				assert.Equal(t, trackerPage, body, "left as it is")
			}
		})
	}
}

// An untyped page is held until 512 bytes or its end, however often the
// handler (or a reverse proxy after every read) flushes.
func TestSniffingHoldsThroughFlushes(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Content-Type"] = nil // sent without a type
		// A template's leading newline, flushed alone: sniffed on its own
		// it is text/plain.
		_, _ = io.WriteString(w, "\n")
		w.(http.Flusher).Flush()
		for _, piece := range strings.SplitAfter(trackerPage, ">") {
			_, _ = io.WriteString(w, piece)
			w.(http.Flusher).Flush()
			time.Sleep(time.Millisecond)
		}
	}))
	defer upstream.Close()
	target, _ := url.Parse(upstream.URL)
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.FlushInterval = -1
	m, _ := newTestMiddleware(t)
	proxy := httptest.NewServer(m.Handler(rp))
	defer proxy.Close()
	resp, err := http.Get(proxy.URL)
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	assert.Contains(t, string(body), bannerMark)
	assert.NotContains(t, string(body), metaLoader)
	assert.Contains(t, resp.Header.Get("Content-Type"), "text/html")
}

func TestMediaType(t *testing.T) {
	for in, want := range map[string]string{
		"text/html":                        "text/html",
		" Text/HTML ; charset=utf-8":       "text/html",
		"text/plain, text/html;q=1":        "text/html",
		`text/html; a="x,y"`:               "text/html",
		`text/html; a="x\",text/plain"`:    "text/html",
		"text/html, /":                     "text/html",
		"":                                 "",
		"html":                             "",
		"text/":                            "",
		"te xt/html":                       "",
		"application/xhtml+xml; charset=x": "application/xhtml+xml",
	} {
		assert.Equal(t, want, mediaType([]string{in}), in)
	}
}
