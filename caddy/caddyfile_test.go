package caddy

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	testHashKey  = "5f1c8a2b4d6e8f0a1b3c5d7e9f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c"
	testBlockKey = "9a07b1c2d3e4f5061728394a5b6c7d8e9fa0b1c2d3e4f5061728394a5b6c7d8e"
)

func TestUnmarshalCaddyfile(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		want    string // the handler as JSON
		wantErr string
	}{
		{
			name:  "empty block",
			input: `consentgate`,
			want:  `{}`,
		},
		{
			name: "every setting",
			input: `consentgate {
				policy /etc/consent/policy.yaml
				hash_key {env.CONSENT_HASH_KEY} {env.OLD_HASH_KEY}
				block_key {env.CONSENT_BLOCK_KEY}
				block_key {env.OLD_BLOCK_KEY}
				mode defer
				gpc
				debug
				language de
				consent_mode
				prefix /privacy
				host_prefix
				csp report
				csp_site_hosts static.example.net cdn.example.net
				ledger sqlite:///var/lib/consent/ledger.db
				ledger_retention 1096d
				ip_hash_key {env.CONSENT_IP_HASH_KEY}
				report_only banner
				inventory /admin/consent-inventory
				cookie_lifetime 90d
				trusted_origins https://shop.example.com
				trusted_origins https://blog.example.com
				undeclared_category functionality
				language_file /etc/consent/es.yaml
			}`,
			want: `{"policy_file":"/etc/consent/policy.yaml",
				"hash_keys":["{env.CONSENT_HASH_KEY}","{env.OLD_HASH_KEY}"],
				"block_keys":["{env.CONSENT_BLOCK_KEY}","{env.OLD_BLOCK_KEY}"],
				"mode":"defer","gpc":true,"debug":true,"language":"de","consent_mode":true,
				"prefix":"/privacy","host_prefix":true,"csp":"report",
				"csp_site_hosts":["static.example.net","cdn.example.net"],
				"ledger":"sqlite:///var/lib/consent/ledger.db","ledger_retention":94694400000000000,
				"ip_hash_key":"{env.CONSENT_IP_HASH_KEY}",
				"report_only":true,"report_only_banner":true,
				"inventory_path":"/admin/consent-inventory",
				"cookie_lifetime":7776000000000000,
				"trusted_origins":["https://shop.example.com","https://blog.example.com"],
				"undeclared_category":"functionality",
				"language_files":["/etc/consent/es.yaml"]}`,
		},
		{
			name:  "report_only alone",
			input: "consentgate {\n report_only\n insecure_dev\n}",
			want:  `{"report_only":true,"insecure_dev":true}`,
		},
		{name: "argument on the directive", input: `consentgate /consent`, wantErr: `consentgate takes no arguments, only a block of settings; got "/consent"`},
		{name: "unknown setting", input: "consentgate {\n hashkey abc\n}", wantErr: `consentgate: unknown setting "hashkey"`},
		{name: "bad mode", input: "consentgate {\n mode remove\n}", wantErr: `consentgate: mode: must be strip or defer, not "remove"`},
		{name: "mode without argument", input: "consentgate {\n mode\n}", wantErr: `consentgate: mode: want one argument (strip or defer), got 0`},
		{name: "flag with argument", input: "consentgate {\n gpc yes\n}", wantErr: `consentgate: gpc: takes no arguments, got "yes"`},
		{name: "hash_key without key", input: "consentgate {\n hash_key\n}", wantErr: `consentgate: hash_key: want at least one key, such as {env.CONSENT_HASH_KEY}`},
		{name: "bad csp", input: "consentgate {\n csp strict\n}", wantErr: `consentgate: csp: must be off, report or enforce, not "strict"`},
		{name: "bad retention", input: "consentgate {\n ledger_retention 3y\n}", wantErr: `consentgate: ledger_retention: must be a positive duration such as 1096d or 26304h, not "3y"`},
		{name: "report_only with something else", input: "consentgate {\n report_only loudly\n}", wantErr: `consentgate: report_only: takes nothing or banner, not "loudly"`},
		{name: "setting given twice", input: "consentgate {\n prefix /a\n prefix /b\n}", wantErr: `consentgate: prefix: given twice`},
		{name: "setting with a block", input: "consentgate {\n policy p.yaml {\n x\n }\n}", wantErr: `consentgate: policy: takes no block`},
		{name: "bad cookie lifetime", input: "consentgate {\n cookie_lifetime forever\n}", wantErr: `consentgate: cookie_lifetime: must be a positive duration such as 180d or 4320h, not "forever"`},
		{name: "trusted_origins without origin", input: "consentgate {\n trusted_origins\n}", wantErr: `consentgate: trusted_origins: want at least one origin`},
		{name: "two policy files", input: "consentgate {\n policy a.yaml b.yaml\n}", wantErr: `consentgate: policy: want one argument (a policy file, JSON or YAML), got 2`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h Handler
			err := h.UnmarshalCaddyfile(caddyfile.NewTestDispenser(tt.input))
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				assert.Contains(t, err.Error(), "Testfile:", "the error names the file and line")
				return
			}
			require.NoError(t, err)
			got, err := json.Marshal(&h)
			require.NoError(t, err)
			assert.JSONEq(t, tt.want, string(got))
		})
	}
}

