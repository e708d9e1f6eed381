package caddy

import (
	"strings"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

func init() {
	httpcaddyfile.RegisterHandlerDirective("consentgate", parseCaddyfile)
	// After encode, so that encode compresses the pages the middleware
	// rewrote; before everything that answers (respond, reverse_proxy,
	// file_server) and the handlers that make pages (templates), so that
	// their output is rewritten; after basic_auth and forward_auth, which
	// can so guard the inventory path.
	httpcaddyfile.RegisterDirectiveOrder("consentgate", httpcaddyfile.After, "encode")
}

// repeatable are the settings whose arguments add up over several lines.
var repeatable = map[string]bool{"hash_key": true, "block_key": true, "csp_site_hosts": true, "trusted_origins": true, "language_file": true}

// parseCaddyfile reads the consentgate directive.
func parseCaddyfile(h httpcaddyfile.Helper) (caddyhttp.MiddlewareHandler, error) {
	m := new(Handler)
	err := m.UnmarshalCaddyfile(h.Dispenser)
	return m, err
}

// UnmarshalCaddyfile reads
//
//	consentgate {
//		policy             <file>
//		hash_key           <key...>
//		block_key          <key...>
//		mode               strip|defer
//		gpc
//		debug
//		language           <tag>
//		consent_mode
//		prefix             <path>
//		insecure_dev
//		host_prefix
//		csp                off|report|enforce
//		csp_site_hosts     <host...>
//		ledger             <url>
//		ledger_retention   <duration>
//		ip_hash_key        <hex>
//		report_only        [banner]
//		inventory          <path>
//		cookie_lifetime    <duration>
//		trusted_origins    <origin...>
//		undeclared_category <category>
//		language_file      <file...>
//	}
//
// Keys and URLs take {env.NAME} placeholders, read when the config loads.
func (h *Handler) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // the directive's name
	if d.NextArg() {
		return d.Errf("consentgate takes no arguments, only a block of settings; got %q", d.Val())
	}
	seen := map[string]bool{}
	for d.NextBlock(0) {
		name := d.Val()
		args := d.RemainingArgs()
		// Keys and hosts add up; every other setting is given once.
		if seen[name] && !repeatable[name] {
			return d.Errf("consentgate: %s: given twice", name)
		}
		seen[name] = true
		if d.NextBlock(1) {
			return d.Errf("consentgate: %s: takes no block", name)
		}
		one := func(what string) (string, error) {
			if len(args) != 1 {
				return "", d.Errf("consentgate: %s: want one argument (%s), got %d", name, what, len(args))
			}
			return args[0], nil
		}
		flag := func(p *bool) error {
			if len(args) != 0 {
				return d.Errf("consentgate: %s: takes no arguments, got %q", name, strings.Join(args, " "))
			}
			*p = true
			return nil
		}
		var err error
		switch name {
		case "policy":
			h.PolicyFile, err = one("a policy file, JSON or YAML")
		case "hash_key", "block_key":
			if len(args) == 0 {
				return d.Errf("consentgate: %s: want at least one key, such as {env.CONSENT_%s}", name, strings.ToUpper(name))
			}
			if name == "hash_key" {
				h.HashKeys = append(h.HashKeys, args...)
			} else {
				h.BlockKeys = append(h.BlockKeys, args...)
			}
		case "mode":
			if h.Mode, err = one("strip or defer"); err == nil && h.Mode != "strip" && h.Mode != "defer" {
				err = d.Errf("consentgate: mode: must be strip or defer, not %q", h.Mode)
			}
		case "gpc":
			err = flag(&h.GPC)
		case "debug":
			err = flag(&h.Debug)
		case "language":
			h.Language, err = one("a language tag such as de")
		case "consent_mode":
			err = flag(&h.ConsentMode)
		case "prefix":
			h.Prefix, err = one("a path such as /consent")
		case "insecure_dev":
			err = flag(&h.InsecureDev)
		case "host_prefix":
			err = flag(&h.HostPrefix)
		case "csp":
			if h.CSP, err = one("off, report or enforce"); err == nil && h.CSP != "off" && h.CSP != "report" && h.CSP != "enforce" {
				err = d.Errf("consentgate: csp: must be off, report or enforce, not %q", h.CSP)
			}
		case "csp_site_hosts":
			if len(args) == 0 {
				return d.Errf("consentgate: csp_site_hosts: want at least one host, such as static.example.net")
			}
			h.CSPSiteHosts = append(h.CSPSiteHosts, args...)
		case "ledger":
			h.Ledger, err = one("a URL: sqlite:///abs/ledger.db or postgres://…")
		case "ledger_retention":
			var s string
			if s, err = one("a duration such as 1096d"); err == nil {
				dur, perr := caddy.ParseDuration(s)
				if perr != nil || dur <= 0 {
					return d.Errf("consentgate: ledger_retention: must be a positive duration such as 1096d or 26304h, not %q", s)
				}
				h.LedgerRetention = caddy.Duration(dur)
			}
		case "ip_hash_key":
			h.IPHashKey, err = one("a hex key of 32 bytes or more, such as {env.CONSENT_IP_HASH_KEY}")
		case "report_only":
			switch {
			case len(args) == 0:
				h.ReportOnly = true
			case len(args) == 1 && args[0] == "banner":
				h.ReportOnly, h.ReportOnlyBanner = true, true
			default:
				return d.Errf("consentgate: report_only: takes nothing or banner, not %q", strings.Join(args, " "))
			}
		case "inventory":
			h.InventoryPath, err = one("a path such as /admin/consent-inventory")
		case "cookie_lifetime":
			var s string
			if s, err = one("a duration such as 180d"); err == nil {
				dur, perr := caddy.ParseDuration(s)
				if perr != nil || dur <= 0 {
					return d.Errf("consentgate: cookie_lifetime: must be a positive duration such as 180d or 4320h, not %q", s)
				}
				h.CookieLifetime = caddy.Duration(dur)
			}
		case "trusted_origins":
			if len(args) == 0 {
				return d.Errf("consentgate: trusted_origins: want at least one origin, such as https://shop.example.com")
			}
			h.TrustedOrigins = append(h.TrustedOrigins, args...)
		case "undeclared_category":
			h.UndeclaredCategory, err = one("a category of the policy, such as essential")
		case "language_file":
			if len(args) == 0 {
				return d.Errf("consentgate: language_file: want at least one file, JSON or YAML")
			}
			h.LanguageFiles = append(h.LanguageFiles, args...)
		default:
			return d.Errf("consentgate: unknown setting %q (want policy, hash_key, block_key, mode, gpc, debug, language, consent_mode, prefix, insecure_dev, host_prefix, csp, csp_site_hosts, ledger, ledger_retention, ip_hash_key, report_only, inventory, cookie_lifetime, trusted_origins, undeclared_category or language_file)", name)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// Interface guard
var _ caddyfile.Unmarshaler = (*Handler)(nil)
