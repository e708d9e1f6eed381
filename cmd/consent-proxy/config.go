package main

import (
	"crypto/rand"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/consentgate/consent"
	"github.com/consentgate/consent/middleware"
	"github.com/consentgate/consent/store"
)

// config is the checked form of the settings.
type config struct {
	listen          string
	upstream        *url.URL
	policyPath      string
	policySrc       string // where -policy came from, for its errors
	languageSrc     string
	keys            []store.KeyPair
	randomKeys      bool // -insecure-dev made keys up for this run
	insecureDev     bool
	hostPrefix      bool
	writeTimeout    time.Duration // 0: writes never time out
	maxConns        int           // 0: no limit
	prefix          string
	mode            middleware.Mode
	gpc             bool
	debug           bool
	language        string
	consentMode     bool
	healthz         string
	shutdownTimeout time.Duration
	ledgerURL       string // "" records nothing
	ledgerSrc       string
	retention       time.Duration
	ipHashKey       []byte // nil truncates IPs
	reportOnly      bool
	reportBanner    bool
	admin           string // "" serves no inventory
	csp             middleware.CSPMode
	cspSiteHosts    []string
	options
}

// parseConfig checks every setting; the first problem is returned as a
// *flagError naming its flag.
func parseConfig(v values) (*config, error) {
	c := &config{policyPath: v.val["policy"], policySrc: v.src["policy"], language: v.val["language"], languageSrc: v.src["language"]}
	bools := map[string]*bool{"insecure-dev": &c.insecureDev, "host-prefix": &c.hostPrefix, "gpc": &c.gpc, "debug": &c.debug, "consent-mode": &c.consentMode,
		"report-only": &c.reportOnly, "report-only-banner": &c.reportBanner,
		"beacons": &c.beacons, "settings-control": &c.settingsControl, "asset-files": &c.assetFiles}
	for _, s := range settings { // settings order, so the error reported first is stable
		p, ok := bools[s.name]
		if !ok {
			continue
		}
		b, err := strconv.ParseBool(v.val[s.name])
		if err != nil {
			return nil, v.errorf(s.name, "must be true or false, not %q", v.val[s.name])
		}
		*p = b
	}

	c.listen = v.val["listen"]
	if _, port, err := net.SplitHostPort(c.listen); err != nil || port == "" {
		return nil, v.errorf("listen", "must be host:port, not %q", c.listen)
	}

	up := v.val["upstream"]
	if up == "" {
		return nil, v.errorf("upstream", "required")
	}
	u, err := url.Parse(up)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, v.errorf("upstream", "must be an http or https URL with a host, not %q", up)
	}
	if u.User != nil || u.Fragment != "" {
		return nil, v.errorf("upstream", "must hold no user info or fragment")
	}
	c.upstream = u

	if c.mode, err = middleware.ParseMode(v.val["mode"]); err != nil {
		return nil, v.errorf("mode", "must be strip or defer")
	}
	// The middleware checks the prefix too, but its message names the Go
	// option rather than the flag.
	c.prefix = v.val["prefix"]
	if !strings.HasPrefix(c.prefix, "/") || strings.HasSuffix(c.prefix, "/") || strings.ContainsAny(c.prefix, "?#") {
		return nil, v.errorf("prefix", "must start with '/', not end with one and hold no '?' or '#', not %q", c.prefix)
	}
	c.healthz = v.val["healthz"]
	if !strings.HasPrefix(c.healthz, "/") || strings.ContainsAny(c.healthz, "?#") {
		return nil, v.errorf("healthz", "must be a path starting with '/', not %q", c.healthz)
	}
	if c.healthz == c.prefix || strings.HasPrefix(c.healthz, c.prefix+"/") {
		return nil, v.errorf("healthz", "%s is under -prefix %s", c.healthz, c.prefix)
	}
	if c.shutdownTimeout, err = time.ParseDuration(v.val["shutdown-timeout"]); err != nil || c.shutdownTimeout <= 0 {
		return nil, v.errorf("shutdown-timeout", "must be a positive duration such as 30s, not %q", v.val["shutdown-timeout"])
	}
	if c.language == "" {
		return nil, v.errorf("language", "must not be empty")
	}
	if c.hostPrefix && c.insecureDev {
		// Browsers store a __Host- cookie only when it is Secure.
		return nil, v.errorf("host-prefix", "needs HTTPS, so it cannot go with -insecure-dev")
	}
	if c.writeTimeout, err = time.ParseDuration(v.val["write-timeout"]); err != nil || c.writeTimeout < 0 {
		return nil, v.errorf("write-timeout", "must be a duration such as 60s (0 for none), not %q", v.val["write-timeout"])
	}
	if c.maxConns, err = strconv.Atoi(v.val["max-conns"]); err != nil || c.maxConns < 0 {
		return nil, v.errorf("max-conns", "must be a whole number of connections (0 for no limit), not %q", v.val["max-conns"])
	}
	if err := c.parseKeys(v); err != nil {
		return nil, err
	}
	if err := c.parseLedger(v); err != nil {
		return nil, err
	}
	if err := c.parseRollout(v); err != nil {
		return nil, err
	}
	if err := c.parseOptions(v); err != nil {
		return nil, err
	}
	return c, nil
}

