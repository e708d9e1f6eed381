package consent_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/consentgate/consent"
)

func ExampleDefaultPolicy() {
	p := consent.DefaultPolicy()
	fmt.Println("version", p.Version, "of", p.LastUpdated().Format("2 January 2006"))
	for _, c := range p.Categories {
		kind := "may be refused"
		if c.Required {
			kind = "always on"
		}
		if c.ThirdParty {
			kind += ", third party"
		}
		fmt.Printf("%-13s %s (%s)\n", c.ID, c.Name, kind)
	}
	// Output:
	// version 1 of 28 November 2026
	// essential     Essential (always on)
	// analytics     Analytics and performance (may be refused)
	// functionality Functionality (may be refused)
	// targeting     Targeting (may be refused)
	// tracking      Third-party tracking (may be refused, third party)
	// optimization  Third-party optimization (may be refused, third party)
	// partner       Partners (may be refused, third party)
}

func ExampleConsent_Allowed() {
	p := consent.DefaultPolicy()

	// Outside the middleware nothing is allowed; a visitor who has not
	// chosen yet gets the required categories only.
	fmt.Println(consent.FromContext(context.Background()).Allowed(consent.Essential))
	undecided := consent.Undecided(p)
	fmt.Println(undecided.Decided(), undecided.Allowed(consent.Essential), undecided.Allowed(consent.Analytics))

	// A visitor who ticked analytics only, as a handler sees it.
	ctx := consent.NewContext(context.Background(), &consent.Consent{
		ID:            "4f1c0d9a2b7e4e5f8a6b3c2d1e0f9a8b",
		PolicyVersion: p.Version,
		Method:        consent.Custom,
		Granted:       []consent.CategoryID{consent.Essential, consent.Analytics},
	})
	v := consent.FromContext(ctx)
	for _, id := range []consent.CategoryID{consent.Analytics, consent.Targeting} {
		if v.Allowed(id) {
			fmt.Println("render the", id, "snippet")
		} else {
			fmt.Println("leave out", id)
		}
	}
	// Output:
	// false
	// false true false
	// render the analytics snippet
	// leave out targeting
}

func ExampleParseLifetime() {
	for _, s := range []string{"session", "30d", "2w", "13mo", "2y", "36h", "1.5y"} {
		l, err := consent.ParseLifetime(s)
		if err != nil {
			fmt.Println("error:", err)
			continue
		}
		fmt.Printf("%-7s = %-8s %v\n", s, l, l.Duration())
	}
	// Output:
	// session = session  0s
	// 30d     = 1mo      720h0m0s
	// 2w      = 2w       336h0m0s
	// 13mo    = 13mo     9360h0m0s
	// 2y      = 2y       17520h0m0s
	// 36h     = 36h0m0s  36h0m0s
	// error: lifetime "1.5y": want "session", a positive duration such as "24h", or a count of d, w, mo or y
}

func ExamplePolicy_Validate() {
	p := consent.DefaultPolicy()
	p.Categories[0].Required = false // essential cannot be refusable
	p.Cookies = append(p.Cookies, consent.Cookie{Name: "_pk_id.*", Category: "statistics"})
	p.Trackers = append(p.Trackers, consent.Tracker{Name: "Stats", Category: consent.Analytics, Hosts: []string{"https://stats.example.com"}})

	err := p.Validate()
	fmt.Println(errors.Is(err, consent.ErrInvalidPolicy))
	fmt.Println(err)
	// Output:
	// true
	// categories[0].required: the essential category cannot be refused: set required: true
	// categories: no category is required: essential cookies must have one
	// cookies[1].category: unknown category "statistics"
	// trackers[0].hosts[0]: "https://stats.example.com" is not a host name
}
