package htmlrewrite

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// Images whose URLs are all relative skip the attribute parsing; every way
// of writing a host must still reach it.
func TestRelativeURLFastPath(t *testing.T) {
	m := testMatcher(t)
	for _, tc := range []rwCase{
		{"relative kept", `<img src="/img/a.jpg" srcset="/img/a.jpg 1x, /img/b.jpg 2x" sizes="(max-width: 600px) 100vw" alt="a">`,
			`<img src="/img/a.jpg" srcset="/img/a.jpg 1x, /img/b.jpg 2x" sizes="(max-width: 600px) 100vw" alt="a">`},
		{"scheme without slashes", `<img src="https:www.facebook.com/tr?x">`, ``},
		{"backslashes", `<img src="/\www.facebook.com/tr?x">`, ``},
		{"CSS colon beside a scheme-relative URL", `<img sizes="(max-width: 6px)" src="//www.facebook.com/tr?x">`, ``},
		{"entity slash", `<img src="&#47;/www.facebook.com/tr?x">`, ``},
		{"tab between slashes", "<img src=\"/\t/www.facebook.com/tr?x\">", ``},
		{"in srcset only", `<img src="/a.png" srcset="/a.png 1x, https://www.facebook.com/tr?x 2x">`, ``},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, rewrite(t, m, stripOpts(), tc.in))
		})
	}
}
