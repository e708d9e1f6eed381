package middleware

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/consentgate/consent"
	"github.com/consentgate/consent/catalog"
	"github.com/consentgate/consent/internal/syncbuf"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// snippetDir holds the vendors' published snippets: <vendor-id>.html or
// <vendor-id>.<variant>.html, the first line an HTML comment naming the
// source page.
const snippetDir = "../catalog/testdata/snippets"

// snippet reads one published snippet without its source line (a comment
// that may name the vendor's own documentation host).
func snippet(t *testing.T, file string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(snippetDir, file))
	require.NoError(t, err)
	first, rest, _ := strings.Cut(string(data), "\n")
	require.True(t, strings.HasPrefix(first, "<!--") && strings.HasSuffix(strings.TrimSpace(first), "-->"),
		"%s: the first line must be an HTML comment naming the source", file)
	return rest
}

// htmlPage serves body inside a page.
func htmlPage(body string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, "<!doctype html>\n<html><head><title>Shop</title></head><body>\n<h1>Shop</h1>\n"+body+"\n</body></html>\n")
	})
}

// pageBody is what follows htmlPage's heading: the snippet as served,
// without the banner.
func pageBody(out string) string {
	_, after, _ := strings.Cut(out, "<h1>Shop</h1>\n")
	return after
}

// inert matches what names a host without the browser contacting it: HTML
// comments and links (followed only when clicked).
var inert = regexp.MustCompile(`(?s)<!--.*?-->|<a\s[^>]*>`)

// hostTokens lists the hosts (or host+path prefixes) of patterns that occur
// in s as host tokens (not inside a longer label, any case), outside
// comments and links.
func hostTokens(s string, patterns ...string) []string {
	s = inert.ReplaceAllString(strings.ToLower(s), "")
	var found []string
	for _, p := range patterns {
		re := regexp.MustCompile(`(^|[^a-z0-9_-])` + regexp.QuoteMeta(p) + `($|[^a-z0-9_-])`)
		if strings.Contains(p, "/") {
			re = regexp.MustCompile(`(^|[^a-z0-9_-])` + regexp.QuoteMeta(p))
		}
		if re.MatchString(s) {
			found = append(found, p)
		}
	}
	return found
}

func vendorPatterns(t *testing.T, id string) []string {
	t.Helper()
	v, ok := catalog.Default().Vendor(id)
	require.True(t, ok, "no vendor %q in the catalog", id)
	return append(append([]string{}, v.Hosts...), v.URLs...)
}

