package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// writeFile writes a file named name into a fresh directory.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	return path
}

func TestBadSettingsExitTwoNamingTheFlag(t *testing.T) {
	const up = "http://127.0.0.1:1"
	keys := []string{"-hash-key", testHash, "-block-key", testBlock}
	withKeys := func(args ...string) []string { return append(append([]string{}, keys...), args...) }
	tests := []struct {
		name   string
		args   []string
		env    map[string]string
		config string // a config file of this name…
		body   string // …holding this
		want   string // the whole message, or the start of it
	}{
		{name: "no upstream", args: withKeys(), want: "consent-proxy: -upstream: required"},
		{name: "upstream ftp", args: withKeys("-upstream", "ftp://example.com"), want: "consent-proxy: -upstream: must be an http or https URL"},
		{name: "upstream without host", args: withKeys("-upstream", "http://"), want: "consent-proxy: -upstream: must be an http or https URL"},
		{name: "upstream without scheme", args: withKeys("-upstream", "127.0.0.1:3000"), want: "consent-proxy: -upstream: must be an http or https URL"},
		{name: "upstream with user", args: withKeys("-upstream", "http://u:p@example.com"), want: "consent-proxy: -upstream: must hold no user info"},
		{name: "mode", args: withKeys("-upstream", up, "-mode", "sideways"), want: "consent-proxy: -mode: must be strip or defer"},
		{name: "listen", args: withKeys("-upstream", up, "-listen", "8080"), want: "consent-proxy: -listen: must be host:port"},
		{name: "no keys", args: []string{"-upstream", up}, want: "consent-proxy: -hash-key: required"},
		{name: "block key alone", args: []string{"-upstream", up, "-block-key", testBlock}, want: "consent-proxy: -hash-key: required with -block-key"},
		{name: "hash key not hex", args: []string{"-upstream", up, "-hash-key", "!!"}, want: "consent-proxy: -hash-key: hash key 1"},
		{name: "hash key short", args: []string{"-upstream", up, "-hash-key", testHash[:32]}, want: "consent-proxy: -hash-key: key 1 is 16 bytes, want 32 or 64"},
		{name: "second hash key short", args: []string{"-upstream", up, "-hash-key", testHash + "," + testHash[:32]}, want: "consent-proxy: -hash-key: key 2 is 16 bytes"},
		{name: "block keys miscounted", args: []string{"-upstream", up, "-hash-key", testHash + "," + testHash, "-block-key", testBlock}, want: "consent-proxy: -block-key: "},
		{name: "block key size", args: []string{"-upstream", up, "-hash-key", testHash, "-block-key", testBlock[:16]}, want: "consent-proxy: -block-key: key 1 is 8 bytes"},
		{name: "prefix", args: withKeys("-upstream", up, "-prefix", "consent"), want: "consent-proxy: -prefix: must start with '/'"},
		{name: "healthz", args: withKeys("-upstream", up, "-healthz", "healthz"), want: "consent-proxy: -healthz: must be a path"},
		{name: "healthz under prefix", args: withKeys("-upstream", up, "-healthz", "/consent/up"), want: "consent-proxy: -healthz: /consent/up is under -prefix /consent"},
		{name: "shutdown timeout", args: withKeys("-upstream", up, "-shutdown-timeout", "soon"), want: "consent-proxy: -shutdown-timeout: must be a positive duration"},
		{name: "shutdown timeout zero", args: withKeys("-upstream", up, "-shutdown-timeout", "0s"), want: "consent-proxy: -shutdown-timeout: must be a positive duration"},
		{name: "bool", args: withKeys("-upstream", up, "-gpc=maybe"), want: `consent-proxy: -gpc: must be true or false, not "maybe"`},
		{name: "policy missing", args: withKeys("-upstream", up, "-policy", "/nonexistent/policy.yaml"), want: "consent-proxy: -policy: "},
		{name: "policy invalid", args: withKeys("-upstream", up, "-policy", "POLICY"), config: "policy.yaml", body: "version: 1\nbogus: true\n", want: "consent-proxy: -policy: "},
		{name: "language", args: withKeys("-upstream", up, "-language", "xx"), want: "consent-proxy: -language: "},
		{name: "unknown flag", args: withKeys("-upstream", up, "-nope"), want: "consent-proxy: flag provided but not defined: -nope"},
		{name: "flag without value", args: withKeys("-upstream"), want: "consent-proxy: flag needs an argument: -upstream"},
		{name: "stray argument", args: withKeys("-upstream", up, "extra"), want: `consent-proxy: unexpected argument "extra"`},
		{name: "unknown command", args: []string{"ledger", "export"}, want: `consent-proxy: unknown command "ledger" (commands: serve)`},
		{name: "serve command checks flags", args: []string{"serve", "-upstream", up}, want: "consent-proxy: -hash-key: required"},

		{name: "bad env value", args: withKeys("-upstream", up), env: map[string]string{"CONSENT_MODE": "sideways"},
			want: "consent-proxy: -mode: must be strip or defer (from CONSENT_MODE)"},
		{name: "bad env bool", args: withKeys("-upstream", up), env: map[string]string{"CONSENT_GPC": "maybe"},
			want: `consent-proxy: -gpc: must be true or false, not "maybe" (from CONSENT_GPC)`},
		{name: "bad env upstream", args: withKeys(), env: map[string]string{"CONSENT_UPSTREAM": "nope"},
			want: `consent-proxy: -upstream: must be an http or https URL with a host, not "nope" (from CONSENT_UPSTREAM)`},
		{name: "bad config value", args: withKeys("-upstream", up, "-config", "CONFIG"), config: "proxy.yaml", body: "mode: sideways\n",
			want: "consent-proxy: -mode: must be strip or defer (from config file "},
		{name: "config unknown key", args: withKeys("-config", "CONFIG"), config: "proxy.yaml", body: "upstrem: http://127.0.0.1:3000\n",
			want: `consent-proxy: -config: `},
		{name: "config key config", args: withKeys("-config", "CONFIG"), config: "proxy.json", body: `{"config": "other.json"}`,
			want: `consent-proxy: -config: `},
		{name: "config missing", args: withKeys("-upstream", up, "-config", "/nonexistent/proxy.yaml"), want: "consent-proxy: -config: "},
		{name: "config from env missing", args: withKeys("-upstream", up), env: map[string]string{"CONSENT_CONFIG": "/nonexistent/proxy.yaml"},
			want: "consent-proxy: -config: "},
		{name: "config extension", args: withKeys("-upstream", up, "-config", "CONFIG"), config: "proxy.toml", body: "mode = 'strip'\n",
			want: "consent-proxy: -config: "},
		{name: "config syntax", args: withKeys("-upstream", up, "-config", "CONFIG"), config: "proxy.json", body: `{"mode": `,
			want: "consent-proxy: -config: "},
		{name: "config trailing data", args: withKeys("-upstream", up, "-config", "CONFIG"), config: "proxy.json", body: `{"mode": "strip"} {}`,
			want: "consent-proxy: -config: "},
		{name: "config nested list", args: withKeys("-upstream", up, "-config", "CONFIG"), config: "proxy.yaml", body: "hash-key: [[a]]\n",
			want: "consent-proxy: -config: "},
		{name: "config null", args: withKeys("-upstream", up, "-config", "CONFIG"), config: "proxy.yaml", body: "mode:\n",
			want: "consent-proxy: -config: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{}, tt.args...)
			if tt.config != "" {
				path := writeFile(t, tt.config, tt.body)
				for i, a := range args {
					if a == "CONFIG" || a == "POLICY" {
						args[i] = path
					}
				}
			}
			vars := map[string]string{"CONSENT_LISTEN": "127.0.0.1:0"}
			for k, v := range tt.env {
				vars[k] = v
			}
			var stderr syncBuffer
			// An already-ended context: should a case wrongly pass, the
			// proxy stops at once and returns 0 instead of serving.
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			code := run(ctx, args, env{getenv: mapEnv(vars), stderr: &stderr})
			out := stderr.String()
			assert.Equal(t, exitUsage, code, out)
			assert.True(t, strings.HasPrefix(out, tt.want), "stderr %q does not start with %q", out, tt.want)
			assert.Equal(t, 1, strings.Count(out, "\n"), "one line: %q", out)
		})
	}
}

