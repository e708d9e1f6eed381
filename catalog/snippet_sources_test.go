package catalog

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// snippetURL finds absolute and scheme-relative URLs in a snippet: in
// attributes and in the strings of inline loaders alike.
var snippetURL = regexp.MustCompile(`(?i)(?:https?:)?//([a-z0-9][a-z0-9.-]*\.[a-z]{2,})(/[^\s"'<>)]*)?`)

// TestSnippetsBelongToTheirVendor keeps the published snippets in
// testdata/snippets honest: each is named after a catalog vendor
// (<vendor-id>.html, or <vendor-id>.<variant>.html for a second form of
// the same vendor's snippet), starts by naming its https source page, and
// loads from a host or URL prefix that this vendor claims, so that the
// middleware test that runs them checks the vendor's own entry.
func TestSnippetsBelongToTheirVendor(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "snippets", "*.html"))
	require.NoError(t, err)
	if len(files) == 0 {
		t.Skip("no snippets")
	}
	c := Default()
	for _, file := range files {
		name := filepath.Base(file)
		t.Run(name, func(t *testing.T) {
			id, _, _ := strings.Cut(strings.TrimSuffix(name, ".html"), ".")
			v, ok := c.Vendor(id)
			require.True(t, ok, "%s is not named after a catalog vendor", name)

			data, err := os.ReadFile(file)
			require.NoError(t, err)
			first, rest, _ := strings.Cut(string(data), "\n")
			assert.True(t, strings.HasPrefix(first, "<!-- source: https://") && strings.HasSuffix(first, "-->"),
				"the first line must be <!-- source: https://… -->, got %q", first)

			var seen []string
			for _, m := range snippetURL.FindAllStringSubmatch(rest, -1) {
				host, path := strings.ToLower(m[1]), m[2]
				seen = append(seen, host+path)
				if vendorClaims(v, host, path) {
					return
				}
			}
			t.Errorf("no URL of the snippet is claimed by vendor %s (hosts %v, urls %v); it names %v",
				v.ID, v.Hosts, v.URLs, seen)
		})
	}
}

// vendorClaims reports whether host+path falls under one of v's hosts
// (a host covers its subdomains) or URL prefixes.
func vendorClaims(v Vendor, host, path string) bool {
	for _, h := range v.Hosts {
		if host == h || strings.HasSuffix(host, "."+h) {
			return true
		}
	}
	for _, u := range v.URLs {
		if strings.HasPrefix(host+path, u) {
			return true
		}
	}
	return false
}
