package store_test

import (
	"fmt"

	"github.com/consentgate/consent/store"
)

func ExampleNewPseudonymizer() {
	// The key comes from configuration, like the cookie keys.
	key, err := store.ParseKey("6368616e676520746869732070617373776f726420746f206120736563726574")
	if err != nil {
		panic(err)
	}
	hashed, err := store.NewPseudonymizer(store.PseudonymConfig{IP: store.IPHash, Key: key})
	if err != nil {
		panic(err)
	}
	var truncated *store.Pseudonymizer // nil: the defaults
	fmt.Println(truncated.IP("198.51.100.77"))
	fmt.Println(truncated.IP("[2001:db8:abcd:12::1]:443"))
	fmt.Println(hashed.IP("198.51.100.77")[:28] + "…")
	fmt.Println(hashed.IP("198.51.100.77") == hashed.IP("198.51.100.77:5555"))
	// Output:
	// 198.51.100.0/24
	// 2001:db8:abcd::/48
	// hmac-sha256:4222b24b64c6152a…
	// true
}
