package htmlrewrite_test

import (
	"fmt"
	"strings"
	"sync"

	"github.com/consentgate/consent/middleware/internal/htmlrewrite"
)

func Example() {
	// Once per policy.
	m, err := htmlrewrite.NewMatcher([]htmlrewrite.Tracker{
		{Name: "Google Analytics", Hosts: []string{"googletagmanager.com", "google-analytics.com"}, Category: 1},
		{Name: "Meta Pixel", Hosts: []string{"connect.facebook.net"}, URLs: []string{"www.facebook.com/tr"}, Category: 2},
	})
	if err != nil {
		panic(err)
	}
	pool := sync.Pool{New: func() any { return new(htmlrewrite.Rewriter) }}

	// Per response: the visitor granted analytics (bit 1), not marketing.
	var out strings.Builder
	var removed []string
	rw := pool.Get().(*htmlrewrite.Rewriter)
	defer pool.Put(rw)
	rw.Reset(&out, m, htmlrewrite.Options{
		Granted: 1 << 1,
		Inject:  []byte(`<div id="consent-banner"></div>`),
		OnRemove: func(r htmlrewrite.Removal) {
			removed = append(removed, r.Kind+" "+r.Host+" ("+r.Tracker.Name+")")
		},
	})
	body := `<html><head>
<script async src="https://www.googletagmanager.com/gtag/js?id=G-1"></script>
<script>fbq('init','1');s.src='https://connect.facebook.net/en_US/fbevents.js'</script>
</head><body>
<p>Hello</p><img src="https://www.facebook.com/tr?id=1&amp;ev=PageView" width="1" height="1">
</body></html>`
	// The body may come in any pieces.
	for _, chunk := range strings.SplitAfter(body, "\n") {
		if _, err := rw.Write([]byte(chunk)); err != nil {
			panic(err)
		}
	}
	if err := rw.Close(); err != nil {
		panic(err)
	}
	fmt.Println(out.String())
	fmt.Println("changed:", rw.Changed())
	fmt.Println("removed:", strings.Join(removed, "; "))
	// Output:
	// <html><head>
	// <script async src="https://www.googletagmanager.com/gtag/js?id=G-1"></script>
	//
	// </head><body><div id="consent-banner"></div>
	// <p>Hello</p>
	// </body></html>
	// changed: true
	// removed: script connect.facebook.net (Meta Pixel); img www.facebook.com (Meta Pixel)
}
