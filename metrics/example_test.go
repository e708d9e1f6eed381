package metrics_test

import (
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/consentgate/consent"
	"github.com/consentgate/consent/metrics"
	"github.com/consentgate/consent/middleware"
	"github.com/consentgate/consent/store"
)

// A site registers the middleware's collector and serves /metrics on an
// internal listener. A visitor who has not decided gets a page without
// its Google Analytics tag, and the scrape shows it.
func ExampleNewCollector() {
	keys := store.KeyPair{Hash: []byte(strings.Repeat("k", 32))}
	mw, err := middleware.New(consent.DefaultPolicy(), middleware.Keys(keys))
	if err != nil {
		log.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(metrics.NewCollector(mw))
	internal := promhttp.HandlerFor(reg, promhttp.HandlerOpts{})

	site := mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<html><head><script src="https://www.googletagmanager.com/gtag/js?id=G-1"></script></head><body></body></html>`)
	}))
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("Accept", "text/html")
	site.ServeHTTP(httptest.NewRecorder(), req)

	rec := httptest.NewRecorder()
	internal.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	for line := range strings.Lines(rec.Body.String()) {
		if strings.HasPrefix(line, "consentgate_requests_total") ||
			strings.HasPrefix(line, `consentgate_tags_removed_total{category="analytics",tracker="Google Analytics"}`) {
			fmt.Print(line)
		}
	}
	// Output:
	// consentgate_requests_total{state="accept-all"} 0
	// consentgate_requests_total{state="partial"} 0
	// consentgate_requests_total{state="undecided"} 1
	// consentgate_tags_removed_total{category="analytics",tracker="Google Analytics"} 1
}
