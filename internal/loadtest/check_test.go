package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// pageWith is a page body carrying the banner banners times and the tags of
// the trackers named.
func pageWith(banners int, hosts ...string) []byte {
	var b strings.Builder
	b.WriteString("<!doctype html><html><head>")
	for _, h := range hosts {
		b.WriteString(`<script src="http://` + h + `.localhost:9/t.js"></script>`)
	}
	b.WriteString("</head><body><p>analytics.localhost is named in the policy without a port</p>")
	for range banners {
		b.WriteString(`<div id="consentgate-banner" role="region"></div>`)
	}
	return []byte(b.String() + "</body></html>")
}

func TestCheckPage(t *testing.T) {
	home, course := pages[0], pages[1]
	everyPage := []string{"analytics", "tags", "ads", "replay"}
	all := append([]string{"video"}, everyPage...)
	tests := []struct {
		name  string
		body  []byte
		state state
		page  page
		err   string // "" when the page is right
	}{
		{"undecided: banner, no tag", pageWith(1), undecided, course, ""},
		{"undecided: no banner", pageWith(0), undecided, home, "banner 0 times, want 1"},
		{"undecided: two banners", pageWith(2), undecided, home, "banner 2 times, want 1"},
		{"undecided: a tag leaks", pageWith(1, "replay"), undecided, home, "present without consent [replay.localhost:]"},
		{"rejected: no banner, no tag", pageWith(0), rejected, course, ""},
		{"rejected: banner", pageWith(1), rejected, course, "banner 1 times, want 0"},
		{"rejected: a tag leaks", pageWith(0, "video"), rejected, course, "present without consent [video.localhost:]"},
		{"accepted: every tag of a course page", pageWith(0, all...), accepted, course, ""},
		{"accepted: the home page has no video", pageWith(0, everyPage...), accepted, home, ""},
		{"accepted: video missing", pageWith(0, everyPage...), accepted, course, "tags missing [video.localhost:]"},
		{"accepted: banner", pageWith(1, all...), accepted, course, "banner 1 times"},
		{"custom: analytics only", pageWith(0, "analytics", "replay"), custom, course, ""},
		{"custom: ads leak, replay missing", pageWith(0, "analytics", "ads"), custom, home,
			"tags missing [replay.localhost:], present without consent [ads.localhost:]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkPage(tt.body, tt.state, tt.page)
			if tt.err == "" {
				assert.NoError(t, err)
				return
			}
			assert.ErrorContains(t, err, tt.err)
		})
	}
}
