package caddy

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/consentgate/consent"
	"github.com/consentgate/consent/banner"
	"github.com/consentgate/consent/middleware"
	"github.com/consentgate/consent/store"
	"github.com/consentgate/consent/store/ledgerurl"
)

func init() {
	caddy.RegisterModule(Handler{})
}

// ErrConfig marks a configuration the handler refuses; the message names
// the JSON field.
var ErrConfig = errors.New("consentgate")

// ledgerOpenTimeout bounds opening the ledger at provisioning: a PostgreSQL
// server that does not answer fails the config load rather than hang it.
const ledgerOpenTimeout = 30 * time.Second

// Handler is the ConsentGate middleware as the Caddy HTTP handler
// http.handlers.consentgate: it injects the consent banner into the HTML
// pages of the handlers after it, strips the Set-Cookie headers and tracker
// tags the visitor has not granted, and answers the consent endpoint under
// Prefix itself. Its fields are consent-proxy's flags.
type Handler struct {
	// PolicyFile is the cookie policy file, JSON or YAML. Default: the
	// built-in policy.
	PolicyFile string `json:"policy_file,omitempty"`
	// HashKeys are the consent cookie's HMAC keys, hex or base64 (32 or 64
	// bytes), the first signs, all decode; each may hold a comma-separated
	// list and {env.*} placeholders. Required unless InsecureDev.
	HashKeys []string `json:"hash_keys,omitempty"`
	// BlockKeys are the AES keys (16, 24 or 32 bytes), one per hash key.
	// Default none: the cookie is signed, not encrypted.
	BlockKeys []string `json:"block_keys,omitempty"`
	// Mode is what happens to a refused tracker tag: "strip" (default) or
	// "defer".
	Mode string `json:"mode,omitempty"`
	// GPC honours Global Privacy Control. Default off.
	GPC bool `json:"gpc,omitempty"`
	// Debug lists removed tags in a Consent-Removed header and the log;
	// pages stop streaming. Default off.
	Debug bool `json:"debug,omitempty"`
	// Language is the fallback language of the banner and pages. Default
	// "en".
	Language string `json:"language,omitempty"`
	// ConsentMode emits Google Consent Mode v2 calls with the default
	// mapping. Default off.
	ConsentMode bool `json:"consent_mode,omitempty"`
	// Prefix is where the consent endpoint and pages live. Default
	// "/consent".
	Prefix string `json:"prefix,omitempty"`
	// InsecureDev sends the consent cookie without Secure, for plain-HTTP
	// development, and makes up keys when none are given. Default off.
	InsecureDev bool `json:"insecure_dev,omitempty"`
	// HostPrefix names the consent cookie __Host-consent (HTTPS only).
	// Default off.
	HostPrefix bool `json:"host_prefix,omitempty"`
	// CSP is the Content-Security-Policy the middleware adds: "off",
	// "report" or "enforce". Default enforce ("report" with ReportOnly).
	CSP string `json:"csp,omitempty"`
	// CSPSiteHosts are hosts the site serves its own content from besides
	// its origin (a static CDN). Default none.
	CSPSiteHosts []string `json:"csp_site_hosts,omitempty"`
	// Ledger is the proof-of-consent ledger: sqlite:///abs/ledger.db,
	// sqlite://rel/ledger.db or postgres://…, with {env.*} placeholders.
	// Default none: decisions are not recorded.
	Ledger string `json:"ledger,omitempty"`
	// LedgerRetention is how long ledger records are kept. Default 3 years
	// (1096 days).
	LedgerRetention caddy.Duration `json:"ledger_retention,omitempty"`
	// IPHashKey (hex, 32 bytes or more) makes the ledger keep an
	// HMAC-SHA256 of each client IP instead of its /24 or /48 network.
	IPHashKey string `json:"ip_hash_key,omitempty"`
	// ReportOnly enforces nothing and records in the inventory what would
	// have been removed. Default off.
	ReportOnly bool `json:"report_only,omitempty"`
	// ReportOnlyBanner, with ReportOnly, still shows the banner and
	// records decisions. Default off.
	ReportOnlyBanner bool `json:"report_only_banner,omitempty"`
	// CookieLifetime is how long a choice is kept, counted from the
	// choice. Default 180 days.
	CookieLifetime caddy.Duration `json:"cookie_lifetime,omitempty"`
	// TrustedOrigins are other origins allowed to POST consent
	// ("https://shop.example.com"). Default none.
	TrustedOrigins []string `json:"trusted_origins,omitempty"`
	// UndeclaredCategory is the category of cookies the policy does not
	// declare. Default none: they pass only for a visitor who granted
	// every category.
	UndeclaredCategory string `json:"undeclared_category,omitempty"`
	// LanguageFiles add languages (or replace texts of built-in ones),
	// JSON or YAML. Default none.
	LanguageFiles []string `json:"language_files,omitempty"`
	// InventoryPath, when set, is a path this handler answers with the
	// inventory (?format=json, ?format=policy) instead of passing the
	// request on. It lists the site's cookies and third parties: protect
	// it with basic_auth or forward_auth. Default none.
	InventoryPath string `json:"inventory_path,omitempty"`

	mw        *middleware.Middleware
	chain     http.Handler // mw wrapped around the call of the next handler
	inventory http.Handler
	ledger    store.Ledger
	logger    *slog.Logger
}