func TestHelpExitsZero(t *testing.T) {
	var stderr syncBuffer
	code := run(context.Background(), []string{"-h"}, env{getenv: mapEnv(nil), stderr: &stderr})
	assert.Equal(t, exitOK, code)
	for _, s := range settings {
		assert.Contains(t, stderr.String(), "-"+s.name+" ("+envName(s.name)+")")
	}
}

func TestPrecedenceFlagOverEnvOverConfigOverDefault(t *testing.T) {
	file := writeFile(t, "proxy.yaml", "upstream: http://file:1\nmode: defer\nlisten: 127.0.0.1:9100\ngpc: true\nhash-key:\n  - "+testHash+"\n  - "+testHash+"\n")
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want map[string]string // resolved value by setting
		src  map[string]string // where it came from ("" = flag or default)
	}{
		{
			name: "defaults",
			want: map[string]string{"listen": "127.0.0.1:8080", "mode": "strip", "prefix": "/consent", "healthz": "/healthz", "shutdown-timeout": "30s", "gpc": "false"},
		},
		{
			name: "config file over default",
			args: []string{"-config", file},
			want: map[string]string{"upstream": "http://file:1", "mode": "defer", "listen": "127.0.0.1:9100", "gpc": "true", "hash-key": testHash + "," + testHash, "prefix": "/consent"},
			src:  map[string]string{"upstream": "config file " + file, "prefix": ""},
		},
		{
			name: "config file named by the environment",
			env:  map[string]string{"CONSENT_CONFIG": file},
			want: map[string]string{"upstream": "http://file:1", "mode": "defer"},
		},
		{
			name: "environment over config file",
			args: []string{"-config", file},
			env:  map[string]string{"CONSENT_UPSTREAM": "http://env:1", "CONSENT_GPC": "false"},
			want: map[string]string{"upstream": "http://env:1", "gpc": "false", "mode": "defer"},
			src:  map[string]string{"upstream": "CONSENT_UPSTREAM"},
		},
		{
			name: "flag over environment and config file",
			args: []string{"-config", file, "-upstream", "http://flag:1", "-gpc=false", "-mode", "strip"},
			env:  map[string]string{"CONSENT_UPSTREAM": "http://env:1", "CONSENT_MODE": "defer"},
			want: map[string]string{"upstream": "http://flag:1", "gpc": "false", "mode": "strip", "listen": "127.0.0.1:9100"},
			src:  map[string]string{"upstream": "", "mode": ""},
		},
		{
			name: "empty variable counts as unset",
			args: []string{"-config", file},
			env:  map[string]string{"CONSENT_MODE": ""},
			want: map[string]string{"mode": "defer"},
		},
		{
			name: "bool flag alone means true",
			args: []string{"-insecure-dev", "-debug"},
			env:  map[string]string{"CONSENT_INSECURE_DEV": "false"},
			want: map[string]string{"insecure-dev": "true", "debug": "true"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := resolve(tt.args, mapEnv(tt.env))
			require.NoError(t, err)
			for k, want := range tt.want {
				assert.Equal(t, want, v.val[k], k)
			}
			for k, want := range tt.src {
				assert.Equal(t, want, v.src[k], k)
			}
		})
	}
}

func TestConfigFileFormats(t *testing.T) {
	tests := []struct {
		name, file, body string
		want             map[string]string
	}{
		{name: "yaml", file: "p.yaml", body: "upstream: http://127.0.0.1:3000\ngpc: true\nshutdown-timeout: 5s\n",
			want: map[string]string{"upstream": "http://127.0.0.1:3000", "gpc": "true", "shutdown-timeout": "5s"}},
		{name: "yml with key list", file: "p.yml", body: "hash-key: [a, b]\n", want: map[string]string{"hash-key": "a,b"}},
		{name: "json", file: "p.json", body: `{"upstream": "https://example.com", "debug": false, "listen": "127.0.0.1:8081", "hash-key": ["a", "b"]}`,
			want: map[string]string{"upstream": "https://example.com", "debug": "false", "listen": "127.0.0.1:8081", "hash-key": "a,b"}},
		{name: "numbers as text", file: "p.json", body: `{"language": 12}`, want: map[string]string{"language": "12"}},
		{name: "empty yaml", file: "p.yaml", body: "", want: map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readConfigFile(writeFile(t, tt.file, tt.body))
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}
