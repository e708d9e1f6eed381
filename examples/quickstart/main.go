// Command quickstart is the README's quick start as a program: the
// middleware and the cookie keys, nothing else. Its dependencies are what
// every app that uses ConsentGate links (see lean_test.go: no database
// driver among them).
//
//	CONSENT_HASH_KEY=… CONSENT_BLOCK_KEY=… go run ./examples/quickstart
package main

import (
	"log"
	"net/http"
	"os"

	"github.com/consentgate/consent"
	"github.com/consentgate/consent/middleware"
	"github.com/consentgate/consent/store"
)

func main() {
	policy := consent.DefaultPolicy()
	policy.Cookies = append(policy.Cookies, consent.Cookie{
		Name: "session", Category: consent.Essential, Purpose: "Keeps you signed in.",
	})
	keys, err := store.ParseKeyPairs(os.Getenv("CONSENT_HASH_KEY"), os.Getenv("CONSENT_BLOCK_KEY"))
	if err != nil {
		log.Fatal(err)
	}
	mw, err := middleware.New(policy, middleware.Keys(keys...))
	if err != nil {
		log.Fatal(err) // a bad policy or option is reported here, naming the field
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte("<!doctype html><title>Hello</title><h1>Hello</h1>"))
	})
	log.Fatal(http.ListenAndServe("127.0.0.1:8080", mw.Handler(mux)))
}
