package middleware

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzCSPReport feeds arbitrary bodies to the report parser and endpoint.
// Whatever arrives, nothing panics, the answer is 204 or 400, what the
// parser accepts is within the limits and carries a directive name, and
// the inventory keeps only hosts and keywords it can show.
func FuzzCSPReport(f *testing.F) {
	for _, seed := range []string{
		reportURIBodyGTM, reportsBodyTwo, `[]`, `{}`, `[null]`, `[{"type":"csp-violation"}]`,
		`{"csp-report":{"blocked-uri":"inline","violated-directive":"script-src 'self'"}}`,
		`[{"type":"csp-violation","body":{"blockedURL":"https://a.example:99999/x","effectiveDirective":"img-src","documentURL":"http://[::1"}}]`,
		`[{"type":"csp-violation","body":{"blockedURL":"blob:","effectiveDirective":"worker-src","documentURL":"about:blank"}}]`,
		`[{"type":"csp-violation","body":{"blockedURL":"https://\u0000/","effectiveDirective":"IMG-SRC"}}] `,
		`[` + strings.Repeat(`[`, 200) + `]`, `{"csp-report":{"csp-report":{}}}`, "[{}]\n[]",
	} {
		f.Add(seed, false)
		f.Add(seed, true)
	}
	for _, name := range []string{"chromium156-report-uri.json", "chromium156-reports.json"} {
		body, err := os.ReadFile(filepath.Join("testdata", "cspreports", name))
		require.NoError(f, err)
		f.Add(string(body), strings.HasSuffix(name, "-reports.json"))
	}
	m, _ := newTestMiddleware(f)
	f.Fuzz(func(t *testing.T, body string, reportingAPI bool) {
		ct := ctCSPReport
		if reportingAPI {
			ct = ctReports
		}
		vs, err := parseCSPReports(ct, []byte(body), nil)
		if err != nil {
			require.ErrorIs(t, err, errCSPReport)
			require.Empty(t, vs, "a refused body yields nothing")
		} else {
			require.LessOrEqual(t, len(vs), MaxCSPReportsPerRequest)
			for _, v := range vs {
				require.True(t, isDirectiveName(v.directive), "directive %q", v.directive)
				if name, _, keyword, ok := blockedName(v.blockedURL); ok {
					require.NotEmpty(t, name)
					require.LessOrEqual(t, len(name), 253)
					if keyword {
						require.True(t, isDirectiveName(name), "keyword %q", name)
					}
				}
				p := documentPath(v.documentURL)
				require.NotEmpty(t, p)
				require.LessOrEqual(t, len(p), maxPathBytes+8)
			}
		}
		rec := postReport(m, ct, body)
		if err != nil {
			require.Equal(t, http.StatusBadRequest, rec.Code)
		} else {
			require.Equal(t, http.StatusNoContent, rec.Code)
		}
		require.LessOrEqual(t, len(m.Inventory().CSPReports), MaxInventoryCSPReports)
	})
}
