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
//	-prefix PATH         (CONSENT_PREFIX) where the consent endpoint lives; default /consent
//	-mode strip|defer    (CONSENT_MODE) remove refused tracker tags, or keep them inert; default strip
//	-gpc                 (CONSENT_GPC) honour Global Privacy Control
//	-debug               (CONSENT_DEBUG) list removed tags in a Consent-Removed header (pages stop streaming)
//	-language TAG        (CONSENT_LANGUAGE) fallback language of the banner; default en
//	-consent-mode        (CONSENT_CONSENT_MODE) Google Consent Mode v2 with the default mapping
//	-healthz PATH        (CONSENT_HEALTHZ) answered 200 by the proxy, never by upstream; default /healthz
//	-shutdown-timeout D  (CONSENT_SHUTDOWN_TIMEOUT) how long in-flight requests may finish; default 30s
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
// A bad or missing setting is reported on one line naming its flag, with
// exit status 2, before the proxy listens. Upstream sees its own Host and
// X-Forwarded-For, -Host and -Proto; it is asked only for the content
// codings the middleware can decode (gzip, deflate), so that HTML can be
// rewritten. When upstream cannot be reached the visitor gets a 502 page that
// says no more than "upstream unavailable". SIGINT or SIGTERM stops
// accepting connections and lets in-flight requests finish within
// -shutdown-timeout; the exit status is then 0.
package main
