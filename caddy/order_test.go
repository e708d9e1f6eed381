package caddy

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// adapt turns a Caddyfile into the handlers of its first site's route, in
// the order Caddy runs them.
func adapt(t *testing.T, input string) []string {
	t.Helper()
	adapter := caddyfile.Adapter{ServerType: httpcaddyfile.ServerType{}}
	out, _, err := adapter.Adapt([]byte(input), nil) // warnings are about formatting
	require.NoError(t, err)
	var cfg struct {
		Apps struct {
			HTTP struct {
				Servers map[string]struct {
					Routes []struct {
						Handle []struct {
							Handler string `json:"handler"`
							Routes  []struct {
								Handle []struct {
									Handler string `json:"handler"`
								} `json:"handle"`
							} `json:"routes"`
						} `json:"handle"`
					} `json:"routes"`
				} `json:"servers"`
			} `json:"http"`
		} `json:"apps"`
	}
	require.NoError(t, json.Unmarshal(out, &cfg))
	var order []string
	for _, srv := range cfg.Apps.HTTP.Servers {
		for _, route := range srv.Routes {
			for _, h := range route.Handle {
				if h.Handler != "subroute" {
					order = append(order, h.Handler)
					continue
				}
				for _, sub := range h.Routes {
					for _, h := range sub.Handle {
						order = append(order, h.Handler)
					}
				}
			}
		}
	}
	return order
}

func TestDirectiveOrder(t *testing.T) {
	// Written in the worst order on purpose: Caddy sorts directives.
	order := adapt(t, `example.com {
		reverse_proxy 127.0.0.1:3000
		respond /ping "pong"
		templates
		consentgate {
			hash_key {env.CONSENT_HASH_KEY}
		}
		basic_auth /admin/* {
			ops $2a$04$dHVlMQRoX7CW1GOkRcliWuyypmMYECXQZB1BV.l9QCu.sjzAwZ9cm
		}
		encode
	}`)
	assert.Equal(t, []string{"authentication", "encode", "consentgate", "templates", "static_response", "reverse_proxy"}, order,
		"after basic_auth (which guards the inventory) and encode (which compresses the rewritten pages), before what makes or answers pages")
}

// TestREADMEExampleAdapts keeps the README's Caddyfile true: it adapts,
// and its handlers run in the order the README says.
func TestREADMEExampleAdapts(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	_, rest, ok := strings.Cut(string(readme), "## Caddy\n")
	require.True(t, ok, "the README has a Caddy section")
	_, rest, ok = strings.Cut(rest, "```caddyfile\n")
	require.True(t, ok, "with a Caddyfile example")
	example, _, ok := strings.Cut(rest, "```\n")
	require.True(t, ok)
	// The example elides the password hash.
	example = strings.Replace(example, "$2a$14$…", "$2a$04$dHVlMQRoX7CW1GOkRcliWuyypmMYECXQZB1BV.l9QCu.sjzAwZ9cm", 1)
	assert.Equal(t, []string{"authentication", "encode", "consentgate", "reverse_proxy"}, adapt(t, example))
}
