package caddy

import (
	"encoding/json"
	"testing"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/stretchr/testify/require"
)

// FuzzUnmarshalCaddyfile feeds the directive's parser any block: it
// returns a handler or an error, never panics, and a handler it returns
// survives a JSON round trip, as Caddy stores it.
func FuzzUnmarshalCaddyfile(f *testing.F) {
	for _, seed := range []string{
		"consentgate",
		"consentgate {\n hash_key {env.K} a,b\n block_key c\n mode defer\n gpc\n}",
		"consentgate {\n report_only banner\n inventory /admin/i\n csp report\n csp_site_hosts a.example b.example\n}",
		"consentgate {\n ledger sqlite:///x.db\n ledger_retention 1096d\n cookie_lifetime 90d\n}",
		"consentgate {\n policy a {\n }\n}",
		"consentgate x {\n}",
		"consentgate {\n mode\n}\n",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, input string) {
		var h Handler
		if err := h.UnmarshalCaddyfile(caddyfile.NewTestDispenser(input)); err != nil {
			return
		}
		b, err := json.Marshal(&h)
		require.NoError(t, err)
		var back Handler
		require.NoError(t, json.Unmarshal(b, &back))
		again, err := json.Marshal(&back)
		require.NoError(t, err)
		require.JSONEq(t, string(b), string(again))
	})
}
