// Command consent-proxy puts the ConsentGate middleware in front of a site
// that is not written in Go, as a reverse proxy: every response from
// upstream has its Set-Cookie headers filtered by the visitor's consent and
// its HTML stripped of tracker tags the visitor has not granted, the banner
// is injected for visitors who have not decided, and the consent endpoint
// and pages are served under -prefix. Everything else passes untouched:
// headers, streamed bodies, WebSocket upgrades.
//
// Install and run:
//
//	go install github.com/consentgate/consent/cmd/consent-proxy@latest
//	consent-proxy -upstream http://127.0.0.1:3000 -hash-key HEX -block-key HEX
//
// Usage:
//
//	consent-proxy [serve] [flags]
//	consent-proxy ledger export -ledger URL [-from T] [-to T] [-format jsonl|csv] [-o FILE]
//	consent-proxy inventory draft [-admin URL] [-o FILE]
//	consent-proxy catalog search TERM
//	consent-proxy catalog show [-policy FILE] VENDOR
//	consent-proxy catalog check [-policy FILE] [-consent C] URL
//	consent-proxy version (or -version)
//	consent-proxy help [serve|ledger|inventory] (or -h)
//
// version prints the module version and the Go release that built the
// binary; help and -h print the usage to standard output and exit 0.
//
// The flags (each also read from the environment variable in brackets and
// from the key of the same name in the -config file; a flag wins over a
// variable, a variable over the file, the file over the default):
//
//	-listen ADDR         (CONSENT_LISTEN) address to listen on; default 127.0.0.1:8080
//	-upstream URL        (CONSENT_UPSTREAM) the site, http or https; required
//	-policy FILE         (CONSENT_POLICY) cookie policy, JSON or YAML; default the built-in policy
//	-hash-key KEYS       (CONSENT_HASH_KEY) HMAC keys, hex or base64, comma-separated, the first signs;
//	                     required unless -insecure-dev
//	-block-key KEYS      (CONSENT_BLOCK_KEY) AES keys, one per hash key; optional
//	-insecure-dev        (CONSENT_INSECURE_DEV) plain-HTTP development: cookies without Secure and,
//	                     without -hash-key, random keys for the run (a warning says so)
//	-host-prefix         (CONSENT_HOST_PREFIX) name the consent cookie __Host-consent, which no
//	                     subdomain can set (HTTPS only, so not with -insecure-dev)
//	-prefix PATH         (CONSENT_PREFIX) where the consent endpoint lives; default /consent
//	-mode strip|defer    (CONSENT_MODE) remove refused tracker tags, or keep them inert; default strip
//	-gpc                 (CONSENT_GPC) honour Global Privacy Control
//	-debug               (CONSENT_DEBUG) list removed tags in a Consent-Removed header (pages stop streaming)
//	-language TAG        (CONSENT_LANGUAGE) fallback language of the banner; default en
//	-language-file FILE  (CONSENT_LANGUAGE_FILE) language file adding a language or replacing texts;
//	                     repeat the flag or separate paths with commas; default none
//	-banner-template F   (CONSENT_BANNER_TEMPLATE) html/template file defining "banner" and
//	                     "settings", replacing the banner's markup; default the built-in markup
//	-consent-mode        (CONSENT_CONSENT_MODE) Google Consent Mode v2 with the default mapping
//	-consent-mode-map F  (CONSENT_CONSENT_MODE_MAP) Consent Mode mapping file, JSON or YAML: each
//	                     consent type to its list of category IDs; implies -consent-mode
//	-cookie-name NAME    (CONSENT_COOKIE_NAME) name of the consent cookie; default consent
//	-cookie-lifetime L   (CONSENT_COOKIE_LIFETIME) how long a choice is kept: 180d, 26w, 6mo, 1y or
//	                     a Go duration, at least a minute; default 180d
//	-trusted-origins O   (CONSENT_TRUSTED_ORIGINS) other origins allowed to post consent,
//	                     comma-separated or repeated; default none
//	-undeclared-category ID (CONSENT_UNDECLARED_CATEGORY) category of undeclared cookies and beacons
//	                     (essential lets them through); default: they need every category
//	-beacons             (CONSENT_BEACONS) remove undeclared web beacons; default on
//	-settings-control    (CONSENT_SETTINGS_CONTROL) the "Cookie settings" control; default on
//	-asset-files         (CONSENT_ASSET_FILES) banner CSS and script as files, not inline; default off
//	-max-form-bytes N    (CONSENT_MAX_FORM_BYTES) largest consent form body; default 16384 (256 to 1048576)
//	-healthz PATH        (CONSENT_HEALTHZ) answered 200 by the proxy, never by upstream; default /healthz
//	-shutdown-timeout D  (CONSENT_SHUTDOWN_TIMEOUT) how long in-flight requests may finish; default 30s
//	-write-timeout D     (CONSENT_WRITE_TIMEOUT) how long one write to a client may block, renewed at
//	                     every write; default 60s (0: never)
//	-max-conns N         (CONSENT_MAX_CONNS) most client connections at once; default 10000 (0: no limit)
//	-ledger URL          (CONSENT_LEDGER) the consent ledger, proof of every decision:
//	                     sqlite:///abs/ledger.db, sqlite://rel/ledger.db or postgres://…;
//	                     default none (nothing is recorded; a warning says so)
//	-ledger-retention R  (CONSENT_LEDGER_RETENTION) how long records are kept: whole years (3y; a
//	                     year is 365.25 days rounded up, 1y = 366d), whole days (1096d) or a Go
//	                     duration (26304h); default 3y
//	-ip-hash-key HEX     (CONSENT_IP_HASH_KEY) 32+ bytes, hex: record an HMAC-SHA256 of each client
//	                     IP instead of its /24 or /48 network
//	-report-only         (CONSENT_REPORT_ONLY) enforce nothing: Set-Cookie headers and pages pass
//	                     unchanged, no banner, and the inventory records what would have been
//	                     removed; default off
//	-report-only-banner  (CONSENT_REPORT_ONLY_BANNER) with -report-only, still show the banner and
//	                     record decisions; an error without -report-only; default off
//	-csp MODE            (CONSENT_CSP) the browser enforces consent too: off, report or enforce;
//	                     default enforce (report with -report-only)
//	-csp-site-hosts H    (CONSENT_CSP_SITE_HOSTS) hosts the site serves its own content from (a
//	                     static CDN), comma-separated, allowed for every visitor; default none
//	-admin ADDR          (CONSENT_ADMIN) host:port of a separate listener serving the inventory;
//	                     default none (no inventory is served)
//	-config FILE         (CONSENT_CONFIG) JSON or YAML file with the flags' names as keys
//
// A config file, e.g. consent-proxy.yaml:
//
//	upstream: http://127.0.0.1:3000
//	hash-key: [NEW_HEX, OLD_HEX] # a list, or comma-separated text
//	block-key: [NEW_HEX, OLD_HEX]
//	mode: defer
//	gpc: true
//
// With -ledger, every decision the consent endpoint accepts is recorded
// before the consent cookie is set; when the ledger cannot write, the
// visitor gets a 503 and no cookie. The ledger is opened before the proxy
// listens and closed after it has stopped. The recorded IP is the
// connection's peer address: behind a TLS terminator or load balancer, that
// is theirs, not the visitor's.
//
// The ledger export writes the records with -from <= time < -to, oldest
// first, as JSON Lines or CSV, to stdout or to -o FILE (mode 0600, replaced
// only once complete). -from and -to take an RFC 3339 time or a date; a date
// is midnight UTC, and as -to the end of that day. -ledger defaults to
// CONSENT_LEDGER. The export never purges:
//
//	consent-proxy ledger export -ledger sqlite:///var/lib/consent/ledger.db \
//		-from 2026-01-01 -to 2026-03-31 -format csv -o q1.csv
//
// # Rolling out
//
// To learn what a site sets before enforcing anything, run the proxy with
// -report-only and -admin 127.0.0.1:9090 for a while. Visitors see the site
// as upstream serves it, while the inventory records every cookie and
// third-party host, and per page what the policy would have removed (a
// compressed page is read from a decoded copy and sent on as it came).
// With -report-only-banner the banner is shown
// and decisions are stored (and recorded in the -ledger), still without
// being enforced, so the answers can be seen before they take effect.
//
// The -admin listener is a server of its own, shut down with the proxy,
// and never part of the public one: it answers GET /inventory (an HTML
// page; ?format=json for JSON; ?format=policy for a drafted policy file),
// redirects / there, and answers 404 to anything else. The inventory lists
// the site's cookies and third parties, so bind -admin to loopback or put it
// behind authentication; the proxy warns at startup when it is not on
// loopback. It is kept in memory, from the start of the process, within
// fixed caps.
//
// The draft fetches <admin>/inventory?format=policy from a running proxy and
// writes it to stdout or to -o FILE (mode 0644, replaced only once
// complete). -admin takes the proxy's -admin host:port or an http(s) URL,
// with a path if an authenticating proxy puts the inventory below one; it
// defaults to CONSENT_ADMIN, then to http://127.0.0.1:9090. An unreachable
// proxy or an answer other than a drafted policy fails with exit status 1.
// The draft is the running -policy plus every cookie and host it did not
// declare: those of a catalog vendor name the vendor under catalog.uses
// (with a comment giving its purpose and the category it falls under), the
// others get the category "undecided", which the policy loader refuses,
// naming each, until a real category is chosen or the entry is removed:
//
//	consent-proxy inventory draft -o policy.yaml
//	$EDITOR policy.yaml   # replace every "category: undecided"
//	consent-proxy -policy policy.yaml ...   # without -report-only
//
// # The catalog of known third parties
//
// Every policy uses the built-in catalog of known third parties unless it
// says "catalog: none" (see the README). The catalog commands read it
// without a running proxy; -policy defaults to CONSENT_POLICY, then to the
// built-in policy.
//
// catalog search lists the vendors whose ID, name, company, standard
// category or a host contains TERM, one per line, tab-separated: ID, name,
// standard category, hosts and URL prefixes (comma-separated); exit status
// 1 when none matches. catalog show prints one vendor in full: company,
// purpose, standard category and the category of the policy it falls
// under (or why it is not applied), docs link, hosts, URL prefixes, cookies
// with lifetime and party, and embed; exit status 1 for an unknown ID.
// catalog check says which tracker a URL belongs to (a catalog vendor, the
// policy's own tracker, or none), its category under the policy, and
// whether -consent (undecided, reject-all, accept-all or category IDs,
// comma-separated; default undecided) allows it: exit status 0 when
// allowed, 1 when blocked, so that scripts can test it:
//
//	consent-proxy catalog search hotjar
//	consent-proxy catalog show -policy policy.yaml hotjar
//	consent-proxy catalog check -policy policy.yaml -consent analytics https://static.hotjar.com/c/hotjar-1.js || echo blocked
//
// A bad or missing setting is reported on one line naming its flag, with
// exit status 2, before the proxy listens. Upstream sees its own Host and
// X-Forwarded-For, -Host and -Proto; it is asked only for the content
// codings the middleware can decode (gzip, deflate, br, zstd), so that HTML can be
// rewritten. When upstream cannot be reached the visitor gets a 502 page that
// says no more than "upstream unavailable". SIGINT or SIGTERM stops
// accepting connections and lets in-flight requests finish within
// -shutdown-timeout; the exit status is then 0.
package main
