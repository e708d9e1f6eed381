package main

import (
	"context"
	"strings"
	"testing"

	"github.com/consentgate/consent"
	"github.com/consentgate/consent/catalog"
	"github.com/consentgate/consent/internal/syncbuf"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testCatalog is a small catalog of its own, so that these tests do not
// change with the built-in data.
const testCatalog = `
- id: acme-analytics
  name: Acme Analytics
  company: Acme Inc.
  category: analytics
  purpose: Counts visits.
  docs: https://acme.example/privacy
  hosts: [acme-analytics.example]
  urls: [cdn.shared.example/acme/]
  cookies:
    - {name: _acme, lifetime: 13mo, party: first, purpose: Tells visitors apart.}
    - {name: acme_sid, lifetime: session, party: third}
- id: adnet
  name: AdNet
  category: advertising
  purpose: Shows ads.
  docs: https://adnet.example/cookies
  hosts: [adnet.example, px.adnet-cdn.example]
- id: chatty
  name: Chatty
  category: customer-chat
  purpose: Live chat with the site's staff.
  docs: https://chatty.example/privacy
  hosts: [chatty.example]
- id: tubey
  name: Tubey
  category: video
  purpose: Plays embedded videos.
  docs: https://tubey.example/privacy
  hosts: [tubey.example]
  embed: video
`

// smallPolicy has essential and analytics only, and declares no tracker:
// the catalog alone decides about third parties.
const smallPolicy = `version: "1"
categories:
  - {id: essential, name: Essential, required: true}
  - {id: analytics, name: Statistics}
cookies:
  - {name: session, category: essential}
`

// defaultCategories writes the built-in policy's categories without its
// catalog settings, which name vendors of the built-in catalog.
func defaultCategories(t *testing.T) string {
	t.Helper()
	p := consent.DefaultPolicy()
	p.Catalog = nil
	data, err := p.EncodeYAML()
	require.NoError(t, err)
	return writeFile(t, "default.yaml", string(data))
}

// runCatalog runs one catalog command with the test catalog and returns
// its exit status, stdout and stderr. Unless vars say otherwise, the
// policy is defaultCategories.
func runCatalog(t *testing.T, vars map[string]string, args ...string) (int, string, string) {
	t.Helper()
	c, err := catalog.Parse([]byte(testCatalog))
	require.NoError(t, err)
	if _, ok := vars["CONSENT_POLICY"]; !ok {
		vars = map[string]string{"CONSENT_POLICY": defaultCategories(t)}
	}
	var stdout, stderr syncbuf.Buffer
	code := run(context.Background(), append([]string{"catalog"}, args...),
		env{getenv: mapEnv(vars), stdout: &stdout, stderr: &stderr, catalog: c})
	return code, stdout.String(), stderr.String()
}

func TestCatalogSearch(t *testing.T) {
	code, out, _ := runCatalog(t, nil, "search", "ACME")
	assert.Equal(t, exitOK, code)
	assert.Equal(t, "acme-analytics\tAcme Analytics\tanalytics\tacme-analytics.example,cdn.shared.example/acme/\n", out)

	code, out, _ = runCatalog(t, nil, "search", "adnet-cdn.example")
	assert.Equal(t, exitOK, code)
	assert.Equal(t, "adnet\tAdNet\tadvertising\tadnet.example,px.adnet-cdn.example\n", out, "found by a host")

	code, out, _ = runCatalog(t, nil, "search", "a")
	assert.Equal(t, exitOK, code)
	assert.Len(t, strings.Split(strings.TrimSpace(out), "\n"), 4, "one line per vendor")

	code, out, errOut := runCatalog(t, nil, "search", "nothing-like-it")
	assert.Equal(t, exitError, code, "nothing found is exit 1, as for grep")
	assert.Empty(t, out)
	assert.Contains(t, errOut, `no vendor matches "nothing-like-it"`)
}

func TestCatalogShow(t *testing.T) {
	code, out, _ := runCatalog(t, nil, "show", "acme-analytics")
	require.Equal(t, exitOK, code)
	for _, want := range []string{
		"Acme Analytics (acme-analytics)\n",
		"company:           Acme Inc.\n",
		"purpose:           Counts visits.\n",
		"category:          analytics\n",
		"under the policy:  analytics (Analytics and performance), by the default mapping of analytics (",
		"docs:              https://acme.example/privacy\n",
		"hosts:             acme-analytics.example\n",
		"url prefixes:      cdn.shared.example/acme/\n",
		"cookies:\n",
		"  _acme     13mo     first party  Tells visitors apart.\n",
		"  acme_sid  session  third party",
	} {
		assert.Contains(t, out, want)
	}
	assert.NotContains(t, out, "embed:")

	code, out, _ = runCatalog(t, nil, "show", "tubey")
	require.Equal(t, exitOK, code)
	assert.Contains(t, out, "embed:             video (can get a click-to-load placeholder)\n")
	assert.Contains(t, out, "under the policy:  targeting, by the default mapping of video")

	small := writeFile(t, "policy.yaml", smallPolicy)
	overrides := writeFile(t, "overrides.yaml", smallPolicy+"catalog:\n  vendors: {chatty: analytics}\n  exclude: [adnet]\n")
	off := writeFile(t, "off.yaml", smallPolicy+"catalog: none\n")
	tests := []struct {
		name, policy, vendor, want string
	}{
		{"fewer categories", small, "adnet", "under the policy:  blocked for every visitor: the policy maps advertising to none of its categories (set catalog.categories.advertising) (" + small + ")"},
		{"override", overrides, "chatty", "under the policy:  analytics (Statistics), by catalog.vendors.chatty"},
		{"excluded", overrides, "adnet", "under the policy:  not applied: excluded by catalog.exclude"},
		{"catalog off", off, "acme-analytics", "under the policy:  not applied: the policy turns the catalog off (catalog: none)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, _ := runCatalog(t, nil, "show", "-policy", tc.policy, tc.vendor)
			require.Equal(t, exitOK, code)
			assert.Contains(t, out, tc.want)
		})
	}
	code, _, _ = runCatalog(t, map[string]string{"CONSENT_POLICY": small}, "show", "adnet")
	assert.Equal(t, exitOK, code)

	code, out, errOut := runCatalog(t, nil, "show", "acme")
	assert.Equal(t, exitError, code)
	assert.Empty(t, out)
	assert.Contains(t, errOut, `no vendor "acme" (did you mean acme-analytics?)`)
}

