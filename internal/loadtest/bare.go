package main

import (
	"fmt"
	"io"
	"net/http"

	"github.com/consentgate/consent/middleware"
)

// The demo builds its routes behind the middleware only (site.New wraps
// them, and the templates need the middleware's prefix), so the baseline is
// the next closest thing: the demo's pages as an accepted visitor gets them,
// captured once and served from memory. It therefore also leaves out the
// demo's routing and template rendering, which the ratio charges to the
// middleware.
const bareNote = "bare: the demo's pages as an accepted visitor gets them, captured once and served by a plain handler " +
	"(the demo builds its routes only behind the middleware), so the ratio also counts the demo's routing and templates"

// captured is one page as the middleware served it.
type captured struct {
	header http.Header
	body   []byte
}

// capture fetches every page as v, an accepted visitor of p, gets it.
func capture(p *pool, v *visitor) (map[string]captured, error) {
	out := map[string]captured{}
	for _, pg := range pages {
		resp, err := v.client.Do(p.pageRequest(pg))
		if err != nil {
			return nil, err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("capturing %s: status %d", pg.path, resp.StatusCode)
		}
		if err := checkPage(body, accepted, pg); err != nil {
			return nil, fmt.Errorf("capturing: %w", err)
		}
		h := resp.Header.Clone()
		h.Del("Date")           // the server sets its own
		h.Del("Content-Length") // and counts the body it writes
		out[pg.path] = captured{header: h, body: body}
	}
	return out, nil
}

// bareHandler serves the captured pages to everyone, and answers consent
// POSTs with the endpoint's redirect without deciding anything, so that the
// bare run has the same mix of requests.
func bareHandler(shots map[string]captured) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == middleware.DefaultPrefix {
			w.Header().Set("Location", middleware.SafeReturn(r.PostFormValue("return")))
			w.WriteHeader(http.StatusSeeOther)
			return
		}
		pg, ok := shots[r.URL.Path]
		if !ok || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
			http.NotFound(w, r)
			return
		}
		for k, v := range pg.header {
			w.Header()[k] = v
		}
		_, _ = w.Write(pg.body)
	})
}
