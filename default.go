package consent

import "time"

// DefaultVersion is the version of the policy DefaultPolicy returns.
const DefaultVersion = "1"

// DefaultPolicy returns the policy ConsentGate ships: the seven categories of
// our cookie policy, a cookies table of the well-known tracker cookies, and
// tracker declarations for the common analytics, advertising and
// optimization vendors. Each call returns a fresh copy that the caller may
// change (rename, drop or add categories, declare the site's own cookies)
// before handing it to the middleware.
func DefaultPolicy() *Policy {
	const (
		months = 30 * day
	)
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

			{Name: "_ga", Provider: "Google Analytics", Category: Analytics, Lifetime: lt(2 * year),
				Purpose: "Tells visitors apart, to count visits."},
			{Name: "_ga_*", Provider: "Google Analytics", Category: Analytics, Lifetime: lt(2 * year),
				Purpose: "Keeps the state of a visit for Google Analytics 4."},
			{Name: "_gid", Provider: "Google Analytics", Category: Analytics, Lifetime: lt(day),
				Purpose: "Tells visitors apart for 24 hours."},
			{Name: "_gat*", Provider: "Google Analytics", Category: Analytics, Lifetime: lt(time.Minute),
				Purpose: "Limits how often requests are sent to Google Analytics."},
			{Name: "_hj*", Provider: "Hotjar", Category: Analytics, Lifetime: lt(year),
				Purpose: "Records how visitors use pages (heatmaps and recordings)."},
			{Name: "_clck", Provider: "Microsoft Clarity", Category: Analytics, Lifetime: lt(year),
				Purpose: "Keeps a Clarity user ID across visits."},
			{Name: "_clsk", Provider: "Microsoft Clarity", Category: Analytics, Lifetime: lt(day),
				Purpose: "Joins page views into one Clarity session recording."},
			{Name: "mp_*", Provider: "Mixpanel", Category: Analytics, Lifetime: lt(year),
				Purpose: "Keeps a Mixpanel visitor ID and event properties."},

			{Name: "_gcl_*", Provider: "Google Ads", Category: Targeting, Lifetime: lt(3 * months),
				Purpose: "Links ad clicks to actions on this site."},
			{Name: "IDE", Provider: "doubleclick.net", Category: Targeting, Lifetime: lt(13 * months),
				Purpose: "Used by Google to show and measure ads."},
			{Name: "_fbp", Provider: "Meta", Category: Targeting, Lifetime: lt(3 * months),
				Purpose: "Identifies the browser for Meta's advertising."},
			{Name: "_fbc", Provider: "Meta", Category: Targeting, Lifetime: lt(3 * months),
				Purpose: "Stores the last Facebook ad click."},
			{Name: "fr", Provider: "facebook.com", Category: Targeting, Lifetime: lt(3 * months),
				Purpose: "Used by Meta to deliver and measure ads."},
			{Name: "li_*", Provider: "LinkedIn", Category: Targeting, Lifetime: lt(3 * months),
				Purpose: "Used by LinkedIn Insight to measure and target ads."},
			{Name: "_ttp", Provider: "TikTok", Category: Targeting, Lifetime: lt(13 * months),
				Purpose: "Measures and improves TikTok ads."},
			{Name: "muc_ads", Provider: "X (Twitter)", Category: Targeting, Lifetime: lt(2 * year),
				Purpose: "Used by X to measure and target ads."},
			{Name: "VISITOR_INFO1_LIVE", Provider: "youtube.com", Category: Targeting, Lifetime: lt(6 * months),
				Purpose: "Estimates bandwidth and tracks viewing of embedded videos."},
			{Name: "YSC", Provider: "youtube.com", Category: Targeting,
				Purpose: "Counts views of embedded videos."},

			{Name: "ajs_*", Provider: "Segment", Category: Tracking, Lifetime: lt(year),
				Purpose: "Identifies the visitor to Segment, which forwards events to other tools."},

			{Name: "_uetsid", Provider: "Microsoft Advertising", Category: Optimization, Lifetime: lt(day),
				Purpose: "Tracks conversions from Microsoft (Bing) ads during a day."},
			{Name: "_uetvid", Provider: "Microsoft Advertising", Category: Optimization, Lifetime: lt(13 * months),
				Purpose: "Tracks conversions from Microsoft (Bing) ads across visits."},
			{Name: "optimizely*", Provider: "Optimizely", Category: Optimization, Lifetime: lt(6 * months),
				Purpose: "Assigns the visitor to experiment variations."},
			{Name: "_vwo*", Provider: "VWO", Category: Optimization, Lifetime: lt(year),
				Purpose: "Assigns the visitor to experiment variations."},
			{Name: "_vis_opt_*", Provider: "VWO", Category: Optimization, Lifetime: lt(100 * day),
				Purpose: "Records which experiments the visitor has seen."},

			{Name: "awc", Provider: "Awin", Category: Partner, Lifetime: lt(year),
				Purpose: "Records that the visitor came from an Awin partner, to credit sales."},
			{Name: "cje", Provider: "CJ Affiliate", Category: Partner, Lifetime: lt(13 * months),
				Purpose: "Records that the visitor came from a CJ partner, to credit sales."},
		},
		Trackers: []Tracker{
			{Name: "Google Analytics", Category: Analytics,
				Hosts: []string{"google-analytics.com", "analytics.google.com"},
				URLs:  []string{"www.googletagmanager.com/gtag/"}},
			{Name: "Google Tag Manager", Category: Tracking,
				Hosts: []string{"googletagmanager.com", "tagmanager.google.com"}},
			{Name: "Google Ads and DoubleClick", Category: Targeting,
				Hosts: []string{"doubleclick.net", "googleadservices.com", "googlesyndication.com", "adservice.google.com"},
				URLs:  []string{"www.google.com/pagead/", "www.google.com/ads/"}},
			{Name: "Meta Pixel", Category: Targeting,
				Hosts: []string{"connect.facebook.net"},
				URLs:  []string{"www.facebook.com/tr"}},
			{Name: "LinkedIn Insight", Category: Targeting,
				Hosts: []string{"snap.licdn.com", "px.ads.linkedin.com"},
				URLs:  []string{"www.linkedin.com/px/"}},
			{Name: "TikTok Pixel", Category: Targeting,
				Hosts: []string{"analytics.tiktok.com"}},
			{Name: "X (Twitter) Pixel", Category: Targeting,
				Hosts: []string{"static.ads-twitter.com", "ads-api.twitter.com", "analytics.twitter.com"},
				URLs:  []string{"t.co/i/adsct"}},
			{Name: "YouTube", Category: Targeting,
				Hosts: []string{"youtube.com"}},
			{Name: "Hotjar", Category: Analytics,
				Hosts: []string{"hotjar.com", "hotjar.io"}},
			{Name: "Microsoft Clarity", Category: Analytics,
				Hosts: []string{"clarity.ms"}},
			{Name: "Mixpanel", Category: Analytics,
				Hosts: []string{"mxpnl.com", "mixpanel.com"}},
			{Name: "Segment", Category: Tracking,
				Hosts: []string{"cdn.segment.com", "api.segment.io"}},
			{Name: "Microsoft Advertising (Bing UET)", Category: Optimization,
				Hosts: []string{"bat.bing.com"}},
			{Name: "Optimizely", Category: Optimization,
				Hosts: []string{"optimizely.com"}},
			{Name: "VWO", Category: Optimization,
				Hosts: []string{"visualwebsiteoptimizer.com", "vwo.com"}},
			{Name: "Awin", Category: Partner,
				Hosts: []string{"dwin1.com", "awin1.com"}},
			{Name: "CJ Affiliate", Category: Partner,
				Hosts: []string{"emjcd.com", "cj.com"}},
		},
	}
}
