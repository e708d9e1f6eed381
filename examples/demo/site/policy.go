package site

import (
	"time"

	"github.com/consentgate/consent"
)

// demoPolicy is the default policy with the demo's own cookies, its fake
// third parties declared as trackers, and two dated revisions.
func demoPolicy() *consent.Policy {
	p := consent.DefaultPolicy()
	p.Version = "2"
	p.Revisions = []consent.Revision{
		{Version: "1", Date: consent.DateOf(2026, time.March, 2), Material: true,
			Summary: "First published.",
			Text:    "We use essential cookies to run the catalog and, with your consent, analytics cookies to count visits.\nWe embed course trailers from a video host."},
		{Version: "2", Date: consent.DateOf(2026, time.November, 2), Material: true,
			Summary: "Added advertising, tag management and session replay.",
			Text:    "We use essential cookies to run the catalog and, with your consent, analytics cookies to count visits.\nWith your consent, an advertising partner measures which ads brought you here.\nA tag manager loads our measurement tags, and a session replay tool records how pages are used.\nWe embed course trailers from a video host."},
	}
	p.Cookies = append(p.Cookies,
		consent.Cookie{Name: "session", Category: consent.Essential,
			Purpose: "Keeps you signed in and protects forms against forgery."},
		consent.Cookie{Name: "lang", Category: consent.Functionality, Lifetime: consent.Lifetime(365 * 24 * time.Hour),
			Purpose: "Remembers the language you chose."},
	)
	p.Trackers = append(p.Trackers,
		consent.Tracker{Name: "Demo Analytics (stands for Google Analytics)", Category: consent.Analytics, Hosts: []string{"analytics.localhost"}},
		consent.Tracker{Name: "Demo Tag Manager (stands for Google Tag Manager)", Category: consent.Tracking, Hosts: []string{"tags.localhost"}},
		consent.Tracker{Name: "Demo Ads (stands for Meta Pixel)", Category: consent.Targeting, Hosts: []string{"ads.localhost"}},
		consent.Tracker{Name: "Demo Session Replay (stands for Hotjar)", Category: consent.Analytics, Hosts: []string{"replay.localhost"}},
		consent.Tracker{Name: "Demo Video (stands for YouTube)", Category: consent.Targeting, Hosts: []string{"video.localhost"}},
	)
	return p
}