// CaddyModule returns the Caddy module information.
func (Handler) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.handlers.consentgate",
		New: func() caddy.Module { return new(Handler) },
	}
}

// fieldError is a refused setting, named by its JSON field.
func fieldError(field, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrConfig, field, fmt.Sprintf(format, args...))
}

// Provision checks the settings and builds the middleware, once.
func (h *Handler) Provision(ctx caddy.Context) error {
	h.logger = ctx.Slogger()
	repl := caddy.NewReplacer()
	policy, err := h.policy(repl)
	if err != nil {
		return err
	}
	opts, randomKeys, err := h.options(repl, policy)
	if err != nil {
		return err
	}
	if h.Ledger != "" {
		raw, err := expand(repl, "ledger", h.Ledger)
		if err != nil {
			return err
		}
		octx, cancel := context.WithTimeout(ctx, ledgerOpenTimeout)
		defer cancel()
		lopts := []store.LedgerOption{store.LedgerLogger(h.logger)}
		if h.LedgerRetention != 0 {
			lopts = append(lopts, store.LedgerRetention(time.Duration(h.LedgerRetention)))
		}
		if h.ledger, err = ledgerurl.Open(octx, raw, lopts...); err != nil {
			// The URL itself is never repeated: it may hold a password.
			return fieldError("ledger", "%v", err)
		}
		opts = append(opts, middleware.Ledger(h.ledger))
	}
	mw, err := middleware.New(policy, opts...)
	if err != nil {
		_ = h.closeLedger()
		return fmt.Errorf("%w: %w", ErrConfig, err)
	}
	h.mw = mw
	h.chain = mw.Handler(http.HandlerFunc(serveNext))
	h.inventory = mw.InventoryHandler()

	if h.InsecureDev {
		h.logger.Warn("consentgate insecure_dev: the consent cookie is sent without Secure, for plain-HTTP development only")
	}
	if randomKeys {
		h.logger.Warn("consentgate insecure_dev without hash_key: random keys for this config, so consents do not survive a reload")
	}
	lifetime := store.DefaultLifetime
	if h.CookieLifetime != 0 {
		lifetime = time.Duration(h.CookieLifetime)
	}
	switch {
	case h.ledger == nil:
		h.logger.Warn("consentgate: no ledger: consent decisions are not recorded, so no proof of consent is kept (GDPR Art. 7(1))")
	case h.LedgerRetention != 0 && time.Duration(h.LedgerRetention) < lifetime:
		// A record purged while its cookie still grants consent leaves
		// that consent without proof.
		h.logger.Warn("consentgate ledger_retention is shorter than the consent cookie's lifetime: records are purged while the consents they prove are still in use",
			"retention", time.Duration(h.LedgerRetention).String(), "cookie_lifetime", lifetime.String())
	}
	if h.ReportOnly {
		h.logger.Warn("consentgate report_only: the policy is not enforced; the inventory records what would have been removed")
	}
	return nil
}

// expand replaces the {env.*} (and other global) placeholders of a
// setting; a placeholder left unknown is an error naming the field.
func expand(repl *caddy.Replacer, field, s string) (string, error) {
	out, err := repl.ReplaceOrErr(s, false, true)
	if err != nil {
		return "", fieldError(field, "%v", err)
	}
	return out, nil
}

