package banner

import (
	"bytes"
	"html/template"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/consentgate/consent"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"
)

var decidedAt = time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)

// pagesPolicy is the default policy with a first-party session cookie, a
// few third parties it declares itself, and three revisions: the first two
// with their full text, the last without.
func pagesPolicy() *consent.Policy {
	p := consent.DefaultPolicy()
	const day = 24 * time.Hour
	p.Cookies = append(p.Cookies,
		consent.Cookie{Name: "_ga", Provider: "Google Analytics", Category: consent.Analytics, Lifetime: consent.Lifetime(2 * 365 * day),
			Purpose: "Tells visitors apart, to count visits."},
		consent.Cookie{Name: "_gid", Provider: "Google Analytics", Category: consent.Analytics, Lifetime: consent.Lifetime(day),
			Purpose: "Tells visitors apart for 24 hours."},
		consent.Cookie{Name: "_gat*", Provider: "Google Analytics", Category: consent.Analytics, Lifetime: consent.Lifetime(time.Minute),
			Purpose: "Limits how often requests are sent to Google Analytics."},
		consent.Cookie{Name: "_fbp", Provider: "Meta", Category: consent.Targeting, Lifetime: consent.Lifetime(90 * day),
			Purpose: "Identifies the browser for Meta's advertising."},
		consent.Cookie{Name: "session", Category: consent.Essential, Purpose: "Keeps you signed in."})
	p.Trackers = append(p.Trackers,
		consent.Tracker{Name: "Google Analytics", Category: consent.Analytics, Hosts: []string{"google-analytics.com"}},
		consent.Tracker{Name: "Meta Pixel", Category: consent.Targeting, Hosts: []string{"connect.facebook.net"}})
	p.Version = "3"
	p.Revisions = []consent.Revision{
		{Version: "1", Date: consent.DateOf(2026, time.January, 10), Summary: "First published.", Material: true,
			Text: "We use cookies.\nEssential cookies keep you signed in.\nAnalytics cookies count visits."},
		{Version: "2", Date: consent.DateOf(2026, time.March, 2), Summary: "Added the partner category.", Material: true,
			Text: "We use cookies.\nEssential cookies keep you signed in.\nAnalytics cookies count visits.\nPartner cookies share conversions."},
		{Version: "3", Date: consent.DateOf(2026, time.May, 20), Summary: "Clarified wording."},
	}
	return p
}

// page renders one page of p for a visitor whose browser sends
// acceptLanguage. args are the from and to versions of the changes page.
func page(t *testing.T, p *consent.Policy, name, acceptLanguage string, c *consent.Consent, args ...string) string {
	t.Helper()
	pages, err := NewPages(p)
	require.NoError(t, err)
	cat, err := NewCatalog(p)
	require.NoError(t, err)
	if c == nil {
		c = consent.Undecided(p)
	}
	d := PageData{Consent: c, Prefix: "/consent", Return: "/shop?page=2", Texts: cat.Texts(cat.Pick(acceptLanguage))}
	var buf bytes.Buffer
	switch name {
	case "preferences":
		err = pages.Preferences(&buf, d)
	case "policy":
		err = pages.Policy(&buf, d)
	case "changes":
		require.Len(t, args, 2)
		err = pages.Changes(&buf, d, args[0], args[1])
	default:
		t.Fatalf("no page %q", name)
	}
	require.NoError(t, err)
	checkAccessible(t, buf.String())
	return buf.String()
}

// esc is s as html/template writes it in text.
func esc(s string) string {
	var b strings.Builder
	template.Must(template.New("").Parse("{{.}}")).Execute(&b, s)
	return b.String()
}

