//go:build e2e

package e2e

import (
	"encoding/json"
	"strconv"
	"testing"

	"github.com/chromedp/cdproto/accessibility"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The banner's three actions, in their order.
var bannerActions = []string{selAccept, selReject, selManage}

// jsList writes strings as a JavaScript array literal.
func jsList(items []string) string {
	b, _ := json.Marshal(items)
	return string(b)
}

// axNode returns the role and accessible name Chrome's accessibility tree
// gives the element: what a screen reader is told, not just the markup.
func axNode(tb *tab, sel string) (role, name string) {
	tb.t.Helper()
	obj, err := chromedp.Run(tb.ctx, chromedp.Evaluate[*runtime.RemoteObject]("document.querySelector("+strconv.Quote(sel)+")"))
	require.NoError(tb.t, err)
	require.NotEmpty(tb.t, obj.ObjectID, "%s exists", sel)
	res, err := chromedp.Call(tb.ctx, accessibility.GetPartialAXTree, accessibility.GetPartialAXTreeParams{ObjectID: obj.ObjectID, FetchRelatives: new(false)})
	require.NoError(tb.t, err)
	require.NotEmpty(tb.t, res.Nodes, "%s is in the accessibility tree", sel)
	n := res.Nodes[0]
	str := func(v *accessibility.Value) string {
		if v == nil || len(v.Value) == 0 {
			return ""
		}
		var s string
		if json.Unmarshal(v.Value, &s) != nil {
			return string(v.Value)
		}
		return s
	}
	return str(n.Role), str(n.Name)
}

func TestBannerAccessibility(t *testing.T) {
	s := newSite(t)
	// No subtest decides, so they share one tab; each loads the page anew.
	parent := newTab(t, s)

	t.Run("a named region with named actions", func(t *testing.T) {
		tb := parent.in(t)
		tb.navigate("/shop")
		role, name := axNode(tb, selBanner)
		assert.Equal(t, "region", role, "the banner is a region landmark")
		assert.Equal(t, "Cookie consent", name, "the region has an accessible name")
		for _, sel := range bannerActions {
			role, name := axNode(tb, sel)
			assert.Contains(t, []string{"button", "link"}, role, sel)
			assert.NotEmpty(t, name, "%s has an accessible name", sel)
		}
	})

	t.Run("equal weight of the actions", func(t *testing.T) {
		tb := parent.in(t)
		tb.navigate("/shop")
		tb.finishAnimations()
		// What makes one choice look stronger than another: size, colour,
		// weight, shape. Reject must not be a grey text link next to a
		// bright Accept button.
		styles := eval[[]map[string]string](tb, jsList(bannerActions)+`.map(function (sel) {
			var e = document.querySelector(sel), c = getComputedStyle(e), r = e.getBoundingClientRect();
			return {
				fontSize: c.fontSize, fontWeight: c.fontWeight, fontFamily: c.fontFamily,
				padding: c.paddingTop + " " + c.paddingRight + " " + c.paddingBottom + " " + c.paddingLeft,
				background: c.backgroundColor, color: c.color,
				border: c.borderTopWidth + " " + c.borderTopStyle + " " + c.borderTopColor,
				radius: c.borderTopLeftRadius, decoration: c.textDecorationLine,
				width: String(Math.round(r.width)), height: String(Math.round(r.height)),
			};
		})`)
		require.Len(t, styles, 3)
		for i, sel := range bannerActions[1:] {
			assert.Equal(t, styles[0], styles[i+1], "%s looks like %s", sel, selAccept)
		}
	})

	t.Run("visible keyboard focus", func(t *testing.T) {
		tb := parent.in(t)
		tb.navigate("/shop")
		bg := eval[string](tb, `getComputedStyle(document.querySelector("#consentgate-banner")).backgroundColor`)
		for _, sel := range append([]string{selBanner + " .cg-notice a"}, bannerActions...) {
			tb.press(kb.Tab)
			focus := eval[map[string]string](tb, `(function () {
				var e = document.activeElement, c = getComputedStyle(e);
				return {match: String(e.matches(`+strconv.Quote(sel)+`)), visible: String(e.matches(":focus-visible")),
					style: c.outlineStyle, width: c.outlineWidth, color: c.outlineColor};
			})()`)
			require.Equal(t, "true", focus["match"], "Tab order reaches %s, got %s", sel, tb.focused())
			assert.Equal(t, "true", focus["visible"], "%s matches :focus-visible after Tab", sel)
			assert.NotEqual(t, "none", focus["style"], "%s has a focus outline", sel)
			w, err := strconv.ParseFloat(focus["width"][:len(focus["width"])-2], 64)
			require.NoError(t, err, "outline width %q", focus["width"])
			assert.GreaterOrEqual(t, w, 2.0, "%s focus outline is at least 2px", sel)
			// WCAG 1.4.11: a focus indicator needs 3:1 against what is
			// around it.
			assert.GreaterOrEqual(t, contrast(t, focus["color"], bg), 3.0, "%s focus outline contrast", sel)
		}
	})

	t.Run("text contrast at least 4.5:1", func(t *testing.T) {
		tb := parent.in(t)
		tb.navigate("/shop")
		tb.finishAnimations()
		// The background a text is seen on is the first ancestor's
		// background that is not transparent.
		pairs := eval[[]map[string]string](tb, `Array.prototype.map.call(
			document.querySelectorAll("#consentgate-banner .cg-title, #consentgate-banner .cg-notice, #consentgate-banner .cg-notice a, #consentgate-banner .cg-btn"),
			function (e) {
				var bg = "rgba(0, 0, 0, 0)";
				for (var p = e; p; p = p.parentElement) {
					var b = getComputedStyle(p).backgroundColor;
					if (b !== "rgba(0, 0, 0, 0)" && b !== "transparent") { bg = b; break; }
				}
				if (bg === "rgba(0, 0, 0, 0)") bg = "rgb(255, 255, 255)";
				return {what: e.className || e.tagName, text: e.textContent.trim().slice(0, 30), fg: getComputedStyle(e).color, bg: bg};
			})`)
		require.Len(t, pairs, 6, "title, notice, policy link and three actions")
		for _, p := range pairs {
			ratio := contrast(t, p["fg"], p["bg"])
			assert.GreaterOrEqual(t, ratio, 4.5, "%s %q: %s on %s", p["what"], p["text"], p["fg"], p["bg"])
		}
	})

	t.Run("320px wide viewport", func(t *testing.T) {
		tb := parent.in(t)
		// The narrowest common phone (iPhone SE, first generation).
		tb.viewport(320, 568, true)
		defer tb.viewport(1280, 800, false)
		tb.navigate("/shop")
		tb.finishAnimations()
		layout := eval[map[string]float64](tb, `(function () {
			var b = document.querySelector("#consentgate-banner");
			return {bannerScroll: b.scrollWidth, bannerClient: b.clientWidth,
				pageScroll: document.documentElement.scrollWidth, viewport: innerWidth};
		})()`)
		assert.Equal(t, 320.0, layout["viewport"])
		assert.LessOrEqual(t, layout["bannerScroll"], layout["bannerClient"], "no horizontal overflow in the banner")
		assert.LessOrEqual(t, layout["pageScroll"], layout["viewport"], "the banner widens no page")
		for _, sel := range bannerActions {
			// Visible: inside the viewport, and the element is what a tap
			// on its centre hits (not clipped or covered).
			seen := eval[map[string]any](tb, `(function () {
				var e = document.querySelector(`+strconv.Quote(sel)+`), r = e.getBoundingClientRect();
				var hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
				return {left: r.left, right: r.right, top: r.top, bottom: r.bottom, height: r.height,
					hit: hit === e || e.contains(hit)};
			})()`)
			assert.GreaterOrEqual(t, seen["left"], 0.0, "%s left edge in view", sel)
			assert.LessOrEqual(t, seen["right"], 320.0, "%s right edge in view", sel)
			assert.GreaterOrEqual(t, seen["top"], 0.0, "%s top edge in view", sel)
			assert.LessOrEqual(t, seen["bottom"], 568.0, "%s bottom edge in view", sel)
			assert.GreaterOrEqual(t, seen["height"], 44.0, "%s is a 44px touch target", sel)
			assert.Equal(t, true, seen["hit"], "%s is not covered or clipped: %v", sel, seen)
		}
	})

	t.Run("prefers-reduced-motion", func(t *testing.T) {
		tb := parent.in(t)
		tb.navigate("/shop")
		assert.Equal(t, "cg-in", eval[string](tb, `getComputedStyle(document.querySelector("#consentgate-banner")).animationName`),
			"the banner slides in by default (so the check below means something)")

		_, err := chromedp.Call(tb.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-reduced-motion", Value: "reduce"}},
		})
		require.NoError(t, err)
		defer func() {
			_, err := chromedp.Call(tb.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{})
			assert.NoError(t, err, "ending the emulation")
		}()
		tb.reload()
		assert.True(t, eval[bool](tb, `matchMedia("(prefers-reduced-motion: reduce)").matches`), "the emulation is on")
		assert.Equal(t, "none", eval[string](tb, `getComputedStyle(document.querySelector("#consentgate-banner")).animationName`),
			"no animation when the visitor asks for reduced motion")
		assert.Equal(t, 0, eval[int](tb, `document.getAnimations().length`), "nothing moves")
	})
}
