package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// setting is one option of the proxy. Every setting is a flag, an
// environment variable (envName) and a key of the config file, so that the
// three can never drift apart.
type setting struct {
	name   string
	def    string
	usage  string
	isBool bool
	list   bool // repeatable: each use adds to a comma-separated list
}

// settings lists every option, in the order usage shows them.
var settings = []setting{
	{name: "listen", def: "127.0.0.1:8080", usage: "address to listen on (host:port)"},
	{name: "upstream", usage: "URL of the site to proxy, http or https (required)"},
	{name: "policy", usage: "cookie policy file, JSON or YAML (default: the built-in policy)"},
	{name: "hash-key", usage: "consent cookie HMAC keys, hex or base64, comma-separated to rotate, first signs (required unless -insecure-dev)"},
	{name: "block-key", usage: "consent cookie AES keys, one per hash key (optional: without, the cookie is signed, not encrypted)"},
	{name: "insecure-dev", def: "false", isBool: true, usage: "development over plain HTTP: cookies without Secure, random keys when none are given"},
	{name: "host-prefix", def: "false", isBool: true, usage: "name the consent cookie __Host-consent, which no subdomain can set or overwrite (needs HTTPS: not with -insecure-dev)"},
	{name: "prefix", def: "/consent", usage: "path of the consent endpoint and pages"},
	{name: "mode", def: "strip", usage: "what happens to a refused tracker tag: strip or defer"},
	{name: "gpc", def: "false", isBool: true, usage: "honour Global Privacy Control (Sec-GPC: 1)"},
	{name: "debug", def: "false", isBool: true, usage: "list removed tags in a Consent-Removed header and the log (pages no longer stream)"},
	{name: "language", def: "en", usage: "fallback language of the banner and pages (en, de, fr)"},
	{name: "language-file", list: true, usage: "language file, JSON or YAML ({language: es, texts: {…}}), adding a language or replacing texts; repeat the flag or separate paths with commas (default none)"},
	{name: "banner-template", usage: "html/template file replacing the banner's markup: it defines \"banner\" and \"settings\" (see banner.DefaultTemplate) (default the built-in markup)"},
	{name: "consent-mode", def: "false", isBool: true, usage: "emit Google Consent Mode v2 calls with the default mapping"},
	{name: "consent-mode-map", usage: "Consent Mode mapping file, JSON or YAML: each consent type (ad_storage, analytics_storage, …) to the list of category IDs it needs; implies -consent-mode (default the built-in mapping)"},
	{name: "cookie-name", def: "consent", usage: "name of the consent cookie (__Host- is put before it with -host-prefix)"},
	{name: "cookie-lifetime", def: "180d", usage: "how long a choice is kept before the visitor is asked again: days (180d), weeks (26w), months of 30 days (6mo), years of 365 days (1y) or a Go duration (4320h); at least a minute"},
	{name: "trusted-origins", list: true, usage: "other origins allowed to post to the consent endpoint (https://shop.example.com), comma-separated or repeated (default none: cross-origin posts are refused)"},
	{name: "undeclared-category", usage: "category ID that cookies and beacons the policy does not declare count as (essential lets them all through) (default: they pass only for a visitor who granted every category)"},
	{name: "beacons", def: "true", isBool: true, usage: "remove undeclared web beacons: tiny or hidden images and frames on third-party hosts no tracker declares; -beacons=false keeps them"},
	{name: "settings-control", def: "true", isBool: true, usage: "give a visitor who has decided a small \"Cookie settings\" control on every page, to reopen the preferences; -settings-control=false leaves their pages alone"},
	{name: "asset-files", def: "false", isBool: true, usage: "link the banner's stylesheet and script as files under -prefix instead of inlining them"},
	{name: "max-form-bytes", def: "16384", usage: "largest consent form body accepted, in bytes (256 to 1048576)"},
	{name: "healthz", def: "/healthz", usage: "path answered 200 by the proxy itself, never by upstream"},
	{name: "shutdown-timeout", def: "30s", usage: "how long in-flight requests may take to finish on SIGINT/SIGTERM"},
	{name: "write-timeout", def: "60s", usage: "how long one write to a client may block; renewed at every write, so a slow stream goes on while a client that stops reading is cut off (0: never)"},
	{name: "max-conns", def: "10000", usage: "most client connections served at once; more wait to be accepted (0: no limit)"},
	{name: "ledger", usage: "consent ledger, the proof of consent: sqlite:///abs/ledger.db, sqlite://rel/ledger.db or postgres://… (default none: decisions are not recorded)"},
	{name: "ledger-retention", def: "3y", usage: "how long ledger records are kept: whole years (3y, 1y = 366 days), whole days (1096d) or a Go duration (26304h)"},
	{name: "ip-hash-key", usage: "hex key of 32 bytes or more: the ledger keeps an HMAC-SHA256 of each client IP instead of its /24 or /48 network"},
	{name: "report-only", def: "false", isBool: true, usage: "enforce nothing: cookies, tags and pages pass unchanged, and the inventory (-admin) records what would have been removed"},
	{name: "report-only-banner", def: "false", isBool: true, usage: "with -report-only, still show the banner and record decisions, so that visitors' answers can be seen before they are enforced"},
	{name: "csp", usage: "the browser enforces consent too: off, report (Content-Security-Policy-Report-Only) or enforce (default enforce; report with -report-only)"},
	{name: "csp-site-hosts", usage: "hosts the site serves its own content from besides its origin (a static CDN), comma-separated, allowed by the CSP for every visitor; each covers its subdomains (default none)"},
	{name: "admin", usage: "address (host:port) of a separate listener serving the inventory at /inventory; keep it on loopback (default none)"},
	{name: "config", usage: "config file, JSON or YAML, with the flags' names as keys"},
}

