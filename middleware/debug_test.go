package middleware

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestDebugListsWhatWasRemoved(t *testing.T) {
	m, logs := newTestMiddleware(t, Debug(true))
	page := trackerPage + `<img src="https://pixel.example-ads.net/p.gif" width="1" height="1">`
	rec := get(m, htmlHandler(page), "/shop")
	got := rec.Header().Get(DebugHeader)
	for _, want := range []string{"script www.googletagmanager.com", "script connect.facebook.net", "img www.facebook.com", "img pixel.example-ads.net (undeclared beacon)"} {
		assert.Contains(t, got, want)
	}
	assert.Contains(t, rec.Body.String(), bannerMark)
	assert.NotContains(t, rec.Body.String(), metaLoader)
	assert.Contains(t, logs.String(), "consent: rewrote page")
	assert.Contains(t, logs.String(), "path=/shop")

	t.Run("deferred tags are marked", func(t *testing.T) {
		m, _ := newTestMiddleware(t, Debug(true), TagMode(Defer))
		got := get(m, htmlHandler(trackerPage), "/").Header().Get(DebugHeader)
		assert.Contains(t, got, "script www.googletagmanager.com (deferred)")
	})
	t.Run("off by default", func(t *testing.T) {
		m, _ := newTestMiddleware(t)
		assert.Empty(t, get(m, htmlHandler(trackerPage), "/").Header().Get(DebugHeader))
	})
	t.Run("nothing removed, no header", func(t *testing.T) {
		rec := get(m, htmlHandler(`<body><p>plain</p>`), "/")
		assert.Empty(t, rec.Header().Get(DebugHeader))
		assert.True(t, strings.HasPrefix(rec.Body.String(), "<body><style>"))
	})
}

// A page with thousands of pixels still gets a response head browsers
// accept: the header lists what fits and sums up the rest.
func TestDebugHeaderIsCapped(t *testing.T) {
	m, logs := newTestMiddleware(t, Debug(true))
	var page strings.Builder
	page.WriteString("<body>")
	for i := range 3000 {
		fmt.Fprintf(&page, `<img src="https://px%d.example-ads.net/p.gif" width="1" height="1">`, i)
		page.WriteString(`<script src="https://www.googletagmanager.com/gtm.js"></script>`)
	}
	rec := get(m, htmlHandler(page.String()), "/many")
	got := rec.Header().Get(DebugHeader)
	assert.LessOrEqual(t, len(got), maxDebugHeaderBytes)
	assert.Contains(t, got, "script www.googletagmanager.com x3000", "repeats are counted, not repeated")
	assert.Regexp(t, `; and \d+ more \(6000 removals in all\)$`, got)
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.NotContains(t, rec.Body.String(), "px2999.example-ads.net")
	assert.True(t, strings.Contains(logs.String(), "px200.example-ads.net"), "the log lists more than the header")
}
