package site

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// A fakeTracker is a stand-in for a third party: a real HTTP server on its
// own loopback port, so that it is another origin, reached by a name under
// .localhost (which browsers resolve to loopback). It serves a script, a
// pixel and a frame, sets its own cookie, and records every request.
type fakeTracker struct {
	name, label string // host label ("analytics") and what it stands for
	origin      string // http://analytics.localhost:PORT
	srv         *http.Server
	hits        *hitLog
}

// Hit is one request a fake tracker received.
type Hit struct {
	Time    time.Time `json:"time"`
	Tracker string    `json:"tracker"`
	Method  string    `json:"method"`
	Path    string    `json:"path"`
	Referer string    `json:"referer,omitempty"`
	Cookies string    `json:"cookies,omitempty"`
}

// hitLog keeps the latest hits of every fake tracker, newest last.
type hitLog struct {
	mu   sync.Mutex
	hits []Hit
	log  *slog.Logger
}

const maxHits = 500

func (l *hitLog) add(h Hit) {
	l.mu.Lock()
	if len(l.hits) == maxHits {
		l.hits = slices.Delete(l.hits, 0, 1)
	}
	l.hits = append(l.hits, h)
	l.mu.Unlock()
	l.log.Info("tracker contacted", "tracker", h.Tracker, "method", h.Method, "path", h.Path, "cookies", h.Cookies)
}

// All returns the hits, newest first.
func (l *hitLog) All() []Hit {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := slices.Clone(l.hits)
	slices.Reverse(out)
	return out
}

// startTracker starts a fake third party on a free loopback port.
func startTracker(name, label string, hits *hitLog) (*fakeTracker, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	t := &fakeTracker{name: name, label: label, hits: hits}
	t.origin = fmt.Sprintf("http://%s.localhost:%d", name, ln.Addr().(*net.TCPAddr).Port)
	t.srv = &http.Server{Handler: t, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = t.srv.Serve(ln) }()
	return t, nil
}

func (t *fakeTracker) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var cookies []string
	for _, c := range r.Cookies() {
		cookies = append(cookies, c.Name)
	}
	t.hits.add(Hit{Time: time.Now(), Tracker: t.name + ".localhost", Method: r.Method, Path: r.URL.RequestURI(),
		Referer: r.Referer(), Cookies: strings.Join(cookies, " ")})
	// A third party's own identifier: what consent is there to prevent.
	http.SetCookie(w, &http.Cookie{Name: "_" + t.name + "_id", Value: "demo-visitor-1", Path: "/", MaxAge: 365 * 86400})
	w.Header().Set("Cache-Control", "no-store")
	switch {
	case strings.HasSuffix(r.URL.Path, ".js"):
		w.Header().Set("Content-Type", "text/javascript")
		// Like real tags: report the page view with a beacon.
		fmt.Fprintf(w, "(function(){var i=new Image();i.src=%q+'/collect?page='+encodeURIComponent(location.pathname);console.log(%q)})();\n",
			t.origin, t.label+" loaded")
	case strings.HasPrefix(r.URL.Path, "/embed"), strings.HasPrefix(r.URL.Path, "/ns.html"):
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<!doctype html><title>%s</title><body style=\"margin:0;font:14px system-ui;background:#222;color:#eee;display:grid;place-items:center;height:100vh\"><p>%s (a third-party frame)</p>", t.label, t.label)
	default: // pixels and beacons
		w.Header().Set("Content-Type", "image/gif")
		_, _ = w.Write(pixelGIF)
	}
}

// pixelGIF is a transparent 1×1 GIF.
var pixelGIF = []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")

func (t *fakeTracker) close() { _ = t.srv.Close() }
