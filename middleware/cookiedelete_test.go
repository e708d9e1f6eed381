package middleware

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// deletionLines are Set-Cookie lines for _ga, each with what a browser does
// with it (RFC 6265bis §5.6–5.7, as Chromium reads it): delete the cookie,
// or store it. The e2e test replays the same lines in Chromium.
var deletionLines = []struct {
	line    string
	deletes bool
}{
	{"_ga=; Max-Age=0", true},
	{"_ga=; Max-Age=-1", true},
	{"_ga=; max-age=-0", true},
	{"_ga=; MAX-AGE =0", true},
	{"_ga=; Max-Age=00", true},
	{"_ga=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT", true},
	{"_ga=; Expires=Thu, 01-Jan-1970 00:00:01 GMT", true},
	{"_ga=; Expires=Wed, 21 Oct 2015 07:28:00 GMT", true},
	// Max-Age wins over a past Expires, in every spelling.
	{"_ga=GA1.1.1; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=63072000", false},
	{"_ga=GA1.1.1; Max-Age=63072000; Expires=Thu, 01 Jan 1970 00:00:00 GMT", false},
	{"_ga=GA1.1.1; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=063072000", false},
	{"_ga=GA1.1.1; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age =63072000", false},
	{"_ga=GA1.1.1; Expires=Thu, 01 Jan 1970 00:00:00 GMT;  max-age\t= 600", false},
	// Ambiguous: not a deletion, so judged by category.
	{"_ga=GA1.1.1; Max-Age=0; Max-Age=600", false},
	{"_ga=GA1.1.1; Max-Age=600; Max-Age=0", false},
	{"_ga=GA1.1.1; Max-Age=+0", false},
	{"_ga=GA1.1.1; Max-Age=; Expires=Thu, 01 Jan 1970 00:00:00 GMT", false},
	{"_ga=GA1.1.1; Max-Age=0x0", false},
	{"_ga=GA1.1.1; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Expires=Fri, 01 Jan 2100 00:00:00 GMT", false},
	{"_ga=GA1.1.1; Expires=1970-01-01", false},
	{"_ga=GA1.1.1; Expires=Jan 1 1970", false},
	// Not deletions at all.
	{"_ga=GA1.1.1", false},
	{"_ga=GA1.1.1; Max-Age=600", false},
	{"_ga=GA1.1.1; Expires=Fri, 01 Jan 2100 00:00:00 GMT", false},
}

func TestDeletesReadsTheLineAsBrowsersDo(t *testing.T) {
	now := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	for _, tt := range deletionLines {
		t.Run(tt.line, func(t *testing.T) {
			assert.Equal(t, tt.deletes, deletes(tt.line, now))
		})
	}
}

// For an undecided visitor, a _ga line passes only when it deletes the
// cookie: Go's own parser takes several of the lines above for deletions.
func TestUndecidedGetsOnlyRealDeletionsOfRefusedCookies(t *testing.T) {
	m, _ := newTestMiddleware(t)
	for _, tt := range deletionLines {
		t.Run(tt.line, func(t *testing.T) {
			rec := get(m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Add("Set-Cookie", tt.line)
			}), "/")
			lines := rec.Header().Values("Set-Cookie")
			if tt.deletes {
				require.Equal(t, []string{tt.line}, lines, "a deletion passes unchanged")
			} else {
				assert.Empty(t, lines, "a line that stores _ga is dropped")
			}
		})
	}
}
