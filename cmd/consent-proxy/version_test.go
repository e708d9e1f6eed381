package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/consentgate/consent/internal/syncbuf"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestVersionLine(t *testing.T) {
	platform := runtime.GOOS + "/" + runtime.GOARCH
	tests := []struct {
		name string
		bi   *debug.BuildInfo
		ok   bool
		want string
	}{
		{"go install @version", &debug.BuildInfo{GoVersion: "go1.27.3", Main: debug.Module{Version: "v1.4.0"}}, true,
			"consent-proxy v1.4.0 go1.27.3 " + platform},
		{"built in a clone", &debug.BuildInfo{GoVersion: "go1.27.3", Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "4d6995a1"}, {Key: "vcs.modified", Value: "true"}}}, true,
			"consent-proxy (devel) go1.27.3 " + platform + " commit 4d6995a1+modified"},
		{"clean commit", &debug.BuildInfo{GoVersion: "go1.27.3", Main: debug.Module{Version: "v1.4.1-0.20261201120000-4d6995a1aaaa"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "4d6995a1aaaa"}, {Key: "vcs.modified", Value: "false"}}}, true,
			"consent-proxy v1.4.1-0.20261201120000-4d6995a1aaaa go1.27.3 " + platform + " commit 4d6995a1aaaa"},
		{"no build info", nil, false, "consent-proxy (unknown) " + runtime.Version() + " " + platform},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, versionLine(tt.bi, tt.ok))
		})
	}
}

func TestVersionCommand(t *testing.T) {
	for _, args := range [][]string{{"-version"}, {"--version"}, {"version"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			var stdout, stderr syncbuf.Buffer
			code := run(context.Background(), args, env{getenv: mapEnv(nil), stdout: &stdout, stderr: &stderr})
			assert.Equal(t, exitOK, code)
			assert.Empty(t, stderr.String())
			assert.Regexp(t, `^consent-proxy \S+ go1\.\d+\S* `+runtime.GOOS+`/`+runtime.GOARCH+`( commit \S+)?\n$`, stdout.String())
		})
	}
	var stdout, stderr syncbuf.Buffer
	assert.Equal(t, exitUsage, run(context.Background(), []string{"version", "extra"}, env{getenv: mapEnv(nil), stdout: &stdout, stderr: &stderr}))
	assert.Contains(t, stderr.String(), `version takes no arguments, not "extra"`)
	assert.Empty(t, stdout.String())
}

func TestHelpUnknownCommand(t *testing.T) {
	var stdout, stderr syncbuf.Buffer
	code := run(context.Background(), []string{"help", "deploy"}, env{getenv: mapEnv(nil), stdout: &stdout, stderr: &stderr})
	assert.Equal(t, exitUsage, code)
	assert.Equal(t, "consent-proxy: help: unknown command \"deploy\" (commands: catalog, help, inventory, ledger, serve, version)\n", stderr.String())
	assert.Empty(t, stdout.String())
}

// TestBinaryHelpAndVersion builds the command and runs it as a user does:
// -h, help and -version print to standard output and exit 0; the version
// is the Go release that built it.
func TestBinaryHelpAndVersion(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	bin := filepath.Join(t.TempDir(), "consent-proxy")
	build := exec.Command(goCmd, "build", "-o", bin, ".")
	build.Env = os.Environ()
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)
	goVersion, err := exec.Command(goCmd, "env", "GOVERSION").Output()
	require.NoError(t, err)

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-h"}, "Usage: consent-proxy [serve] [flags]"},
		{[]string{"help"}, "Usage: consent-proxy [serve] [flags]"},
		{[]string{"ledger", "export", "-h"}, "Usage: consent-proxy ledger export"},
		{[]string{"-version"}, "consent-proxy "},
		{[]string{"version"}, "consent-proxy "},
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			cmd := exec.Command(bin, c.args...)
			var stdout, stderr strings.Builder
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			require.NoError(t, cmd.Run(), "exit status 0")
			assert.True(t, strings.HasPrefix(stdout.String(), c.want), "stdout %q does not start with %q", stdout.String(), c.want)
			assert.Empty(t, stderr.String())
			if c.args[0] != "-h" && strings.Contains(c.args[0], "version") {
				// "(devel)" in a clone without VCS stamping, else the
				// pseudo-version go build derives from the commit.
				assert.Contains(t, stdout.String(), " "+strings.TrimSpace(string(goVersion))+" "+runtime.GOOS+"/"+runtime.GOARCH)
			}
		})
	}
}
