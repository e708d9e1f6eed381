package middleware

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A visitor requesting made-up paths cannot fill the per-page report:
// error pages share one entry per status, routes one entry per route, and
// a full table makes room by the page seen least recently, so pages real
// visitors keep viewing stay.
func TestInventoryPagesResistMadeUpPaths(t *testing.T) {
	m, _ := newTestMiddleware(t)
	mux := http.NewServeMux()
	mux.Handle("GET /courses/{slug}", htmlHandler(trackerPage))
	mux.Handle("GET /blog/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		Route(w, "/blog/{post}")
		htmlHandler(trackerPage).ServeHTTP(w, r)
	}))
	mux.Handle("GET /shop", htmlHandler(trackerPage))
	mux.Handle("GET /any/", htmlHandler(trackerPage)) // a catch-all: every path a page
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(trackerPage)) // a 404 page with the site's tags
	}))
	h := m.Handler(mux)
	serveGET := func(path string) {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, path, nil))
	}
	for i := range 3 * MaxInventoryPages {
		serveGET(fmt.Sprintf("/no-such-page-%d", i))
		serveGET(fmt.Sprintf("/courses/course-%d", i))
		serveGET(fmt.Sprintf("/blog/post-%d", i))
		serveGET(fmt.Sprintf("/any/made-up-%d", i))
		if i%50 == 0 {
			serveGET("/shop") // a real page, viewed all along
		}
	}
	pages := map[string]int64{}
	for _, p := range m.Inventory().Pages {
		pages[p.Path] = p.Views
	}
	require.LessOrEqual(t, len(pages), MaxInventoryPages)
	assert.Equal(t, int64(3*MaxInventoryPages), pages["(404 Not Found)"], "every error page in one entry")
	assert.Equal(t, int64(3*MaxInventoryPages), pages["GET /courses/{slug}"], "a ServeMux route with a wildcard is one page")
	assert.Equal(t, int64(3*MaxInventoryPages), pages["/blog/{post}"], "a route the handler names is one page")
	assert.Contains(t, pages, "/shop", "a page real visitors keep viewing stays")
	assert.Contains(t, pages, fmt.Sprintf("/any/made-up-%d", 3*MaxInventoryPages-1), "the most recent pages are kept")
	assert.NotContains(t, pages, "/any/made-up-0", "the oldest made room")
	assert.Positive(t, m.Inventory().Dropped.Pages)
}
