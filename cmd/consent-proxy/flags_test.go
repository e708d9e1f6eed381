package main

import (
	"context"
	"github.com/consentgate/consent/internal/syncbuf"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/consentgate/consent/middleware"
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
	// A ledger file in a directory that exists; no case gets as far as
	// creating it.
	tmpLedger := filepath.Join(t.TempDir(), "ledger.db")
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
		{name: "csp", args: withKeys("-upstream", up, "-csp", "strict"), want: `consent-proxy: -csp: must be off, report or enforce, not "strict"`},
		{name: "csp enforce in report-only mode", args: withKeys("-upstream", up, "-report-only", "-csp", "enforce"), want: "consent-proxy: -csp: enforce with -report-only"},
		{name: "csp from the config file", args: withKeys("-upstream", up, "-config", "CONFIG"), config: "proxy.yaml", body: "csp: sideways\n",
			want: "consent-proxy: -csp: must be off, report or enforce, not \"sideways\" (from config file "},
		{name: "csp site host", args: withKeys("-upstream", up, "-csp-site-hosts", "static.example.net,https://cdn.example.net"),
			want: `consent-proxy: -csp-site-hosts: "https://cdn.example.net" is not a host name`},
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
		{name: "unknown command", args: []string{"ledgers", "export"}, want: `consent-proxy: unknown command "ledgers" (commands: catalog, help, inventory, ledger, serve, version)`},
		{name: "serve command checks flags", args: []string{"serve", "-upstream", up}, want: "consent-proxy: -hash-key: required"},

		{name: "ledger scheme", args: withKeys("-upstream", up, "-ledger", "mysql://u:secret@db/x"),
			want: `consent-proxy: -ledger: must be a sqlite:, postgres: or postgresql: URL, not one of scheme "mysql"`},
		{name: "ledger without scheme", args: withKeys("-upstream", up, "-ledger", "/var/lib/ledger.db"), want: "consent-proxy: -ledger: must be a URL"},
		{name: "ledger directory missing", args: withKeys("-upstream", up, "-ledger", "sqlite:///nonexistent/dir/ledger.db"),
			want: "consent-proxy: -ledger: directory /nonexistent/dir does not exist"},
		{name: "ledger sqlite query", args: withKeys("-upstream", up, "-ledger", "sqlite://"+tmpLedger+"?mode=ro"),
			want: "consent-proxy: -ledger: store: unsupported ledger URL: a sqlite URL takes no query"},
		{name: "ledger postgres unparsable", args: withKeys("-upstream", up, "-ledger", "postgres://u:secret@db:port/x"),
			want: "consent-proxy: -ledger: store: unsupported ledger URL"},
		{name: "ledger from env", args: withKeys("-upstream", up), env: map[string]string{"CONSENT_LEDGER": "mysql://db/x"},
			want: `consent-proxy: -ledger: must be a sqlite:, postgres: or postgresql: URL, not one of scheme "mysql" (from CONSENT_LEDGER)`},
		{name: "retention", args: withKeys("-upstream", up, "-ledger-retention", "soon"), want: "consent-proxy: -ledger-retention: must be whole years (3y)"},
		{name: "retention fractional years", args: withKeys("-upstream", up, "-ledger-retention", "1.5y"), want: "consent-proxy: -ledger-retention: must be whole years"},
		{name: "retention zero", args: withKeys("-upstream", up, "-ledger-retention", "0d"), want: `consent-proxy: -ledger-retention: must be positive, not "0d"`},
		{name: "retention negative", args: withKeys("-upstream", up, "-ledger-retention", "-1h"), want: `consent-proxy: -ledger-retention: must be positive`},
		{name: "retention too long", args: withKeys("-upstream", up, "-ledger-retention", "101y"), want: `consent-proxy: -ledger-retention: "101y" is longer than 100 years`},
		{name: "ip hash key without ledger", args: withKeys("-upstream", up, "-ip-hash-key", testHash),
			want: "consent-proxy: -ip-hash-key: set without -ledger"},
		{name: "ip hash key not hex", args: withKeys("-upstream", up, "-ledger", "sqlite://"+tmpLedger, "-ip-hash-key", "zz"),
			want: "consent-proxy: -ip-hash-key: must be hex"},
		{name: "ip hash key short", args: withKeys("-upstream", up, "-ledger", "sqlite://"+tmpLedger, "-ip-hash-key", testHash[:32]),
			want: "consent-proxy: -ip-hash-key: key is 16 bytes, want at least 32"},

		{name: "ledger without command", args: []string{"ledger"}, want: "consent-proxy: ledger: missing command (commands: export)"},
		{name: "ledger unknown command", args: []string{"ledger", "import"}, want: `consent-proxy: ledger: unknown command "import" (commands: export)`},
		{name: "export without ledger", args: []string{"ledger", "export"}, want: "consent-proxy: -ledger: required (or CONSENT_LEDGER)"},
		{name: "export missing file", args: []string{"ledger", "export", "-ledger", "sqlite:///nonexistent/ledger.db"},
			want: "consent-proxy: -ledger: no ledger file /nonexistent/ledger.db"},
		{name: "export missing file from env", args: []string{"ledger", "export"}, env: map[string]string{"CONSENT_LEDGER": "sqlite:nonexistent.db"},
			want: "consent-proxy: -ledger: no ledger file nonexistent.db (from CONSENT_LEDGER)"},
		{name: "export scheme", args: []string{"ledger", "export", "-ledger", "mysql://db/x"}, want: "consent-proxy: -ledger: must be a sqlite:"},
		{name: "export from", args: []string{"ledger", "export", "-from", "yesterday"}, want: `consent-proxy: -from: must be an RFC 3339 time`},
		{name: "export to", args: []string{"ledger", "export", "-to", "31/01/2026"}, want: `consent-proxy: -to: must be an RFC 3339 time`},
		{name: "export to before from", args: []string{"ledger", "export", "-from", "2026-02-01", "-to", "2026-01-01T00:00:00Z"},
			want: "consent-proxy: -to: must be after -from"},
		{name: "export format", args: []string{"ledger", "export", "-format", "xml"}, want: `consent-proxy: -format: must be jsonl or csv, not "xml"`},
		{name: "export output directory", args: []string{"ledger", "export", "-o", "/nonexistent/ledger.jsonl"},
			want: "consent-proxy: -o: directory /nonexistent does not exist"},
		{name: "export stray argument", args: []string{"ledger", "export", "extra"}, want: `consent-proxy: unexpected argument "extra"`},
		{name: "export unknown flag", args: []string{"ledger", "export", "-nope"}, want: "consent-proxy: flag provided but not defined: -nope"},

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
			var stderr syncbuf.Buffer
			// An already-ended context: should a case wrongly pass, the
			// proxy stops at once and returns 0 instead of serving.
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			code := run(ctx, args, env{getenv: mapEnv(vars), stderr: &stderr})
			out := stderr.String()
			assert.Equal(t, exitUsage, code, out)
			assert.True(t, strings.HasPrefix(out, tt.want), "stderr %q does not start with %q", out, tt.want)
			assert.Equal(t, 1, strings.Count(out, "\n"), "one line: %q", out)
			assert.NotContains(t, out, "secret", "a ledger URL's password is never shown")
		})
	}
}

