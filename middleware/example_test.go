package middleware_test

import (
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/consentgate/consent"
	"github.com/consentgate/consent/middleware"
	"github.com/consentgate/consent/store"
)

// A site sets its session cookie and Google Analytics' _ga cookie on every
// page. Until the visitor accepts analytics, only the session cookie reaches
// the browser.
func Example() {
	policy := consent.DefaultPolicy()
	policy.Cookies = append(policy.Cookies, consent.Cookie{
		Name: "session", Category: consent.Essential, Purpose: "Keeps you signed in.",
	})
	// Real keys come from configuration: see store.ParseKeyPairs.
	keys := store.KeyPair{Hash: []byte(strings.Repeat("k", 32))}
	mw, err := middleware.New(policy, middleware.Keys(keys))
	if err != nil {
		log.Fatal(err)
	}
	site := mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "session", Value: "s1"})
		http.SetCookie(w, &http.Cookie{Name: "_ga", Value: "GA1.1.42"})
		fmt.Fprintln(w, "analytics allowed:", consent.FromContext(r.Context()).Allowed(consent.Analytics))
	}))

	visit := func(cookies []*http.Cookie) {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		for _, c := range cookies {
			req.AddCookie(c)
		}
		rec := httptest.NewRecorder()
		site.ServeHTTP(rec, req)
		fmt.Print(rec.Body.String())
		fmt.Println("cookies set:", rec.Header().Values("Set-Cookie"))
	}
	visit(nil)

	// The visitor ticks "analytics" on the preferences page.
	form := url.Values{"action": {"save"}, "category": {"analytics"}}
	req := httptest.NewRequest(http.MethodPost, "/consent", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	site.ServeHTTP(rec, req)
	fmt.Println(rec.Code, rec.Header().Get("Location"))

	visit(rec.Result().Cookies())
	// Output:
	// analytics allowed: false
	// cookies set: [session=s1]
	// 303 /
	// analytics allowed: true
	// cookies set: [session=s1 _ga=GA1.1.42]
}

// The browser enforces the visitor's consent too: a page gets a
// Content-Security-Policy that allows the site, the services its policy
// declares, and the trackers of granted categories only.
func ExampleCSP() {
	policy := &consent.Policy{
		Version: "1",
		Categories: []consent.Category{
			{ID: consent.Essential, Name: "Essential", Required: true},
			{ID: consent.Analytics, Name: "Analytics"},
		},
		Trackers: []consent.Tracker{{Name: "Matomo", Category: consent.Analytics, Hosts: []string{"stats.example.net"}}},
		Services: []consent.Service{{Name: "Fonts", Purpose: "Serves the site's typefaces.", Hosts: []string{"fonts.example.org"}}},
	}
	keys := store.KeyPair{Hash: []byte(strings.Repeat("k", 32))}
	mw, err := middleware.New(policy, middleware.Keys(keys), middleware.CSP(middleware.CSPEnforce))
	if err != nil {
		log.Fatal(err)
	}
	page := mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<!doctype html><title>Shop</title><p>Hello")
	}))
	rec := httptest.NewRecorder()
	page.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "https://shop.example/", nil))
	for _, directive := range strings.Split(rec.Header().Get("Content-Security-Policy"), "; ") {
		fmt.Println(directive)
	}
	fmt.Println(rec.Header().Get("Reporting-Endpoints"))
	// Output:
	// default-src 'self' fonts.example.org:* *.fonts.example.org:* wss://fonts.example.org:* wss://*.fonts.example.org:* data: blob: 'unsafe-inline' 'unsafe-eval'
	// report-uri /consent/csp-report
	// report-to consentgate
	// consentgate="/consent/csp-report"
}