// provision runs Provision as Caddy would when it loads a config.
func provision(t *testing.T, h *Handler) error {
	t.Helper()
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	t.Cleanup(cancel)
	err := h.Provision(ctx)
	if err == nil {
		t.Cleanup(func() { assert.NoError(t, h.Cleanup()) })
	}
	return err
}

func TestProvisionNamesTheField(t *testing.T) {
	t.Setenv("CG_TEST_EMPTY", "")
	dir := t.TempDir()
	badPolicy := filepath.Join(dir, "policy.yaml")
	require.NoError(t, os.WriteFile(badPolicy, []byte("version: 1\ncategories: [[\n"), 0o600))
	keys := []string{testHashKey}
	tests := []struct {
		name    string
		h       Handler
		wantErr string
	}{
		{name: "no keys", h: Handler{}, wantErr: "consentgate: hash_keys: required"},
		{name: "empty environment variable", h: Handler{HashKeys: []string{"{env.CG_TEST_EMPTY}"}}, wantErr: "consentgate: hash_keys: empty: is the environment variable set?"},
		{name: "unknown placeholder", h: Handler{HashKeys: []string{"{http.request.uri}"}}, wantErr: "consentgate: hash_keys: unrecognized placeholder {http.request.uri}"},
		{name: "short hash key", h: Handler{HashKeys: []string{"abcd"}}, wantErr: "consentgate: hash_keys: key 1 is 2 bytes, want 32 or 64"},
		{name: "block key without hash key", h: Handler{BlockKeys: []string{testBlockKey}, InsecureDev: true}, wantErr: "consentgate: hash_keys: required with block_keys"},
		{name: "short block key", h: Handler{HashKeys: keys, BlockKeys: []string{"abcd"}}, wantErr: "consentgate: block_keys: key 1 is 2 bytes, want 16, 24 or 32"},
		{name: "bad mode", h: Handler{HashKeys: keys, Mode: "remove"}, wantErr: `consentgate: mode: must be strip or defer, not "remove"`},
		{name: "bad prefix", h: Handler{HashKeys: keys, Prefix: "consent/"}, wantErr: `consentgate: prefix: must start with '/'`},
		{name: "unknown language", h: Handler{HashKeys: keys, Language: "xx"}, wantErr: "consentgate: language:"},
		{name: "host prefix over plain HTTP", h: Handler{HashKeys: keys, InsecureDev: true, HostPrefix: true}, wantErr: "consentgate: host_prefix: needs HTTPS"},
		{name: "report-only banner alone", h: Handler{HashKeys: keys, ReportOnlyBanner: true}, wantErr: "consentgate: report_only_banner: set without report_only"},
		{name: "bad csp", h: Handler{HashKeys: keys, CSP: "strict"}, wantErr: `consentgate: csp: must be off, report or enforce, not "strict"`},
		{name: "enforced csp in report-only mode", h: Handler{HashKeys: keys, CSP: "enforce", ReportOnly: true}, wantErr: "consentgate: csp: enforce with report_only"},
		{name: "inventory under the prefix", h: Handler{HashKeys: keys, InventoryPath: "/consent/inventory"}, wantErr: "consentgate: inventory_path: /consent/inventory is under the consent endpoint's prefix /consent"},
		{name: "inventory not a path", h: Handler{HashKeys: keys, InventoryPath: "inventory"}, wantErr: `consentgate: inventory_path: must be a path starting with '/', not "inventory"`},
		{name: "retention without ledger", h: Handler{HashKeys: keys, LedgerRetention: caddy.Duration(time.Hour)}, wantErr: "consentgate: ledger_retention: set without ledger"},
		{name: "ip hash key without ledger", h: Handler{HashKeys: keys, IPHashKey: testHashKey}, wantErr: "consentgate: ip_hash_key: set without ledger"},
		{name: "ip hash key not hex", h: Handler{HashKeys: keys, Ledger: "sqlite://" + filepath.Join(dir, "l.db"), IPHashKey: "zz"}, wantErr: "consentgate: ip_hash_key: must be hex"},
		{name: "unknown ledger scheme", h: Handler{HashKeys: keys, Ledger: "mysql://db/consent"}, wantErr: `consentgate: ledger:`},
		{name: "cookie lifetime too short", h: Handler{HashKeys: keys, CookieLifetime: caddy.Duration(time.Second)}, wantErr: "consentgate: cookie_lifetime: must be a minute or more, such as 180d, not 1s"},
		{name: "bad trusted origin", h: Handler{HashKeys: keys, TrustedOrigins: []string{"shop.example.com"}}, wantErr: "consentgate: trusted_origins:"},
		{name: "unknown undeclared category", h: Handler{HashKeys: keys, UndeclaredCategory: "misc"}, wantErr: `consentgate: undeclared_category: "misc" is not a category of the policy`},
		{name: "missing language file", h: Handler{HashKeys: keys, LanguageFiles: []string{filepath.Join(dir, "es.yaml")}}, wantErr: "consentgate: language_files:"},
		{name: "bad policy file", h: Handler{HashKeys: keys, PolicyFile: badPolicy}, wantErr: "consentgate: policy_file:"},
		{name: "missing policy file", h: Handler{HashKeys: keys, PolicyFile: filepath.Join(dir, "none.yaml")}, wantErr: "consentgate: policy_file:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := tt.h
			err := provision(t, &h)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
			assert.ErrorIs(t, err, ErrConfig)
			for _, secret := range []string{testHashKey, testBlockKey} {
				assert.NotContains(t, err.Error(), secret, "a key never appears in an error")
			}
		})
	}
}

