package catalog_test

import (
	"fmt"
	"strings"

	"github.com/consentgate/consent"
	"github.com/consentgate/consent/catalog"
)

func ExampleCatalog_Vendor() {
	v, ok := catalog.Default().Vendor("google-analytics")
	fmt.Println(ok, v.Name, "-", v.Category)
	fmt.Println(v.Hosts[0], v.URLs[0])
	fmt.Println(v.Cookies[0].Name, v.Cookies[0].Lifetime, v.Cookies[0].Party)
	// Output:
	// true Google Analytics - analytics
	// google-analytics.com www.googletagmanager.com/gtag/
	// _ga 2y first
}

func ExampleCatalog_Resolve() {
	// A site's own policy with three categories: nothing of the catalog
	// needs declaring, and the rest is blocked until the site maps it.
	p := &consent.Policy{
		Version: "1",
		Categories: []consent.Category{
			{ID: consent.Essential, Name: "Essential", Required: true},
			{ID: consent.Analytics, Name: "Statistics"},
			{ID: "ads", Name: "Advertising"},
		},
		Catalog: &consent.CatalogSettings{
			Categories: map[string]consent.CategoryID{"advertising": "ads", "social": "ads", "video": "ads"},
			Vendors:    map[string]consent.CategoryID{"hotjar": "ads"},
			Uses:       []string{"google-analytics", "meta-pixel"},
		},
	}
	r, err := catalog.Default().Resolve(p)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, id := range []string{"google-analytics", "meta-pixel", "hotjar", "google-tag-manager", "intercom"} {
		v, _ := catalog.Default().Vendor(id)
		fmt.Printf("%s (%s) → %s\n", id, v.Category, r.CategoryOf(v))
	}
	for _, v := range r.Used {
		fmt.Println("used:", v.Name)
	}
	var unmapped []string
	for _, u := range r.Unmapped {
		unmapped = append(unmapped, string(u.Category))
	}
	fmt.Println("blocked for everyone:", strings.Join(unmapped, ", "))

	p.Catalog.Exclude = []string{"no-such-vendor"}
	_, err = catalog.Default().Resolve(p)
	fmt.Println(err)
	// Output:
	// google-analytics (analytics) → analytics
	// meta-pixel (social) → ads
	// hotjar (session-replay) → ads
	// google-tag-manager (tag-manager) → (unmapped)
	// intercom (customer-chat) → (unmapped)
	// used: Google Analytics
	// used: Meta Pixel
	// used: Hotjar
	// blocked for everyone: tag-manager, content-recommendation, affiliate, ab-testing, customer-chat, marketing-automation, feedback, consent-sharing, maps
	// catalog.exclude[0]: no vendor "no-such-vendor" in the catalog
}
