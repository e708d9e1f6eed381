package middleware

import (
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
