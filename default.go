package consent

import "time"

// DefaultVersion is the version of the policy DefaultPolicy returns.
const DefaultVersion = "1"

// DefaultPolicy returns the policy ConsentGate ships: the seven categories of
// our cookie policy, the consent cookie, and catalog settings that name the
// 17 common analytics, advertising and optimization vendors as used. Their
// trackers and cookies, like every other known third party's, come from the
// catalog (package catalog), which the middleware applies to every policy
// that does not say "catalog: none". Each call returns a fresh copy that
// the caller may change (rename, drop or add categories, declare the site's
// own cookies and trackers) before handing it to the middleware.
func DefaultPolicy() *Policy {
	lt := func(d time.Duration) Lifetime { return Lifetime(d) }
	return &Policy{
		Version: DefaultVersion,
		Revisions: []Revision{{
			Version:  DefaultVersion,
			Date:     DateOf(2026, time.November, 28),
			Summary:  "First published.",
			Material: true,
		}},
		Categories: []Category{
			{ID: Essential, Required: true, Name: "Essential",
				Description: "Needed for the site to work: signing in, keeping your session secure, preventing fraud and remembering your cookie choices. They cannot be switched off."},
			{ID: Analytics, Name: "Analytics and performance",
				Description: "Let us count visits and see how visitors move around the site, so we can improve how it works."},
			{ID: Functionality, Name: "Functionality",
				Description: "Remember choices you make, such as your language or region, to give you a more personal experience."},
			{ID: Targeting, Name: "Targeting", SaleOrSharing: true,
				Description: "Record the pages you visit and the links you follow, to make the site and its advertising more relevant to you."},
			{ID: Tracking, Name: "Third-party tracking", ThirdParty: true, SaleOrSharing: true,
				Description: "Set by other companies to tie what you do on this site to other measurements they hold."},
			{ID: Optimization, Name: "Third-party optimization", ThirdParty: true,
				Description: "Set by other companies to measure conversions across marketing channels and to test changes to the site."},
			{ID: Partner, Name: "Partners", ThirdParty: true, SaleOrSharing: true,
				Description: "Set by our partners to share conversion measurements with them, for example when you arrive from a partner's site."},
		},
		Cookies: []Cookie{
			{Name: "consent", Category: Essential, Lifetime: lt(180 * day),
				Purpose: "Remembers your cookie choices, so we can respect them and do not ask again."},
		},
		// The trackers and their cookies are the catalog's (package
		// catalog), which every policy uses; these are the ones the
		// policy page names as used.
		Catalog: &CatalogSettings{
			Uses: []string{"google-analytics", "google-tag-manager", "google-ads", "meta-pixel", "linkedin-insight",
				"tiktok-pixel", "x-pixel", "youtube", "hotjar", "microsoft-clarity", "mixpanel", "segment",
				"microsoft-advertising", "optimizely", "vwo", "awin", "cj-affiliate"},
		},
	}
}