// policy loads PolicyFile, or returns the built-in policy.
func (h *Handler) policy(repl *caddy.Replacer) (*consent.Policy, error) {
	if h.PolicyFile == "" {
		return consent.DefaultPolicy(), nil
	}
	path, err := expand(repl, "policy_file", h.PolicyFile)
	if err != nil {
		return nil, err
	}
	p, err := consent.LoadPolicy(path)
	if err != nil {
		return nil, fieldError("policy_file", "%v", err)
	}
	return p, nil
}

// options turns the settings into middleware options, checking each so
// that an error names its field. randomKeys reports keys made up for an
// insecure_dev run.
func (h *Handler) options(repl *caddy.Replacer, policy *consent.Policy) (opts []middleware.Option, randomKeys bool, err error) {
	keys, randomKeys, err := h.keys(repl)
	if err != nil {
		return nil, false, err
	}
	opts = []middleware.Option{middleware.Keys(keys...), middleware.Logger(h.logger),
		middleware.GPC(h.GPC), middleware.Debug(h.Debug)}
	if h.Mode != "" {
		mode, err := middleware.ParseMode(h.Mode)
		if err != nil {
			return nil, false, fieldError("mode", "must be strip or defer, not %q", h.Mode)
		}
		opts = append(opts, middleware.TagMode(mode))
	}
	if h.Prefix != "" {
		if !strings.HasPrefix(h.Prefix, "/") || strings.HasSuffix(h.Prefix, "/") || strings.ContainsAny(h.Prefix, "?#") {
			return nil, false, fieldError("prefix", "must start with '/', not end with one and hold no '?' or '#', not %q", h.Prefix)
		}
		opts = append(opts, middleware.Prefix(h.Prefix))
	}
	// middleware.New would refuse bad texts too, without naming the field.
	var files []banner.CatalogOption
	for _, f := range h.LanguageFiles {
		path, err := expand(repl, "language_files", f)
		if err != nil {
			return nil, false, err
		}
		files = append(files, banner.LanguageFile(path))
		opts = append(opts, middleware.LanguageFile(path))
	}
	if len(files) > 0 {
		if _, err := banner.NewCatalog(policy, files...); err != nil {
			return nil, false, fieldError("language_files", "%v", err)
		}
	}
	if h.Language != "" {
		if _, err := banner.NewCatalog(policy, append(files, banner.Fallback(h.Language))...); err != nil {
			return nil, false, fieldError("language", "%v", err)
		}
		opts = append(opts, middleware.Language(h.Language))
	}
	if h.CookieLifetime != 0 {
		if d := time.Duration(h.CookieLifetime); d < time.Minute {
			return nil, false, fieldError("cookie_lifetime", "must be a minute or more, such as 180d, not %s", d)
		}
		opts = append(opts, middleware.CookieLifetime(time.Duration(h.CookieLifetime)))
	}
	if len(h.TrustedOrigins) > 0 {
		cop := http.NewCrossOriginProtection()
		for _, o := range h.TrustedOrigins {
			if err := cop.AddTrustedOrigin(o); err != nil {
				return nil, false, fieldError("trusted_origins", "%v", err)
			}
		}
		opts = append(opts, middleware.TrustedOrigins(h.TrustedOrigins...))
	}
	if h.UndeclaredCategory != "" {
		id := consent.CategoryID(h.UndeclaredCategory)
		if _, ok := policy.Category(id); !ok {
			return nil, false, fieldError("undeclared_category", "%q is not a category of the policy", h.UndeclaredCategory)
		}
		opts = append(opts, middleware.UndeclaredCategory(id))
	}
	if h.HostPrefix && h.InsecureDev {
		return nil, false, fieldError("host_prefix", "needs HTTPS, so it cannot go with insecure_dev")
	}
	if h.InsecureDev {
		opts = append(opts, middleware.InsecureDev())
	}
	if h.HostPrefix {
		opts = append(opts, middleware.HostPrefix())
	}
	if h.ConsentMode {
		opts = append(opts, middleware.GoogleConsentMode(nil))
	}
	if h.ReportOnlyBanner && !h.ReportOnly {
		// Alone it would be ignored, and the policy the operator meant
		// only to try out would be enforced.
		return nil, false, fieldError("report_only_banner", "set without report_only")
	}
	if h.ReportOnly {
		opts = append(opts, middleware.ReportOnly(h.ReportOnlyBanner))
	}
	if h.CSP != "" {
		mode, err := middleware.ParseCSPMode(h.CSP)
		if err != nil {
			return nil, false, fieldError("csp", "must be off, report or enforce, not %q", h.CSP)
		}
		if mode == middleware.CSPEnforce && h.ReportOnly {
			return nil, false, fieldError("csp", "enforce with report_only: report-only mode enforces nothing; use report")
		}
		opts = append(opts, middleware.CSP(mode))
	}
	if len(h.CSPSiteHosts) > 0 {
		opts = append(opts, middleware.CSPSiteHosts(h.CSPSiteHosts...))
	}
	if err := h.checkInventoryPath(); err != nil {
		return nil, false, err
	}
	if h.LedgerRetention < 0 {
		return nil, false, fieldError("ledger_retention", "must be positive, not %s", time.Duration(h.LedgerRetention))
	}
	if h.Ledger == "" && h.LedgerRetention != 0 {
		return nil, false, fieldError("ledger_retention", "set without ledger")
	}
	if h.IPHashKey != "" {
		if h.Ledger == "" {
			return nil, false, fieldError("ip_hash_key", "set without ledger: there are no records to hash IPs in")
		}
		raw, err := expand(repl, "ip_hash_key", h.IPHashKey)
		if err != nil {
			return nil, false, err
		}
		// The key never appears in a message: it is a secret.
		key, err := hex.DecodeString(strings.TrimSpace(raw))
		if err != nil {
			return nil, false, fieldError("ip_hash_key", "must be hex (openssl rand -hex 32 prints a key)")
		}
		p, err := store.NewPseudonymizer(store.PseudonymConfig{IP: store.IPHash, Key: key})
		if err != nil {
			return nil, false, fieldError("ip_hash_key", "%v", err)
		}
		opts = append(opts, middleware.LedgerPseudonyms(p))
	}
	return opts, randomKeys, nil
}