func TestHelpExitsZero(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"-help"}, {"--help"}, {"help"}, {"help", "serve"}, {"serve", "-h"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			var stdout, stderr syncbuf.Buffer
			code := run(context.Background(), args, env{getenv: mapEnv(nil), stdout: &stdout, stderr: &stderr})
			assert.Equal(t, exitOK, code)
			assert.Empty(t, stderr.String(), "asked-for help goes to standard output")
			for _, s := range settings {
				assert.Contains(t, stdout.String(), "-"+s.name+" ("+envName(s.name)+")")
			}
		})
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

// -csp defaults to enforce, and to report with -report-only, which enforces
// nothing; -csp-site-hosts is a comma-separated list.
func TestCSPSetting(t *testing.T) {
	for _, tc := range []struct {
		name  string
		args  []string
		env   map[string]string
		want  middleware.CSPMode
		hosts []string
	}{
		{"default", nil, nil, middleware.CSPEnforce, nil},
		{"report-only", []string{"-report-only"}, nil, middleware.CSPReport, nil},
		{"report-only, off", []string{"-report-only", "-csp", "off"}, nil, middleware.CSPOff, nil},
		{"off", []string{"-csp", "OFF"}, nil, middleware.CSPOff, nil},
		{"from the environment", nil, map[string]string{"CONSENT_CSP": "report"}, middleware.CSPReport, nil},
		{"site hosts", []string{"-csp-site-hosts", "static.example.net, img.example.net,"}, nil, middleware.CSPEnforce,
			[]string{"static.example.net", "img.example.net"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := resolve(append([]string{"-upstream", "http://127.0.0.1:3000", "-hash-key", testHash}, tc.args...), mapEnv(tc.env))
			require.NoError(t, err)
			c, err := parseConfig(v)
			require.NoError(t, err)
			assert.Equal(t, tc.want, c.csp)
			assert.Equal(t, tc.hosts, c.cspSiteHosts)
		})
	}
}