// TestSnippets runs each vendor's published snippet through the middleware
// with the default policy: removed for a visitor who has not decided, kept
// byte for byte for one who granted the category the vendor falls under.
func TestSnippets(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(snippetDir, "*.html"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	m, _ := newTestMiddleware(t)
	resolved, err := catalog.Default().Resolve(m.policy)
	require.NoError(t, err)
	for _, path := range files {
		file := filepath.Base(path)
		id, _, _ := strings.Cut(strings.TrimSuffix(file, ".html"), ".")
		t.Run(strings.TrimSuffix(file, ".html"), func(t *testing.T) {
			body := snippet(t, file)
			v, ok := catalog.Default().Vendor(id)
			require.True(t, ok, "%s: no vendor %q in the catalog", file, id)
			patterns := vendorPatterns(t, id)
			require.NotEmpty(t, hostTokens(body, patterns...), "the snippet names none of the vendor's hosts")

			undecided := get(m, htmlPage(body), "/").Body.String()
			assert.Empty(t, hostTokens(undecided, patterns...), "an undecided visitor's page still names the vendor:\n%s", pageBody(undecided))

			cat := resolved.CategoryOf(v)
			require.NotEqual(t, consent.Unmapped, cat)
			granted := get(m, htmlPage(body), "/", decide(t, m, save(string(cat)))).Body.String()
			assert.Contains(t, granted, body, "granted %s, the snippet is kept byte for byte", cat)
		})
	}
}

// readmePolicy is the example policy of the README's "The policy" section.
func readmePolicy(t *testing.T) []byte {
	t.Helper()
	readme, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	_, section, ok := strings.Cut(string(readme), "### The policy")
	require.True(t, ok)
	_, block, ok := strings.Cut(section, "```yaml\n")
	require.True(t, ok)
	block, _, ok = strings.Cut(block, "```")
	require.True(t, ok)
	return []byte(block)
}

// TestCustomPolicyKeepsCatalogTrackersBlocked: a site's own policy file
// that declares no trackers (or only a session cookie) still gets the
// catalog: Google Analytics, Tag Manager and the Meta Pixel are removed.
func TestCustomPolicyKeepsCatalogTrackersBlocked(t *testing.T) {
	page := snippet(t, "google-analytics.html") + snippet(t, "google-tag-manager.html") + snippet(t, "meta-pixel.html")
	patterns := append(append(vendorPatterns(t, "google-analytics"), vendorPatterns(t, "google-tag-manager")...),
		vendorPatterns(t, "meta-pixel")...)
	require.NotEmpty(t, hostTokens(page, patterns...))
	tests := []struct {
		name      string
		doc       []byte
		acceptAll bool   // an accept-all visitor gets none either: nobody was asked
		warning   string // logged by New
	}{
		{"the README's example policy", readmePolicy(t), false, "advertising ("},
		{"a policy with only a session cookie", []byte(`version: "1"
categories:
  - {id: essential, name: Essential, required: true}
cookies:
  - {name: session, category: essential, purpose: Keeps you signed in.}
`), true, "analytics ("},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := consent.ParsePolicy(tt.doc, consent.YAML)
			require.NoError(t, err)
			logs := &syncbuf.Buffer{}
			m, err := New(p, Keys(testKey), Logger(slog.New(slog.NewTextHandler(logs, nil))))
			require.NoError(t, err)
			assert.Contains(t, logs.String(), "blocked for every visitor")
			assert.Contains(t, logs.String(), tt.warning)

			out := get(m, htmlPage(page), "/").Body.String()
			assert.Empty(t, hostTokens(out, patterns...), "undecided:\n%s", pageBody(out))
			rec := get(m, setsCookies("session", "_ga", "_fbp", "_gcl_au"), "/")
			assert.Equal(t, []string{"session"}, setCookieNames(rec.Header()), "the catalog's first-party cookies are filtered too")
			if tt.acceptAll {
				c := decide(t, m, acceptAll())
				out = get(m, htmlPage(page), "/", c).Body.String()
				assert.Empty(t, hostTokens(out, patterns...), "accept-all:\n%s", pageBody(out))
				rec := get(m, setsCookies(), "/", c, &http.Cookie{Name: "_ga", Value: "1"}, &http.Cookie{Name: "session", Value: "1"})
				assert.Equal(t, []string{"_ga", "_ga"}, setCookieNames(rec.Header()), "a cookie nobody was asked about is expired, host-only and on the site")
			}
		})
	}
}