// envName is the environment variable of a setting: CONSENT_ and the name in
// upper snake case (hash-key → CONSENT_HASH_KEY).
func envName(name string) string {
	return "CONSENT_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// values holds the resolved settings and where each came from, so that an
// error can point at the flag, variable or file to fix.
type values struct {
	val map[string]string
	src map[string]string // "" for a flag or a default
}

// flagError is a bad or missing setting. It names the flag, whatever the
// value came from.
type flagError struct {
	flag string
	msg  string
	src  string
}

func (e *flagError) Error() string {
	if e.src != "" {
		return fmt.Sprintf("-%s: %s (from %s)", e.flag, e.msg, e.src)
	}
	return fmt.Sprintf("-%s: %s", e.flag, e.msg)
}

// errorf reports a problem with the value of setting name.
func (v values) errorf(name, format string, args ...any) error {
	return &flagError{flag: name, msg: fmt.Sprintf(format, args...), src: v.src[name]}
}

// rawValue keeps a flag's text as given. Parsing waits until every source is
// merged, so that flags, variables and the config file are checked alike.
type rawValue struct {
	s      string
	isBool bool
	list   bool
	set    bool
}

func (r *rawValue) String() string { return r.s }
func (r *rawValue) Set(s string) error {
	if r.list && r.set {
		r.s += "," + s
	} else {
		r.s = s
	}
	r.set = true
	return nil
}
func (r *rawValue) IsBoolFlag() bool { return r.isBool }

// errHelp asks for the usage text.
var errHelp = flag.ErrHelp

// resolve merges the command line, the environment and the config file;
// precedence: flag > environment > config file > default.
func resolve(args []string, getenv func(string) string) (values, error) {
	fs := flag.NewFlagSet("consent-proxy", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported on one line by the caller
	raw := make(map[string]*rawValue, len(settings))
	for _, s := range settings {
		r := &rawValue{s: s.def, isBool: s.isBool, list: s.list}
		raw[s.name] = r
		fs.Var(r, s.name, s.usage)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return values{}, errHelp
		}
		return values{}, err
	}
	if fs.NArg() > 0 {
		return values{}, fmt.Errorf("unexpected argument %q: every option is a flag", fs.Arg(0))
	}
	onCommandLine := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { onCommandLine[f.Name] = true })

	v := values{val: map[string]string{}, src: map[string]string{}}
	var file map[string]string
	path, pathSrc := raw["config"].s, ""
	if !onCommandLine["config"] {
		path, pathSrc = getenv(envName("config")), envName("config")
	}
	if path != "" {
		var err error
		if file, err = readConfigFile(path); err != nil {
			return values{}, &flagError{flag: "config", msg: err.Error(), src: pathSrc}
		}
	}
	for _, s := range settings {
		switch env := getenv(envName(s.name)); {
		case onCommandLine[s.name]:
			v.val[s.name] = raw[s.name].s
		case env != "":
			v.val[s.name], v.src[s.name] = env, envName(s.name)
		default:
			if fv, ok := file[s.name]; ok {
				v.val[s.name], v.src[s.name] = fv, "config file "+path
			} else {
				v.val[s.name] = s.def
			}
		}
	}
	return v, nil
}

// usage writes the flag list, each with its variable and default.
func usage(w io.Writer) {
	fmt.Fprint(w, `Usage: consent-proxy [serve] [flags]
       consent-proxy ledger export -ledger URL [-from T] [-to T] [-format jsonl|csv] [-o FILE]
       consent-proxy inventory draft [-admin URL] [-o FILE]
       consent-proxy catalog search TERM | show [-policy FILE] VENDOR | check [-policy FILE] [-consent C] URL
       consent-proxy version (or -version)
       consent-proxy help [serve|ledger|inventory|catalog]

consent-proxy puts the ConsentGate middleware in front of a site as a
reverse proxy. Each flag can also be set by its environment variable or a
key of the -config file; a flag wins over a variable, a variable over the
file.

`)
	for _, s := range settings {
		fmt.Fprintf(w, "  -%s (%s)\n    \t%s", s.name, envName(s.name), s.usage)
		if s.def != "" && s.def != "false" {
			fmt.Fprintf(w, " (default %s)", s.def)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprint(w, "\n`consent-proxy ledger export -h`, `consent-proxy inventory draft -h` and `consent-proxy catalog -h` list the flags of those commands.\n")
}