// TestCatalogCheck: which tracker and category a URL belongs to, and
// whether a consent allows it, as an exit status a script can test.
func TestCatalogCheck(t *testing.T) {
	small := writeFile(t, "policy.yaml", smallPolicy)
	own := writeFile(t, "own.yaml", smallPolicy+`trackers:
  - {name: Our CDN stats, category: analytics, hosts: [stats.adnet.example]}
  - {name: Acme (self-hosted), vendor: acme-analytics, category: essential, hosts: [acme-analytics.example]}
`)
	tests := []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"catalog vendor, undecided", []string{"https://www.acme-analytics.example/a.js"}, exitBlocked, []string{
			"tracker:            Acme Analytics (catalog vendor acme-analytics, acme-analytics.example)\n",
			"standard category:  analytics\n",
			"category:           analytics (Analytics and performance)\n",
			"consent:            undecided (granted: essential)\n",
			"verdict:            blocked\n"}},
		{"granted category", []string{"-consent", "analytics", "https://acme-analytics.example/"}, exitAllowed, []string{"verdict:            allowed\n"}},
		{"flags after the URL", []string{"https://acme-analytics.example/", "-consent", "accept-all"}, exitAllowed, []string{"verdict:            allowed\n"}},
		{"another category granted", []string{"-consent", "targeting,functionality", "//acme-analytics.example/x"}, exitBlocked, []string{
			"consent:            targeting,functionality (granted: essential,targeting,functionality)\n"}},
		{"reject-all", []string{"-consent", "reject-all", "https://adnet.example/px"}, exitBlocked, nil},
		{"URL prefix", []string{"https://cdn.shared.example/acme/v2.js"}, exitBlocked, []string{"(catalog vendor acme-analytics, cdn.shared.example/acme/)"}},
		{"beside the URL prefix", []string{"https://cdn.shared.example/jquery.js"}, exitAllowed, []string{
			"tracker:   none: neither the policy nor the catalog declares cdn.shared.example\n", "verdict:   allowed\n"}},
		{"host without scheme", []string{"px.adnet-cdn.example/p.gif"}, exitBlocked, []string{"AdNet (catalog vendor adnet"}},
		{"unmapped category stays blocked after accept-all", []string{"-policy", small, "-consent", "accept-all", "https://adnet.example/"}, exitBlocked, []string{
			"category:           none: the policy maps this standard category to none of its own, so it is blocked for every visitor\n",
			"verdict:            blocked\n"}},
		{"the policy's own tracker wins by being more specific", []string{"-policy", own, "-consent", "analytics", "https://stats.adnet.example/"}, exitAllowed, []string{
			"tracker:   Our CDN stats (the policy's own, stats.adnet.example)\n", "category:  analytics (Statistics)\n"}},
		{"the policy's tracker replaces a vendor", []string{"-policy", own, "https://acme-analytics.example/"}, exitAllowed, []string{
			"tracker:   Acme (self-hosted) (the policy's own, acme-analytics.example, in place of catalog vendor acme-analytics)\n",
			"category:  essential\n"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCatalog(t, nil, append([]string{"check"}, tc.args...)...)
			assert.Equal(t, tc.code, code, errOut)
			for _, w := range tc.want {
				assert.Contains(t, out, w)
			}
			assert.Empty(t, errOut)
		})
	}
}

