package metrics_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// prometheusPrefix is where client_golang and its dependencies live.
const prometheusPrefix = "github.com/prometheus/"

// linked lists the packages pkg links, as `go list -deps` prints them, run
// from the module root.
func linked(t *testing.T, pkg string) []string {
	t.Helper()
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH: cannot list dependencies")
	}
	cmd := exec.Command(goCmd, "list", "-deps", pkg)
	cmd.Dir = ".."
	out, err := cmd.Output()
	if ee, ok := err.(*exec.ExitError); ok {
		t.Fatalf("go list -deps %s: %v\n%s", pkg, err, ee.Stderr)
	}
	require.NoError(t, err)
	return strings.Fields(string(out))
}

// TestMiddlewareLinksNoPrometheus checks the promise of the layout: the
// middleware keeps its counters without a metrics library, and only this
// package (and the proxy, which serves /metrics) brings Prometheus in.
func TestMiddlewareLinksNoPrometheus(t *testing.T) {
	for _, c := range []struct {
		pkg   string
		links bool
	}{
		{"./middleware", false},
		{"./consenttest", false},
		{"./examples/quickstart", false},
		{"./metrics", true},
		{"./cmd/consent-proxy", true},
	} {
		t.Run(c.pkg, func(t *testing.T) {
			deps := linked(t, c.pkg)
			require.Contains(t, deps, "runtime", "the listing is complete")
			if c.links {
				assert.Contains(t, deps, "github.com/prometheus/client_golang/prometheus")
				return
			}
			for _, d := range deps {
				assert.False(t, strings.HasPrefix(d, prometheusPrefix), "%s links %s", c.pkg, d)
			}
		})
	}
}