// parseRollout reads -report-only, -report-only-banner and -admin.
func (c *config) parseRollout(v values) error {
	switch raw := strings.TrimSpace(v.val["csp"]); {
	case raw == "" && c.reportOnly:
		c.csp = middleware.CSPReport
	case raw == "":
		c.csp = middleware.CSPEnforce
	default:
		var err error
		if c.csp, err = middleware.ParseCSPMode(raw); err != nil {
			return v.errorf("csp", "must be off, report or enforce, not %q", raw)
		}
		if c.csp == middleware.CSPEnforce && c.reportOnly {
			return v.errorf("csp", "enforce with -report-only, which enforces nothing: use -csp report")
		}
	}
	for h := range strings.SplitSeq(v.val["csp-site-hosts"], ",") {
		if h = strings.TrimSpace(h); h == "" {
			continue
		}
		if !consent.ValidHost(h) {
			return v.errorf("csp-site-hosts", "%q is not a host name (lowercase, with a dot, no scheme or port)", h)
		}
		c.cspSiteHosts = append(c.cspSiteHosts, h)
	}
	// Alone, -report-only-banner would be ignored, and the proxy would
	// enforce the policy the operator meant only to try out: refused.
	if c.reportBanner && !c.reportOnly {
		return v.errorf("report-only-banner", "set without -report-only")
	}
	c.admin = strings.TrimSpace(v.val["admin"])
	if c.admin == "" {
		return nil
	}
	_, port, err := net.SplitHostPort(c.admin)
	if err != nil || port == "" {
		return v.errorf("admin", "must be host:port, such as 127.0.0.1:9090, not %q", c.admin)
	}
	// The same address would fail to bind; said here, since the one
	// thing -admin must never do is share the public listener.
	if port != "0" && c.admin == c.listen {
		return v.errorf("admin", "%s is the -listen address: the inventory must never be served to visitors", c.admin)
	}
	return nil
}

// parseKeys reads -hash-key and -block-key, or makes up a pair for an
// -insecure-dev run that has none.
func (c *config) parseKeys(v values) error {
	hashes, blocks := v.val["hash-key"], v.val["block-key"]
	if strings.Trim(hashes, ", ") == "" {
		if strings.Trim(blocks, ", ") != "" {
			return v.errorf("hash-key", "required with -block-key")
		}
		if !c.insecureDev {
			return v.errorf("hash-key", "required (make keys prints a pair; -insecure-dev makes up keys for development)")
		}
		hash, block := make([]byte, 32), make([]byte, 32)
		_, _ = rand.Read(hash) // never fails since Go 1.24
		_, _ = rand.Read(block)
		c.keys, c.randomKeys = []store.KeyPair{{Hash: hash, Block: block}}, true
		return nil
	}
	hashOnly, err := store.ParseKeyPairs(hashes, "")
	if err != nil {
		return v.errorf("hash-key", "%v", err)
	}
	for i, p := range hashOnly {
		// store.NewCodec enforces the same sizes; checked here so that the
		// message names the flag.
		if n := len(p.Hash); n != 32 && n != 64 {
			return v.errorf("hash-key", "key %d is %d bytes, want 32 or 64", i+1, n)
		}
	}
	pairs, err := store.ParseKeyPairs(hashes, blocks)
	if err != nil {
		return v.errorf("block-key", "%v", err)
	}
	for i, p := range pairs {
		if n := len(p.Block); n != 0 && n != 16 && n != 24 && n != 32 {
			return v.errorf("block-key", "key %d is %d bytes, want 16, 24 or 32", i+1, n)
		}
	}
	c.keys = pairs
	return nil
}

// policy loads the -policy file, or returns the built-in policy.
func (c *config) policy() (*consent.Policy, error) {
	if c.policyPath == "" {
		return consent.DefaultPolicy(), nil
	}
	p, err := consent.LoadPolicy(c.policyPath)
	if err != nil {
		return nil, &flagError{flag: "policy", msg: err.Error(), src: c.policySrc}
	}
	return p, nil
}