// TestCatalogCheckBuiltin: with the built-in catalog, a policy file that
// declares no tracker still blocks Google Analytics for an undecided
// visitor.
func TestCatalogCheckBuiltin(t *testing.T) {
	small := writeFile(t, "policy.yaml", smallPolicy)
	var stdout, stderr syncbuf.Buffer
	e := env{getenv: mapEnv(nil), stdout: &stdout, stderr: &stderr}
	code := run(context.Background(), []string{"catalog", "check", "-policy", small, "https://www.google-analytics.com/g/collect?v=2"}, e)
	assert.Equal(t, exitBlocked, code, stderr.String())
	assert.Contains(t, stdout.String(), "(catalog vendor google-analytics, google-analytics.com)")
	code = run(context.Background(), []string{"catalog", "check", "-policy", small, "-consent", "analytics", "https://www.google-analytics.com/g/collect?v=2"}, e)
	assert.Equal(t, exitAllowed, code, stderr.String())

	// The built-in policy: the Meta Pixel is blocked until targeting is
	// granted.
	stdout = syncbuf.Buffer{}
	code = run(context.Background(), []string{"catalog", "check", "https://connect.facebook.net/en_US/fbevents.js"}, e)
	assert.Equal(t, exitBlocked, code, stderr.String())
	assert.Contains(t, stdout.String(), "(catalog vendor meta-pixel, connect.facebook.net)")
	assert.Contains(t, stdout.String(), "policy:             the built-in policy\n")
	code = run(context.Background(), []string{"catalog", "check", "-consent", "targeting", "https://connect.facebook.net/en_US/fbevents.js"}, e)
	assert.Equal(t, exitAllowed, code, stderr.String())

	stdout = syncbuf.Buffer{}
	code = run(context.Background(), []string{"catalog", "show", "hotjar"}, e)
	assert.Equal(t, exitOK, code, stderr.String())
	assert.Contains(t, stdout.String(), "; the site uses it (the built-in policy)\n", "the built-in policy names its 17 vendors as used")
	assert.Contains(t, stdout.String(), "  _hjSession_*  ")
	assert.Contains(t, stdout.String(), " 30m ")
}

func TestLifetimeText(t *testing.T) {
	for in, want := range map[string]string{"session": "session", "30m": "30m", "1h": "1h", "90m": "1h30m", "2y": "2y", "13mo": "13mo", "24h": "1d", "45s": "45s"} {
		l, err := consent.ParseLifetime(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, lifetimeText(l), in)
	}
}

