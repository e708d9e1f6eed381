package middleware

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// benchReportHosts is how many distinct hosts the benchmark's reports
// name: a real site's few hundred third parties, all within the
// inventory's cap, so that the benchmark measures the steady state.
const benchReportHosts = 200

// reportURIBody is a report-uri report as Chromium sends one, for the i-th
// host.
func benchReportURI(i int) string {
	return strings.Replace(reportURIBodyGTM, "www.googletagmanager.com", fmt.Sprintf("cdn%d.vendor-%d.example", i, i%17), 1)
}

// benchReportsBatch is a Reporting API upload of n csp-violation reports
// as Chromium sends them (with its user agent and the violated policy),
// naming hosts from i on.
func benchReportsBatch(i, n int) string {
	var b strings.Builder
	b.WriteByte('[')
	for j := range n {
		if j > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"age":%d,"body":{"blockedURL":"https://px%d.vendor-%d.example/collect?v=2&tid=G-ABC123&cid=555.666","columnNumber":15,`+
			`"disposition":"report","documentURL":"https://shop.example/courses/%d?ref=newsletter","effectiveDirective":"%s","lineNumber":3,`+
			`"originalPolicy":"default-src 'self'; script-src 'self' https://cdn.shop.example https://www.googletagmanager.com; img-src 'self' data: https://images.shop.example; connect-src 'self'; frame-src https://www.youtube-nocookie.com; report-uri /consent/csp-report; report-to consentgate",`+
			`"referrer":"https://www.search.example/","sample":"","sourceFile":"https://shop.example/assets/app.3f9a.js","statusCode":200},"type":"csp-violation",`+
			`"url":"https://shop.example/courses/%d?ref=newsletter","user_agent":"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"}`,
			40+j, (i+j)%benchReportHosts, (i+j)%benchReportHosts%17, j, []string{"img-src", "connect-src", "script-src-elem"}[j%3], j)
	}
	b.WriteByte(']')
	return b.String()
}

// BenchmarkCSPReport posts realistic reports of both formats through the
// middleware's handler, from as many goroutines as there are cores, and
// reports how many reports per second the endpoint takes (the target is
// 5,000 on the 2-core CI machine).
func BenchmarkCSPReport(b *testing.B) {
	const batch = 10
	for _, c := range []struct {
		name, ctype string
		perOp       int
		body        func(i int) string
	}{
		{"csp-report", ctCSPReport, 1, benchReportURI},
		{"reports+json", ctReports, batch, func(i int) string { return benchReportsBatch(i*batch, batch) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			m, _ := newTestMiddleware(b)
			h := m.Handler(http.NotFoundHandler())
			bodies := make([][]byte, benchReportHosts)
			size := 0
			for i := range bodies {
				bodies[i] = []byte(c.body(i))
				size += len(bodies[i])
			}
			b.SetBytes(int64(size / len(bodies)))
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				req := httptest.NewRequest(http.MethodPost, "/consent/csp-report", nil)
				req.Header.Set("Content-Type", c.ctype)
				w := &discardWriter{h: make(http.Header)}
				var rd bytes.Reader
				i := 0
				for pb.Next() {
					rd.Reset(bodies[i%len(bodies)])
					req.Body = io.NopCloser(&rd)
					clear(w.h)
					h.ServeHTTP(w, req)
					i++
				}
			})
			b.ReportMetric(float64(c.perOp*b.N)/b.Elapsed().Seconds(), "reports/s")
			inv := m.Inventory()
			if len(inv.CSPReports) == 0 || inv.Dropped.CSPReports != 0 {
				b.Fatalf("inventory: %d CSP entries, %d dropped", len(inv.CSPReports), inv.Dropped.CSPReports)
			}
		})
	}
}
