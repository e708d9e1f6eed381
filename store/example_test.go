package store_test

import (
	"fmt"
	"net/http"
	"time"

	"github.com/consentgate/consent"
	"github.com/consentgate/consent/store"
)

func ExampleNewCodec() {
	// Keys come from configuration: "openssl rand -hex 32" prints one.
	hashKey, err := store.ParseKey("6368616e676520746869732070617373776f726420746f206120736563726574")
	if err != nil {
		panic(err)
	}
	blockKey, err := store.ParseKey("YW4gZXhhbXBsZSAzMi1ieXRlIEFFUyBibG9jayBrZXk=")
	if err != nil {
		panic(err)
	}
	now := time.Date(2026, time.December, 1, 12, 0, 0, 0, time.UTC)
	codec, err := store.NewCodec(
		[]store.KeyPair{{Hash: hashKey, Block: blockKey}},
		store.HostPrefix(),
		store.Clock(func() time.Time { return now }), // for a stable example
	)
	if err != nil {
		panic(err)
	}

	p := consent.DefaultPolicy()
	cookie, err := codec.Encode(p, &consent.Consent{
		ID:            store.NewID(),
		PolicyVersion: p.Version,
		Method:        consent.Custom,
		Granted:       []consent.CategoryID{consent.Analytics},
		Given:         now,
		Updated:       now,
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(cookie.Name, cookie.MaxAge, cookie.Secure, cookie.HttpOnly, cookie.SameSite == http.SameSiteLaxMode)

	// On the next request the cookie comes back.
	v, rotated, err := codec.DecodeValue(cookie.Value, p)
	fmt.Println(v.Method, v.Granted, rotated, err)
	fmt.Println(v.Allowed(consent.Analytics), v.Allowed(consent.Targeting))

	// Tampered cookies mean "no decision yet".
	_, _, err = codec.DecodeValue(cookie.Value[:len(cookie.Value)-4], p)
	fmt.Println(err)
	// Output:
	// __Host-consent 15552000 true true true
	// custom [essential analytics] false <nil>
	// true false
	// store: invalid consent cookie
}
