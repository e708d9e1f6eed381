package main

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/consentgate/consent"
)

// state is where a visitor stands with the demo's consent.
type state int

const (
	undecided state = iota
	accepted        // accept-all
	rejected        // reject-all
	custom          // save with analytics only
)

func (s state) String() string {
	return [...]string{"undecided", "accepted", "rejected", "custom"}[s]
}

// grants reports whether a visitor in state s granted category c. A custom
// choice grants analytics alone, so that a partial grant is checked too:
// some tags must stay and others go on the same page.
func (s state) grants(c consent.CategoryID) bool {
	switch s {
	case accepted:
		return true
	case custom:
		return c == consent.Analytics
	}
	return false
}

// page is one of the demo's pages the visitors view.
type page struct {
	path  string
	video bool // carries the video embed, as the course pages do
}

var pages = []page{
	{"/", false},
	{"/courses/go-basics", true},
	{"/courses/http-services", true},
	{"/courses/privacy-engineering", true},
	{"/signin", false},
}

// tracker is one of the demo's fake third parties as a page shows it.
type tracker struct {
	// host is the origin's host and the colon before its port: the demo
	// points its tags at name.localhost:PORT (port 9 with the trackers off),
	// and the policy texts name the hosts without a port, so only a tag
	// matches.
	host      []byte
	category  consent.CategoryID
	everyPage bool // false: on pages with the video only
}

// trackers mirror the demo's tag snippets and its policy's categories.
var trackers = []tracker{
	{[]byte("analytics.localhost:"), consent.Analytics, true},
	{[]byte("tags.localhost:"), consent.Tracking, true},
	{[]byte("ads.localhost:"), consent.Targeting, true},
	{[]byte("replay.localhost:"), consent.Analytics, true},
	{[]byte("video.localhost:"), consent.Targeting, false},
}

// bannerMark opens the banner.
var bannerMark = []byte(`<div id="consentgate-banner"`)

// checkPage reports how body, page p as the middleware served it to a
// visitor in state s, breaks the consent rules: the banner must be there,
// exactly once, iff the visitor is undecided, and a tracker's tag must be
// there iff the visitor granted its category and p carries that tag.
func checkPage(body []byte, s state, p page) error {
	want := 0
	if s == undecided {
		want = 1
	}
	if n := bytes.Count(body, bannerMark); n != want {
		return fmt.Errorf("%s %s: banner %d times, want %d", s, p.path, n, want)
	}
	var missing, leaked []string
	for _, t := range trackers {
		want := s.grants(t.category) && (t.everyPage || p.video)
		switch got := bytes.Contains(body, t.host); {
		case want && !got:
			missing = append(missing, string(t.host))
		case got && !want:
			leaked = append(leaked, string(t.host))
		}
	}
	if len(missing) > 0 || len(leaked) > 0 {
		return fmt.Errorf("%s %s: tags missing [%s], present without consent [%s]",
			s, p.path, strings.Join(missing, " "), strings.Join(leaked, " "))
	}
	return nil
}
