package banner

import (
	"strings"
	"testing"

	"github.com/consentgate/consent"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBannerMarkup(t *testing.T) {
	b, err := NewBanner(consent.DefaultPolicy(), "/consent")
	require.NoError(t, err)
	tests := []struct {
		name, path string
		want       []string
	}{
		{"plain path", "/about", []string{
			`<form method="post" action="/consent">`,
			`<input type="hidden" name="return" value="/about">`,
			`<button type="submit" name="action" value="accept-all">Accept all</button>`,
			`<button type="submit" name="action" value="reject-all">Reject all</button>`,
			`<a href="/consent/preferences?return=%2Fabout">Manage Preferences</a>`,
		}},
		{"query", "/shop?q=a b&x=1", []string{
			`value="/shop?q=a b&amp;x=1"`,
			`?return=%2Fshop%3Fq%3Da+b%26x%3D1"`,
		}},
		{"markup in the path is escaped", `/"><script>alert(1)</script>`, []string{
			`value="/&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"`,
			`?return=%2F%22%3E%3Cscript%3Ealert%281%29%3C%2Fscript%3E"`,
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := string(b.Append(nil, tc.path))
			assert.True(t, strings.HasPrefix(got, `<div id="consentgate-banner"`), got)
			assert.NotContains(t, got, "<script", "no markup from the path")
			for _, w := range tc.want {
				assert.Contains(t, got, w)
			}
		})
	}
}

func TestBannerNoticeFromThePolicyIsEscaped(t *testing.T) {
	p := consent.DefaultPolicy()
	p.Texts = map[string]string{TextNotice: `We <b>bake</b> cookies & "track".`}
	b, err := NewBanner(p, "/privacy")
	require.NoError(t, err)
	got := string(b.Append(nil, "/"))
	assert.Contains(t, got, `We &lt;b&gt;bake&lt;/b&gt; cookies &amp; &#34;track&#34;.`)
	assert.Contains(t, got, `action="/privacy"`)
}

func TestBannerAppendDoesNotAllocate(t *testing.T) {
	b, err := NewBanner(consent.DefaultPolicy(), "/consent")
	require.NoError(t, err)
	buf := make([]byte, 0, 4096)
	allocs := testing.AllocsPerRun(100, func() { buf = b.Append(buf[:0], "/shop?page=2") })
	assert.Zero(t, allocs)
}