// keys reads HashKeys and BlockKeys, or makes up a pair for insecure_dev.
func (h *Handler) keys(repl *caddy.Replacer) ([]store.KeyPair, bool, error) {
	join := func(field string, list []string) (string, error) {
		parts := make([]string, 0, len(list))
		for _, s := range list {
			v, err := expand(repl, field, s)
			if err != nil {
				return "", err
			}
			parts = append(parts, v)
		}
		return strings.Join(parts, ","), nil
	}
	hashes, err := join("hash_keys", h.HashKeys)
	if err != nil {
		return nil, false, err
	}
	blocks, err := join("block_keys", h.BlockKeys)
	if err != nil {
		return nil, false, err
	}
	if strings.Trim(hashes, ", ") == "" {
		if strings.Trim(blocks, ", ") != "" {
			return nil, false, fieldError("hash_keys", "required with block_keys")
		}
		if len(h.HashKeys) > 0 {
			return nil, false, fieldError("hash_keys", "empty: is the environment variable set?")
		}
		if !h.InsecureDev {
			return nil, false, fieldError("hash_keys", "required (openssl rand -hex 32 prints a key; insecure_dev makes up keys for development)")
		}
		hash, block := make([]byte, 32), make([]byte, 32)
		_, _ = rand.Read(hash) // never fails since Go 1.24
		_, _ = rand.Read(block)
		return []store.KeyPair{{Hash: hash, Block: block}}, true, nil
	}
	hashOnly, err := store.ParseKeyPairs(hashes, "")
	if err != nil {
		return nil, false, fieldError("hash_keys", "%v", err)
	}
	for i, p := range hashOnly {
		if n := len(p.Hash); n != 32 && n != 64 {
			return nil, false, fieldError("hash_keys", "key %d is %d bytes, want 32 or 64", i+1, n)
		}
	}
	pairs, err := store.ParseKeyPairs(hashes, blocks)
	if err != nil {
		return nil, false, fieldError("block_keys", "%v", err)
	}
	for i, p := range pairs {
		if n := len(p.Block); n != 0 && n != 16 && n != 24 && n != 32 {
			return nil, false, fieldError("block_keys", "key %d is %d bytes, want 16, 24 or 32", i+1, n)
		}
	}
	return pairs, false, nil
}