func TestCatalogSettingsThroughNew(t *testing.T) {
	page := snippet(t, "meta-pixel.html")
	meta := vendorPatterns(t, "meta-pixel")
	newWith := func(t *testing.T, p *consent.Policy, opts ...Option) (*Middleware, string, error) {
		logs := &syncbuf.Buffer{}
		m, err := New(p, append([]Option{Keys(testKey), Logger(slog.New(slog.NewTextHandler(logs, nil)))}, opts...)...)
		return m, logs.String(), err
	}

	t.Run("catalog none: a warning, and only the policy's own declarations", func(t *testing.T) {
		p := testPolicy()
		p.Catalog = &consent.CatalogSettings{Off: true}
		m, logs, err := newWith(t, p)
		require.NoError(t, err)
		assert.Contains(t, logs, "catalog: none")
		assert.Contains(t, logs, "only its own tracker and cookie declarations are enforced")
		assert.NotEmpty(t, hostTokens(get(m, htmlPage(page), "/").Body.String(), meta...))
		assert.Empty(t, m.Trackers())
	})
	t.Run("a mapping and an exclusion", func(t *testing.T) {
		p := testPolicy()
		p.Catalog = &consent.CatalogSettings{Exclude: []string{"meta-pixel"}}
		m, logs, err := newWith(t, p)
		require.NoError(t, err)
		assert.NotContains(t, logs, "blocked for every visitor")
		assert.NotEmpty(t, hostTokens(get(m, htmlPage(page), "/").Body.String(), meta...), "excluded: not applied")
	})
	t.Run("an override moves a vendor to a granted category", func(t *testing.T) {
		p := testPolicy()
		p.Catalog = &consent.CatalogSettings{Vendors: map[string]consent.CategoryID{"meta-pixel": consent.Analytics}}
		m, _, err := newWith(t, p)
		require.NoError(t, err)
		c := decide(t, m, save("analytics"))
		assert.Contains(t, get(m, htmlPage(page), "/", c).Body.String(), page)
	})
	t.Run("the site's own tracker wins over the catalog's", func(t *testing.T) {
		p := testPolicy()
		p.Trackers = append(p.Trackers, consent.Tracker{Name: "Our Meta integration", Category: consent.Essential,
			Hosts: []string{"connect.facebook.net"}, URLs: []string{"www.facebook.com/tr"}})
		m, _, err := newWith(t, p)
		require.NoError(t, err)
		assert.Contains(t, get(m, htmlPage(page), "/").Body.String(), page)
		assert.Equal(t, "Our Meta integration", m.Trackers()[0].Name, "the effective list starts with the policy's own")
	})
	t.Run("errors name the field", func(t *testing.T) {
		p := testPolicy()
		p.Catalog = &consent.CatalogSettings{Vendors: map[string]consent.CategoryID{"foo": consent.Analytics}}
		_, _, err := newWith(t, p)
		require.Error(t, err)
		assert.True(t, errors.Is(err, ErrConfig))
		assert.True(t, errors.Is(err, consent.ErrInvalidPolicy))
		assert.Contains(t, err.Error(), `policy: catalog.vendors.foo: no vendor "foo" in the catalog`)

		_, _, err = newWith(t, testPolicy(), Catalog(nil))
		require.ErrorIs(t, err, ErrConfig)
		assert.Contains(t, err.Error(), "Catalog is nil")
	})
	t.Run("another catalog", func(t *testing.T) {
		c, err := catalog.Parse([]byte(`- {id: acme, name: Acme, category: analytics, purpose: Counts., docs: "https://acme.example/privacy", hosts: [acme.example]}`))
		require.NoError(t, err)
		p := testPolicy()
		p.Catalog = nil // the default policy's uses name vendors of the built-in catalog
		m, _, err := newWith(t, p, Catalog(c))
		require.NoError(t, err)
		assert.NotEmpty(t, hostTokens(get(m, htmlPage(page), "/").Body.String(), meta...), "not in that catalog")
		out := get(m, htmlPage(`<script src="https://cdn.acme.example/a.js"></script>`), "/").Body.String()
		assert.NotContains(t, out, "acme.example")
	})
}

// TestPolicyPageListsUsedVendors: the default policy's page describes the
// vendors it uses, with their cookies, and counts the other known ones.
func TestPolicyPageListsUsedVendors(t *testing.T) {
	m, _ := newTestMiddleware(t)
	out := get(m, http.NotFoundHandler(), "/consent/policy").Body.String()
	ga, _ := catalog.Default().Vendor("google-analytics")
	for _, w := range []string{
		"<tr><td>Google Analytics (<a href=\"" + ga.Docs + "\"",
		`<code>_ga</code>`,
		"other known third parties",
		"<details><summary>",
	} {
		assert.Contains(t, out, w)
	}
}

// TestInventoryNamesUnmappedVendors: in report-only mode and when
// enforcing, a removed vendor that no category covers is recorded under
// consent.Unmapped, by name.
func TestInventoryNamesUnmappedVendors(t *testing.T) {
	p, err := consent.ParsePolicy([]byte("version: \"1\"\ncategories: [{id: essential, name: Essential, required: true}]\n"), consent.YAML)
	require.NoError(t, err)
	page := htmlPage(snippet(t, "meta-pixel.html"))
	for _, opts := range [][]Option{nil, {ReportOnly(false)}} {
		m, err := New(p, append([]Option{Keys(testKey), Logger(slog.New(slog.NewTextHandler(io.Discard, nil)))}, opts...)...)
		require.NoError(t, err)
		get(m, page, "/")
		var found bool
		for _, h := range m.Inventory().Hosts {
			if h.Host == "connect.facebook.net" {
				found = true
				assert.Equal(t, "Meta Pixel", h.Tracker)
				assert.Equal(t, string(consent.Unmapped), h.Category)
			}
		}
		assert.True(t, found, "report-only %v: %+v", m.ReportOnly(), m.Inventory().Hosts)
	}
}
