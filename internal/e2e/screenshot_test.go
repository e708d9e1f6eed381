//go:build e2e

package e2e

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// Screenshots for people to look at (testdata/artifacts/, git-ignored): the
// banner on a desktop and on a 320px phone, the open preferences dialog,
// and the cookie policy page.
func TestScreenshots(t *testing.T) {
	s := newSite(t)
	parent := newTab(t, s) // nothing here decides, so one tab will do

	t.Run("banner desktop", func(t *testing.T) {
		tb := parent.in(t)
		tb.navigate("/shop")
		tb.finishAnimations()
		tb.screenshot("banner-desktop-1280x800")
	})
	t.Run("banner 320px", func(t *testing.T) {
		tb := parent.in(t)
		tb.viewport(320, 568, true)
		defer tb.viewport(1280, 800, false)
		tb.navigate("/shop")
		tb.finishAnimations()
		tb.screenshot("banner-320x568")
	})
	t.Run("preferences dialog", func(t *testing.T) {
		tb := parent.in(t)
		tb.navigate("/shop")
		tb.click(selManage)
		tb.do("waiting for the dialog", chromedp.WaitVisible(chromedp.CSS(selDialog+"[open]")))
		tb.finishAnimations()
		tb.screenshot("preferences-dialog-1280x800")
	})
	t.Run("policy page", func(t *testing.T) {
		tb := parent.in(t)
		tb.navigate("/consent/policy")
		tb.screenshot("policy-page-1280x800")
	})
}
