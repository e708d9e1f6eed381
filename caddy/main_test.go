package caddy

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/caddyserver/caddy/v2"
)

// testDir is the Caddy's storage (see globals).
var testDir string

// TestMain keeps the Caddy that caddytest runs in this process out of the
// user's home: its autosaved config and its storage (certificates, locks)
// go to a directory removed afterwards.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "consentgate-caddy-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for _, v := range []string{"XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"} {
		if err := os.Setenv(v, dir); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	// Set when the caddy package loads, before the variables above.
	caddy.ConfigAutosavePath = filepath.Join(dir, "autosave.json")
	testDir = dir
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}