func TestCatalogUsageErrorsExitTwoNamingTheProblem(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{}, "consent-proxy: catalog: missing command (commands: search, show, check)"},
		{[]string{"list"}, `consent-proxy: catalog: unknown command "list"`},
		{[]string{"search"}, "consent-proxy: catalog: search: missing TERM"},
		{[]string{"search", "-x", "acme"}, "consent-proxy: catalog: flag provided but not defined: -x"},
		{[]string{"show"}, "consent-proxy: catalog: show: want one VENDOR"},
		{[]string{"show", "-policy", "/nonexistent/p.yaml", "adnet"}, "consent-proxy: catalog: -policy: policy: open /nonexistent/p.yaml"},
		{[]string{"check"}, "consent-proxy: catalog: check: want one URL"},
		{[]string{"check", "ftp://adnet.example/"}, `consent-proxy: catalog: check: "ftp://adnet.example/" is not an http(s) URL or host`},
		{[]string{"check", "not a host"}, `is not an http(s) URL or host`},
		{[]string{"check", "-consent", "ads", "https://adnet.example/"}, `consent-proxy: catalog: -consent: unknown category "ads": want undecided, reject-all, accept-all or categories of the policy (essential,analytics,`},
		{[]string{"check", "-consent"}, "consent-proxy: catalog: flag needs an argument: -consent"},
		{[]string{"check", "-nope", "https://adnet.example/"}, "consent-proxy: catalog: flag provided but not defined: -nope"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, out, errOut := runCatalog(t, nil, tc.args...)
			assert.Equal(t, exitUsage, code)
			assert.Empty(t, out)
			assert.Contains(t, errOut, tc.want)
			assert.Equal(t, 1, strings.Count(errOut, "\n"), "one line")
		})
	}
	bad := writeFile(t, "bad.yaml", smallPolicy+"catalog:\n  vendors: {nobody: analytics}\n")
	code, _, errOut := runCatalog(t, nil, "check", "-policy", bad, "https://adnet.example/")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, `-policy: catalog.vendors.nobody: no vendor "nobody" in the catalog`)
}

func TestCatalogHelpGoesToStdoutWithExitZero(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"help"}, {"search", "-h"}, {"show", "-h"}, {"check", "-help"}, {"check", "https://x.example/", "-h"}} {
		code, out, errOut := runCatalog(t, nil, args...)
		assert.Equal(t, exitOK, code, args)
		assert.Contains(t, out, "Usage: consent-proxy catalog search TERM", args)
		assert.Empty(t, errOut, args)
	}
}

// FuzzCatalogCheckURL: whatever `catalog check` is given, it reads a
// lowercase host or refuses the URL, and a match is the host or a parent
// of it.
func FuzzCatalogCheckURL(f *testing.F) {
	for _, s := range []string{"https://www.acme-analytics.example/a.js", "//cdn.shared.example/acme/x", "px.adnet-cdn.example/p.gif",
		"HTTPS://ADNET.EXAMPLE:8443/x?y#z", "ftp://x.example/", "http://[::1]/", "https://u:p@adnet.example/", "", "%", "https://a..b/"} {
		f.Add(s)
	}
	c, err := catalog.Parse([]byte(testCatalog))
	require.NoError(f, err)
	p := consent.DefaultPolicy()
	p.Catalog = nil // it names vendors of the built-in catalog
	r, err := c.Resolve(p)
	require.NoError(f, err)
	ds := declarations(nil, r.Trackers)
	f.Fuzz(func(t *testing.T, raw string) {
		host, path, ok := splitCheckURL(raw)
		if !ok {
			return
		}
		require.Equal(t, strings.ToLower(host), host)
		require.NotEmpty(t, host)
		if d := matchDeclaration(ds, host, path); d != nil {
			require.True(t, host == d.host || strings.HasSuffix(host, "."+d.host), "%q matched %q", host, d.host)
			if d.path != "" {
				require.True(t, strings.HasPrefix(path, d.path) || path == "" && d.path == "/")
			}
		}
	})
}