// checkInventoryPath refuses an inventory path the consent endpoint would
// shadow or that is no path.
func (h *Handler) checkInventoryPath() error {
	p := h.InventoryPath
	if p == "" {
		return nil
	}
	if !strings.HasPrefix(p, "/") || strings.ContainsAny(p, "?#") {
		return fieldError("inventory_path", "must be a path starting with '/', not %q", p)
	}
	prefix := h.Prefix
	if prefix == "" {
		prefix = middleware.DefaultPrefix
	}
	if p == prefix || strings.HasPrefix(p, prefix+"/") {
		return fieldError("inventory_path", "%s is under the consent endpoint's prefix %s, which visitors reach", p, prefix)
	}
	return nil
}

// Cleanup closes the ledger when the config is unloaded.
func (h *Handler) Cleanup() error {
	return h.closeLedger()
}

func (h *Handler) closeLedger() error {
	if h.ledger == nil {
		return nil
	}
	err := h.ledger.Close()
	h.ledger = nil
	return err
}

// nextCall carries Caddy's next handler through the middleware, which
// wraps an http.Handler, and brings its error back.
type nextCall struct {
	next caddyhttp.Handler
	err  error
}

type nextKey struct{}

// ServeHTTP runs the middleware around the rest of the route.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) error {
	if h.InventoryPath != "" && r.URL.Path == h.InventoryPath {
		h.inventory.ServeHTTP(w, r)
		return nil
	}
	limitAcceptEncoding(r.Header)
	call := &nextCall{next: next}
	h.chain.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), nextKey{}, call)))
	return call.err
}

// serveNext is the handler the middleware wraps: the rest of the route. A
// handler that returns an error without writing leaves the answer to Caddy
// (the error's status, or the site's handle_errors routes), so the
// middleware is told to write nothing of its own.
func serveNext(w http.ResponseWriter, r *http.Request) {
	call := r.Context().Value(nextKey{}).(*nextCall)
	if err := call.next.ServeHTTP(w, r); err != nil {
		call.err = err
		middleware.Abandon(w)
	}
}

// Interface guards
var (
	_ caddy.Provisioner           = (*Handler)(nil)
	_ caddy.CleanerUpper          = (*Handler)(nil)
	_ caddyhttp.MiddlewareHandler = (*Handler)(nil)
)

// limitAcceptEncoding keeps of the visitor's Accept-Encoding only the
// codings the middleware can decode (gzip, deflate, br, zstd, identity), so
// that a reverse_proxy upstream never answers an HTML page in one it cannot
// read (compress, a shared-dictionary coding, or whatever "*" lets upstream
// pick), which would pass with its trackers. Caddy's encode, which runs
// before this handler, has read the header already, so the visitor still
// gets the compression it asked for. A list left empty asks for identity; a
// request without the header is left alone.
func limitAcceptEncoding(h http.Header) {
	vals := h["Accept-Encoding"]
	if len(vals) == 0 {
		return
	}
	decodable := true
	for _, v := range vals {
		for part := range strings.SplitSeq(v, ",") {
			if !decodableCoding(part) {
				decodable = false
			}
		}
	}
	if decodable {
		return // the common case of no change costs nothing
	}
	var keep []string
	for _, v := range vals {
		for part := range strings.SplitSeq(v, ",") {
			if decodableCoding(part) && strings.TrimSpace(part) != "" {
				keep = append(keep, strings.TrimSpace(part))
			}
		}
	}
	if len(keep) == 0 {
		h.Set("Accept-Encoding", "identity")
		return
	}
	h.Set("Accept-Encoding", strings.Join(keep, ", "))
}

// decodableCoding reports whether one element of an Accept-Encoding list
// names a coding the middleware decodes (an empty element is harmless).
func decodableCoding(part string) bool {
	coding, _, _ := strings.Cut(part, ";")
	switch strings.ToLower(strings.TrimSpace(coding)) {
	case "gzip", "x-gzip", "deflate", "br", "zstd", "identity", "":
		return true
	}
	return false
}
