package middleware_test

import (
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/consentgate/consent"
	"github.com/consentgate/consent/middleware"
	"github.com/consentgate/consent/store"
)

// A browser reports that a page's script contacted a host the policy does
// not know. The inventory lists it, and the drafted policy holds it as
// "undecided" for the site owner to classify before enforcing.
func ExampleInventory_CSPReports() {
	keys := store.KeyPair{Hash: []byte(strings.Repeat("k", 32))}
	mw, err := middleware.New(consent.DefaultPolicy(), middleware.Keys(keys), middleware.CSP(middleware.CSPReport))
	if err != nil {
		log.Fatal(err)
	}
	report := `[{"type":"csp-violation","url":"https://shop.example/cart","body":{
		"documentURL":"https://shop.example/cart?id=7","blockedURL":"https://api.chat-widget.example/v1/hello",
		"effectiveDirective":"connect-src","disposition":"report"}}]`
	req := httptest.NewRequest(http.MethodPost, "/consent/csp-report", strings.NewReader(report))
	req.Header.Set("Content-Type", "application/reports+json")
	rec := httptest.NewRecorder()
	mw.Handler(http.NotFoundHandler()).ServeHTTP(rec, req)
	fmt.Println("answer:", rec.Code)

	inv := mw.Inventory()
	for _, r := range inv.CSPReports {
		fmt.Println(r.Host, r.Directive, r.Disposition, r.Paths)
	}
	for _, t := range inv.Draft(mw.Policy()).Trackers {
		if t.Category == consent.Placeholder {
			fmt.Println("to decide:", t.Hosts)
		}
	}
	// Output:
	// answer: 204
	// api.chat-widget.example connect-src report [/cart]
	// to decide: [api.chat-widget.example]
}