func TestProvisionReadsKeysFromTheEnvironment(t *testing.T) {
	t.Setenv("CG_TEST_HASH_KEY", testHashKey+", "+strings.Repeat("ab", 32))
	t.Setenv("CG_TEST_BLOCK_KEY", testBlockKey+", "+strings.Repeat("cd", 16))
	h := Handler{HashKeys: []string{"{env.CG_TEST_HASH_KEY}"}, BlockKeys: []string{"{env.CG_TEST_BLOCK_KEY}"}}
	require.NoError(t, provision(t, &h))
	keys, random, err := h.keys(caddy.NewReplacer())
	require.NoError(t, err)
	assert.False(t, random)
	require.Len(t, keys, 2, "a comma-separated variable holds a rotation")
	assert.Len(t, keys[1].Block, 16)
}

func TestProvisionOpensTheLedger(t *testing.T) {
	t.Setenv("CG_TEST_LEDGER_DIR", t.TempDir())
	h := Handler{HashKeys: []string{testHashKey}, Ledger: "sqlite://{env.CG_TEST_LEDGER_DIR}/ledger.db",
		IPHashKey: testHashKey, LedgerRetention: caddy.Duration(400 * 24 * time.Hour)}
	require.NoError(t, provision(t, &h))
	require.NotNil(t, h.ledger)
	assert.FileExists(t, filepath.Join(os.Getenv("CG_TEST_LEDGER_DIR"), "ledger.db"))
}

func TestProvisionLanguageFileAddsALanguage(t *testing.T) {
	file := filepath.Join(t.TempDir(), "es.yaml")
	require.NoError(t, os.WriteFile(file, []byte("language: es\ntexts:\n  banner.title: Cookies en este sitio\n"), 0o600))
	h := Handler{HashKeys: []string{testHashKey}, Language: "es"}
	err := provision(t, &h)
	require.Error(t, err, "es is no built-in language")
	assert.Contains(t, err.Error(), "consentgate: language:")

	h = Handler{HashKeys: []string{testHashKey}, Language: "es", LanguageFiles: []string{file},
		CookieLifetime: caddy.Duration(90 * 24 * time.Hour), TrustedOrigins: []string{"https://shop.example.com"}, UndeclaredCategory: "functionality"}
	require.NoError(t, provision(t, &h), "the file makes es a language of the site")
}
