//go:build e2e

package e2e

import (
	"log/slog"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	demosite "github.com/consentgate/consent/examples/demo/site"
	"github.com/consentgate/consent/store"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The demo site in a real browser: its fake third parties receive nothing
// before consent, every one of them after "Accept all", and nothing again
// after the visitor withdraws.
func TestDemoContactsTrackersOnlyAfterConsent(t *testing.T) {
	d, err := demosite.New(slog.New(slog.DiscardHandler), []store.KeyPair{{Hash: randomBytes(32), Block: randomBytes(32)}}, true, false, nil)
	require.NoError(t, err)
	t.Cleanup(d.Close)
	srv := httptest.NewServer(d.Handler())
	t.Cleanup(srv.Close)
	tb := newTab(t, &site{srv: srv})

	contacted := func() []string {
		var names []string
		for _, h := range d.Hits() {
			if name := strings.TrimSuffix(h.Tracker, ".localhost"); !slices.Contains(names, name) {
				names = append(names, name)
			}
		}
		slices.Sort(names)
		return names
	}
	// quiet waits until the trackers have received nothing for a while and
	// returns how many requests they have had.
	quiet := func() int {
		n := len(d.Hits())
		for {
			time.Sleep(400 * time.Millisecond)
			if m := len(d.Hits()); m == n {
				return n
			}
			n = len(d.Hits())
		}
	}

	tb.navigate("/courses/go-basics")
	tb.waitJS("the banner", `document.getElementById("consentgate-banner") !== null`)
	require.Zero(t, quiet(), "no request to a fake tracker before consent: %v", d.Hits())

	// The demo enforces its CSP: the grant reloads the page, which brings
	// the policy that allows the fake trackers.
	tb.clickAndLoad(`#consentgate-banner button[value="accept-all"]`)
	tb.waitJS("the banner to go", `document.getElementById("consentgate-banner") === null`)
	tb.navigate("/courses/go-basics")
	require.Eventually(t, func() bool { return len(contacted()) == 5 }, 10*time.Second, 50*time.Millisecond,
		"after Accept all every fake tracker is contacted; got %v", contacted())
	assert.Equal(t, []string{"ads", "analytics", "replay", "tags", "video"}, contacted())
	before := quiet()

	tb.click(`#consentgate-settings`)
	tb.waitJS("the preferences dialog", `document.querySelector("dialog.cg-dialog[open]") !== null`)
	tb.click(`dialog.cg-dialog button[value="reject-all"]`)
	tb.waitJS("the dialog to close", `document.querySelector("dialog.cg-dialog[open]") === null`)
	tb.navigate("/courses/go-basics")
	tb.navigate("/")
	assert.Equal(t, before, quiet(), "after withdrawing, no tracker is contacted again")
}
