package middleware

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// A range of a page that is rewritten would be the handler's bytes,
// trackers included: such a request gets the whole rewritten page. Media
// ranges, and pages left as they are, keep their ranges.
func TestRangeRequestsGetTheRewrittenPage(t *testing.T) {
	m, _ := newTestMiddleware(t, SettingsControl(false))
	accepted := decide(t, m, acceptAll())
	modtime := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	page := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "page.html", modtime, strings.NewReader(trackerPage))
	})
	video := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "clip.mp4", modtime, strings.NewReader(strings.Repeat("v", 1000)))
	})

	for _, header := range []map[string]string{
		{"Range": "bytes=0-99"},
		{"Range": "bytes=0-99", "Sec-Fetch-Dest": "document"},
		{"Range": "bytes=100-", "If-Range": modtime.Format(http.TimeFormat)},
	} {
		rec := getWithHeader(m, page, header)
		assert.Equal(t, http.StatusOK, rec.Code, "%v", header)
		assert.Contains(t, rec.Body.String(), bannerMark)
		assert.NotContains(t, rec.Body.String(), metaLoader)
		assert.Empty(t, rec.Header().Get("Content-Range"))
		assert.Empty(t, rec.Header().Get("Accept-Ranges"))
	}
	t.Run("a video player's range", func(t *testing.T) {
		rec := getWithHeader(m, video, map[string]string{"Range": "bytes=0-9", "Sec-Fetch-Dest": "video"})
		assert.Equal(t, http.StatusPartialContent, rec.Code)
		assert.Equal(t, "vvvvvvvvvv", rec.Body.String())
	})
	t.Run("a page left as it is", func(t *testing.T) {
		rec := getWithHeader(m, page, map[string]string{"Range": "bytes=0-9"}, accepted)
		assert.Equal(t, http.StatusPartialContent, rec.Code)
		assert.Equal(t, trackerPage[:10], rec.Body.String())
	})
	t.Run("a stray Content-Range on a 200", func(t *testing.T) {
		rec := get(m, htmlHandler(trackerPage, "Content-Range", "bytes 0-99/1000"), "/")
		assert.Equal(t, http.StatusOK, rec.Code)
		assert.Contains(t, rec.Body.String(), bannerMark)
		assert.NotContains(t, rec.Body.String(), metaLoader)
		assert.Empty(t, rec.Header().Get("Content-Range"))
	})
}
