package main

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// drivers are the module paths of the ledger's database drivers, which only
// store/sqlite, store/postgres and store/ledgerurl may bring in.
var drivers = []string{"modernc.org/", "github.com/jackc/"}

// deps lists the packages pkg links, as `go list -deps` prints them, run
// from the module root.
func deps(t *testing.T, pkg string) []string {
	t.Helper()
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH: cannot list dependencies")
	}
	cmd := exec.Command(goCmd, "list", "-deps", pkg)
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if ee, ok := err.(*exec.ExitError); ok {
		t.Fatalf("go list -deps %s: %v\n%s", pkg, err, ee.Stderr)
	}
	require.NoError(t, err)
	return strings.Fields(string(out))
}

// driversIn returns the packages of deps that belong to a database driver.
func driversIn(deps []string) []string {
	var found []string
	for _, d := range deps {
		for _, prefix := range drivers {
			if strings.HasPrefix(d, prefix) {
				found = append(found, d)
			}
		}
	}
	return found
}

// TestLeanImports checks the promise of the package layout: an app that
// uses the middleware and the cookie codec (this quick start, the stdlib
// example, the other router examples) links no database driver. The
// commands that open a ledger from a URL link both, which shows the check
// finds them when they are there.
func TestLeanImports(t *testing.T) {
	for _, pkg := range []string{
		"./examples/quickstart", "./examples/stdlib", "./examples/chi", "./examples/gorillamux",
		"./middleware", "./store", "./banner", "./catalog", "./consenttest", ".",
	} {
		t.Run(pkg, func(t *testing.T) {
			d := deps(t, pkg)
			require.Contains(t, d, "runtime", "the listing is complete")
			assert.Empty(t, driversIn(d), "%s links a database driver", pkg)
		})
	}
	for _, c := range []struct{ pkg, driver string }{
		{"./store/sqlite", "modernc.org/sqlite"},
		{"./store/postgres", "github.com/jackc/pgx/v5"},
		{"./store/ledgerurl", "modernc.org/sqlite"},
		{"./store/ledgerurl", "github.com/jackc/pgx/v5"},
		{"./cmd/consent-proxy", "modernc.org/sqlite"},
		{"./cmd/consent-proxy", "github.com/jackc/pgx/v5"},
	} {
		t.Run(c.pkg+" links "+c.driver, func(t *testing.T) {
			assert.Contains(t, deps(t, c.pkg), c.driver)
		})
	}
	t.Run("./store/sqlite links no pgx", func(t *testing.T) {
		assert.NotContains(t, strings.Join(deps(t, "./store/sqlite"), " "), "github.com/jackc/")
	})
	t.Run("./store/postgres links no sqlite", func(t *testing.T) {
		assert.NotContains(t, strings.Join(deps(t, "./store/postgres"), " "), "modernc.org/")
	})
}