// checkAccessible checks what a parser can tell of a page's accessibility
// and of its working without JavaScript: a language, one main landmark,
// named navigation, one h1 and no skipped heading levels, every form
// control in a label, and no script or inline event handler.
func checkAccessible(t *testing.T, page string) {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	require.NoError(t, err)
	var levels []int
	mains := 0
	var walk func(n *html.Node, inLabel bool)
	walk = func(n *html.Node, inLabel bool) {
		if n.Type == html.ElementNode {
			attrs := map[string]string{}
			for _, a := range n.Attr {
				attrs[a.Key] = a.Val
				assert.False(t, strings.HasPrefix(a.Key, "on"), "inline event handler %s on <%s>", a.Key, n.Data)
			}
			switch n.Data {
			case "html":
				assert.NotEmpty(t, attrs["lang"], "<html lang>")
			case "main":
				mains++
			case "nav":
				assert.NotEmpty(t, attrs["aria-label"], "every nav is named")
			case "script":
				t.Errorf("the page needs no JavaScript but has a script")
			case "h1", "h2", "h3", "h4", "h5", "h6":
				levels = append(levels, int(n.Data[1]-'0'))
			case "label":
				inLabel = true
			case "input":
				if attrs["type"] != "hidden" {
					assert.True(t, inLabel, "input %q is in a label", attrs["value"])
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, inLabel)
		}
	}
	walk(doc, false)
	assert.Equal(t, 1, mains, "one main landmark")
	require.NotEmpty(t, levels)
	assert.Equal(t, 1, levels[0], "the first heading is the h1")
	assert.Equal(t, 1, strings.Count(page, "<h1"), "one h1")
	for i := 1; i < len(levels); i++ {
		assert.LessOrEqual(t, levels[i], levels[i-1]+1, "heading levels %v skip one", levels)
	}
}

// checkboxes returns each category checkbox's state: "on", "off", or
// "on, disabled".
func checkboxes(t *testing.T, page string) map[string]string {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	require.NoError(t, err)
	boxes := map[string]string{}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "input" {
			attrs := map[string]string{}
			checked, disabled := false, false
			for _, a := range n.Attr {
				attrs[a.Key] = a.Val
				checked = checked || a.Key == "checked"
				disabled = disabled || a.Key == "disabled"
			}
			if attrs["type"] == "checkbox" {
				require.Equal(t, "category", attrs["name"])
				state := map[bool]string{true: "on", false: "off"}[checked]
				if disabled {
					state += ", disabled"
				}
				boxes[attrs["value"]] = state
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return boxes
}

// boxes builds the checkbox states of the default categories: essential
// always on and disabled, the given ones on.
func boxes(on ...consent.CategoryID) map[string]string {
	m := map[string]string{"essential": "on, disabled"}
	for _, id := range consent.DefaultPolicy().RefusableCategories() {
		m[string(id)] = "off"
	}
	for _, id := range on {
		m[string(id)] = "on"
	}
	return m
}

func decided(method consent.Method, granted ...consent.CategoryID) *consent.Consent {
	return &consent.Consent{ID: "c0ffee42", PolicyVersion: "3", Method: method,
		Granted: append([]consent.CategoryID{consent.Essential}, granted...), Given: decidedAt.Add(-time.Hour), Updated: decidedAt}
}

func TestPreferencesPage(t *testing.T) {
	all := consent.DefaultPolicy().RefusableCategories()
	tests := []struct {
		name    string
		consent *consent.Consent
		boxes   map[string]string
		want    []string
		notWant []string
	}{
		{name: "undecided: nothing pre-ticked", consent: nil, boxes: boxes(),
			want:    []string{"You have not made a choice yet."},
			notWant: []string{"Consent ID", "under policy version"}},
		{name: "undecided with a stray grant: still nothing pre-ticked",
			consent: &consent.Consent{Granted: []consent.CategoryID{consent.Essential, consent.Analytics}}, boxes: boxes(),
			want: []string{"You have not made a choice yet."}},
		{name: "custom choice pre-filled", consent: decided(consent.Custom, consent.Analytics), boxes: boxes(consent.Analytics),
			want: []string{"Your current choice was made on 2026-06-01 09:00 UTC under policy version 3.",
				"You chose the categories one by one.", "Consent ID: <code>c0ffee42</code>"},
			notWant: []string{"You have not made a choice yet."}},
		{name: "accepted all", consent: decided(consent.AcceptAll, all...), boxes: boxes(all...),
			want: []string{"You accepted all cookies."}},
		{name: "rejected all", consent: decided(consent.RejectAll), boxes: boxes(),
			want: []string{"You rejected all cookies that are not essential.", "Consent ID: <code>c0ffee42</code>"}},
		{name: "GPC signal explained", consent: func() *consent.Consent { c := decided(consent.AcceptAll, consent.Analytics); c.GPC = true; return c }(),
			boxes: boxes(consent.Analytics), want: []string{"Global Privacy Control"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := page(t, pagesPolicy(), "preferences", "en", tc.consent)
			assert.Equal(t, tc.boxes, checkboxes(t, got))
			for _, w := range append(tc.want,
				`<html lang="en">`,
				`<form method="post" action="/consent"`,
				`<input type="hidden" name="return" value="/shop?page=2">`,
				`<button type="submit" name="action" value="save">Save my choices</button>`,
				`<button type="submit" name="action" value="accept-all">Accept all</button>`,
				`<button type="submit" name="action" value="reject-all">Reject all</button>`,
				`value="essential" checked disabled> Essential</label> <span class="on">Always on</span>`,
				`<a href="/shop?page=2">Back to the site</a>`,
				`<a href="/consent/policy?return=%2Fshop%3Fpage%3D2">Cookie policy</a>`,
			) {
				assert.Contains(t, got, w)
			}
			for _, w := range tc.notWant {
				assert.NotContains(t, got, w)
			}
		})
	}
}

func TestCookiesTable(t *testing.T) {
	tests := []struct {
		page string
		want []string
	}{
		{"preferences", []string{
			"<caption>Cookies of the category Essential</caption>",
			`<tr><th scope="row"><code>session</code></th><td data-label="Provider">This site (first party)</td><td data-label="Purpose">Keeps you signed in.</td><td data-label="Lifetime">Session</td></tr>`,
			`<tr><th scope="row"><code>_ga</code></th><td data-label="Provider">Google Analytics (third party)</td><td data-label="Purpose">Tells visitors apart, to count visits.</td><td data-label="Lifetime">Persistent, 2y</td></tr>`,
			`<code>_fbp</code></th><td data-label="Provider">Meta (third party)</td><td data-label="Purpose">Identifies the browser for Meta&#39;s advertising.</td><td data-label="Lifetime">Persistent, 3mo</td>`,
			"No cookies of this category are in use.", // functionality declares none
		}},
		{"policy", []string{
			"<caption>Cookies of the category Targeting</caption>",
			`<th scope="col">Cookie</th><th scope="col">Category</th><th scope="col">Provider</th>`,
			`<tr><th scope="row"><code>session</code></th><td data-label="Category">Essential</td><td data-label="Provider">This site (first party)</td><td data-label="Purpose">Keeps you signed in.</td><td data-label="Lifetime">Session</td></tr>`,
			`<code>_gat*</code></th><td data-label="Category">Analytics and performance</td><td data-label="Provider">Google Analytics (third party)</td><td data-label="Purpose">Limits how often requests are sent to Google Analytics.</td><td data-label="Lifetime">Persistent, 1min</td>`,
		}},
	}
	for _, tc := range tests {
		t.Run(tc.page, func(t *testing.T) {
			got := page(t, pagesPolicy(), tc.page, "", nil)
			for _, w := range tc.want {
				assert.Contains(t, got, w)
			}
		})
	}
}

func TestPolicyPage(t *testing.T) {
	got := page(t, pagesPolicy(), "policy", "", nil)
	for _, w := range []string{
		"<title>Cookie policy</title>",
		"Version 3, last updated on 2026-05-20.",
		"Session cookies are deleted when you close your browser. Persistent cookies stay",
		"First-party cookies are set by this site. Third-party cookies are set by other companies",
		"Web beacons (also called pixels)",
		`<h3 id="category-essential">Essential <span class="on">Always on</span></h3>`,
		`<h3 id="category-partner">Partners</h3>`,
		`<tr><td>Google Analytics</td><td><a href="#category-analytics">Analytics and performance</a></td><td></td><td></td></tr>`,
		`<tr><td>Meta Pixel</td><td><a href="#category-targeting">Targeting</a></td><td></td><td></td></tr>`,
		`<p><a href="/consent/preferences?return=%2Fshop%3Fpage%3D2">Manage Preferences</a></p>`,
		`<h2 id="dnt">Do Not Track</h2>`,
		"We do not respond to Do Not Track signals: there is no common understanding of what a site should do when it receives one.",
		`<h2 id="all-cookies">All cookies</h2>`,
	} {
		assert.Contains(t, got, w)
	}
}

// The services the site needs are listed with their purpose, in the
// visitor's language; a policy without any shows no such section.
func TestPolicyPageServices(t *testing.T) {
	assert.NotContains(t, page(t, pagesPolicy(), "policy", "", nil), `id="services"`)
	p := pagesPolicy()
	p.Services = []consent.Service{
		{Name: "Bunny Fonts", Purpose: "Serves the site's typefaces.", Hosts: []string{"fonts.bunny.net"}},
		{Name: "Stripe <Checkout>", Purpose: "Takes card payments & refunds.", Hosts: []string{"js.stripe.com"}},
	}
	got := page(t, p, "policy", "", nil)
	for _, w := range []string{
		`<h2 id="services">Services the site needs</h2>`,
		`<th scope="col">Service</th><th scope="col">What for</th>`,
		"<tr><td>Bunny Fonts</td><td>Serves the site&#39;s typefaces.</td></tr>",
		"<tr><td>Stripe &lt;Checkout&gt;</td><td>Takes card payments &amp; refunds.</td></tr>",
	} {
		assert.Contains(t, got, w)
	}
	assert.Contains(t, page(t, p, "policy", "de", nil), `<h2 id="services">Dienste, die die Website braucht</h2>`)
}

func TestPolicyPageRevisions(t *testing.T) {
	p := pagesPolicy()
	p.Revisions[1].Version = `2 "b"&c`
	got := page(t, p, "policy", "", nil)
	v3 := strings.Index(got, "<strong>Version 3 of 2026-05-20</strong> — Clarified wording.")
	v2 := strings.Index(got, "<strong>Version 2 &#34;b&#34;&amp;c of 2026-03-02</strong> — Added the partner category. Visitors were asked for their consent again after this change.")
	v1 := strings.Index(got, "<strong>Version 1 of 2026-01-10</strong> — First published.</li>")
	assert.True(t, 0 < v3 && v3 < v2 && v2 < v1, "newest first: %d %d %d", v3, v2, v1)
	for _, w := range []string{
		`<a href="/consent/policy/changes?from=2%20%22b%22%26c&amp;to=3">Compare version 3 with version 2 &#34;b&#34;&amp;c</a>`,
		`<a href="/consent/policy/changes?from=1&amp;to=2%20%22b%22%26c">`,
		`<li><a href="#revisions">Changes to this policy</a></li>`,
	} {
		assert.Contains(t, got, w)
	}
	assert.Equal(t, 2, strings.Count(got, "/policy/changes?"), "no link for the first revision")

	p.Revisions = nil
	p.Version = "1"
	got = page(t, p, "policy", "", nil)
	assert.Contains(t, got, "<p>Version 1.</p>")
	assert.NotContains(t, got, "revisions")
}

func TestPagesInTheVisitorsLanguage(t *testing.T) {
	tests := []struct {
		acceptLanguage, page string
		want                 []string
	}{
		{"de-DE,de;q=0.9,en;q=0.5", "preferences", []string{`<html lang="de">`, "<title>Cookie-Einstellungen</title>",
			"Sie haben noch keine Auswahl getroffen.", `<span class="on">Immer aktiv</span>`,
			">Auswahl speichern</button>", ">Alle akzeptieren</button>", ">Alle ablehnen</button>",
			"<caption>Cookies der Kategorie Analytics and performance</caption>", `<td data-label="Speicherdauer">Dauerhaft, 2 Jahre</td>`,
			">Sitzung</td>", `<td data-label="Anbieter">Diese Website (Erstanbieter)</td>`, ">Google Analytics (Drittanbieter)</td>"}},
		{"de-CH", "policy", []string{`<html lang="de">`, "<h1>Cookie-Richtlinie</h1>", "Web-Beacons (auch Pixel genannt)",
			"Wir reagieren nicht auf Do-Not-Track-Signale", ">Einstellungen verwalten</a>", ">Dauerhaft, 1 Minute</td>",
			">Dauerhaft, 3 Monate</td>", "Version 3 mit Version 2 vergleichen", "Version 2 vom 2026-03-02"}},
		{"fr-CA", "preferences", []string{`<html lang="fr">`, "<h1>Préférences de cookies</h1>",
			"Vous n’avez pas encore fait de choix.", ">Enregistrer mes choix</button>", ">Tout accepter</button>",
			">Tout refuser</button>", `<td data-label="Durée de conservation">Persistant, 2 ans</td>`, ">Persistant, 1 jour</td>"}},
		{"fr", "policy", []string{`<html lang="fr">`, "<h1>Politique de cookies</h1>", "Nous ne donnons pas suite aux signaux Do Not Track",
			">Gérer les préférences</a>", "Comparer la version 3 à la version 2"}},
		{"ja", "policy", []string{`<html lang="en">`, "<h1>Cookie policy</h1>"}},
	}
	for _, tc := range tests {
		t.Run(tc.acceptLanguage+" "+tc.page, func(t *testing.T) {
			got := page(t, pagesPolicy(), tc.page, tc.acceptLanguage, nil)
			for _, w := range tc.want {
				assert.Contains(t, got, w)
			}
		})
	}
}

func TestDecidedInGerman(t *testing.T) {
	got := page(t, pagesPolicy(), "preferences", "de", decided(consent.Custom, consent.Targeting))
	assert.Contains(t, got, "Ihre aktuelle Auswahl haben Sie am 2026-06-01 09:00 UTC unter der Richtlinienversion 3 getroffen. Sie haben die Kategorien einzeln ausgewählt.")
	assert.Contains(t, got, "Einwilligungs-ID: <code>c0ffee42</code>")
	assert.Equal(t, boxes(consent.Targeting), checkboxes(t, got))
}

func TestDNTStatementInEveryLanguage(t *testing.T) {
	cat, err := NewCatalog(pagesPolicy())
	require.NoError(t, err)
	for _, lang := range cat.Languages() {
		t.Run(lang, func(t *testing.T) {
			got := page(t, pagesPolicy(), "policy", lang, nil)
			assert.Contains(t, got, `<h2 id="dnt">`)
			assert.Contains(t, got, esc(cat.Texts(cat.Pick(lang)).T("policy.dnt_body")))
		})
	}
}

// Policy-provided content and the site's own texts are shown as text: no
// markup from them reaches the page.
func TestHostileTextsAreEscaped(t *testing.T) {
	p := pagesPolicy()
	p.Categories[1].Name = `Analytics "<b>bold</b>"`
	p.Categories[1].Description = `<script>alert("description")</script>`
	p.Cookies[1].Purpose = `<img src=x onerror=alert(1)>`
	p.Cookies[1].Provider = `<iframe src="https://evil.example">`
	p.Trackers[0].Name = `<svg onload=alert(1)>`
	p.Revisions[1].Summary = `<a href="javascript:alert(1)">Added</a> partners`
	p.Revisions[1].Text = "We use cookies.\n<script>alert('text')</script>"
	p.Texts = map[string]string{
		"policy.dnt_body": `<b onclick="alert(1)">We ignore DNT.</b>`,
		"de:prefs.intro":  `<style>body{display:none}</style>Wählen Sie.`,
		"prefs.decided":   `<em>{date}</em> {version}`,
	}
	c := decided(consent.Custom, consent.Analytics)
	c.ID = `"><script>alert(1)</script>`
	for _, tc := range []struct {
		page, lang string
		args       []string
		want       []string
	}{
		{"preferences", "en", nil, []string{
			`<script>alert("description")</script>`, `<img src=x onerror=alert(1)>`, `<iframe src="https://evil.example">`,
			`Analytics "<b>bold</b>"`, `<em>2026-06-01 09:00 UTC</em> 3`, `"><script>alert(1)</script>`}},
		{"preferences", "de", nil, []string{`<style>body{display:none}</style>Wählen Sie.`}},
		{"policy", "en", nil, []string{`<svg onload=alert(1)>`, `<b onclick="alert(1)">We ignore DNT.</b>`,
			`<a href="javascript:alert(1)">Added</a> partners`, `<img src=x onerror=alert(1)>`}},
		{"changes", "en", []string{"1", "2"}, []string{"<script>alert('text')</script>", `<a href="javascript:alert(1)">Added</a> partners`}},
	} {
		t.Run(tc.page+" "+tc.lang, func(t *testing.T) {
			got := page(t, p, tc.page, tc.lang, c, tc.args...)
			for _, w := range tc.want {
				assert.Contains(t, got, esc(w), "shown as text")
			}
			for _, tag := range []string{"<script", "<img", "<iframe", "<svg", "<b>", "<b ", "<em>", "<style>body", `href="javascript`} {
				assert.NotContains(t, got, tag)
			}
		})
	}
}

// Every text a template asks for is in the catalog, so no page shows a
// bare text ID.
func TestTemplatesUseKnownTextIDs(t *testing.T) {
	known := builtinIDs()
	entries, err := templateFS.ReadDir("templates")
	require.NoError(t, err)
	var used []string
	for _, e := range entries {
		b, err := templateFS.ReadFile("templates/" + e.Name())
		require.NoError(t, err)
		for _, call := range []string{`T "`, `Tf "`, `eq .Title "`} {
			for _, part := range strings.Split(string(b), call)[1:] {
				used = append(used, part[:strings.IndexByte(part, '"')])
			}
		}
	}
	for _, m := range []consent.Method{consent.AcceptAll, consent.RejectAll, consent.Custom} {
		used = append(used, "prefs.method."+string(m)) // built from the method
	}
	used = append(used, "cookies.session", "cookies.persistent") // Texts.Lifetime's
	used = append(used, "policy.unmapped")                       // CategoryName's
	for _, u := range lifetimeUnits {
		used = append(used, u.one, u.many)
	}
	require.Greater(t, len(used), 50)
	for _, id := range used {
		assert.Contains(t, known, id)
	}
	unused := maps.Clone(known)
	for _, id := range used {
		delete(unused, id)
	}
	for _, id := range slices.Sorted(maps.Keys(unused)) {
		assert.True(t, strings.HasPrefix(id, "banner.") || id == "prefs.close", "%s is used by no page nor the banner", id)
	}
}

// TestPagesWithVendors: the known third parties the site uses are listed
// with its own trackers, their cookies in the tables of their category, and
// the other known ones counted and listed by category, folded.
func TestPagesWithVendors(t *testing.T) {
	p := pagesPolicy()
	ga := consent.Cookie{Name: "_ga_*", Provider: "Stats Co", Category: consent.Analytics, Purpose: "Keeps the session state.",
		Lifetime: consent.Lifetime(2 * 365 * 24 * time.Hour)}
	v := Vendors{
		Used: []Vendor{{
			Tracker: consent.Tracker{Name: "Stats Co", Vendor: "stats-co", Category: consent.Analytics, Purpose: "Counts visits.",
				Docs: "https://stats.example/privacy", Hosts: []string{"stats.example"}},
			Cookies: []consent.Cookie{ga},
		}, {
			Tracker: consent.Tracker{Name: "Chatty", Vendor: "chatty", Category: consent.Unmapped, Purpose: "Live chat.",
				Docs: "javascript:alert(1)", Hosts: []string{"chatty.example"}},
		}},
		Blocked: []consent.Tracker{
			{Name: "AdNet", Category: consent.Targeting}, {Name: "Pins", Category: consent.Targeting},
			{Name: "Counter", Category: consent.Analytics}, {Name: "Helpdesk <b>", Category: consent.Unmapped},
		},
	}
	render := func(name string) string {
		pages, err := NewPages(p, WithVendors(v))
		require.NoError(t, err)
		cat, err := NewCatalog(p)
		require.NoError(t, err)
		var buf bytes.Buffer
		d := PageData{Consent: consent.Undecided(p), Prefix: "/consent", Texts: cat.Texts(0)}
		if name == "policy" {
			require.NoError(t, pages.Policy(&buf, d))
		} else {
			require.NoError(t, pages.Preferences(&buf, d))
		}
		return buf.String()
	}
	policy := render("policy")
	for _, w := range []string{
		`<tr><td>Google Analytics</td><td><a href="#category-analytics">Analytics and performance</a></td><td></td><td></td></tr>`,
		`<tr><td>Stats Co (<a href="https://stats.example/privacy" rel="noopener noreferrer">its privacy information</a>)</td><td><a href="#category-analytics">Analytics and performance</a></td><td>Counts visits.</td><td><code>_ga_*</code></td></tr>`,
		`<td>Never loaded (we have not asked you about it)</td><td>Live chat.</td>`,
		`href="#ZgotmplZ"`, // a docs link that is no URL does not become one
		`a catalog of 4 other known third parties`,
		"<details><summary>The other known third parties, by category</summary>\n" +
			"<p><strong>Analytics and performance:</strong> Counter</p>\n" +
			"<p><strong>Targeting:</strong> AdNet, Pins</p>\n" +
			"<p><strong>Never loaded (we have not asked you about it):</strong> Helpdesk &lt;b&gt;</p>\n</details>",
		`<code>_ga_*</code></th><td data-label="Category">Analytics and performance</td><td data-label="Provider">Stats Co (third party)</td>`,
	} {
		assert.Contains(t, policy, w)
	}
	assert.Contains(t, render("preferences"), `<code>_ga_*</code></th><td data-label="Provider">Stats Co (third party)</td><td data-label="Purpose">Keeps the session state.</td>`)
}
