package main

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"strings"

	"github.com/consentgate/consent"
	"github.com/consentgate/consent/middleware"
	"github.com/consentgate/consent/store"
)

// newMiddleware builds the consent middleware the flags describe. ledger
// is nil without -ledger.
func newMiddleware(c *config, policy *consent.Policy, logger *slog.Logger, ledger store.Ledger) (*middleware.Middleware, error) {
	if err := c.checkPolicyOptions(policy); err != nil {
		return nil, err
	}
	opts := []middleware.Option{
		middleware.Keys(c.keys...),
		middleware.Logger(logger),
		middleware.Prefix(c.prefix),
		middleware.TagMode(c.mode),
		middleware.GPC(c.gpc),
		middleware.Debug(c.debug),
		middleware.Language(c.language),
		middleware.CSP(c.csp),
		middleware.CSPSiteHosts(c.cspSiteHosts...),
		middleware.CookieName(c.cookieName),
		middleware.CookieLifetime(c.lifetime),
		middleware.TrustedOrigins(c.trustedOrigins...),
		middleware.MaxFormBytes(c.maxFormBytes),
		middleware.Beacons(c.beacons),
		middleware.SettingsControl(c.settingsControl),
	}
	for _, f := range c.languageFiles {
		opts = append(opts, middleware.LanguageFile(f))
	}
	if c.undeclared != "" {
		opts = append(opts, middleware.UndeclaredCategory(c.undeclared))
	}
	if c.bannerTemplate != "" {
		opts = append(opts, middleware.BannerTemplate(c.bannerTemplate))
	}
	if c.assetFiles {
		opts = append(opts, middleware.AssetFiles())
	}
	if c.insecureDev {
		opts = append(opts, middleware.InsecureDev())
	}
	if c.hostPrefix {
		opts = append(opts, middleware.HostPrefix())
	}
	if c.consentMode {
		opts = append(opts, middleware.GoogleConsentMode(c.consentModeMap)) // nil: the default mapping
	}
	if c.reportOnly {
		opts = append(opts, middleware.ReportOnly(c.reportBanner))
	}
	if ledger != nil {
		opts = append(opts, middleware.Ledger(ledger))
		if c.ipHashKey != nil {
			p, err := store.NewPseudonymizer(store.PseudonymConfig{IP: store.IPHash, Key: c.ipHashKey})
			if err != nil {
				return nil, &flagError{flag: "ip-hash-key", msg: err.Error()}
			}
			opts = append(opts, middleware.LedgerPseudonyms(p))
		}
	}
	mw, err := middleware.New(policy, opts...)
	if err != nil {
		return nil, policyError(c, err)
	}
	return mw, nil
}

// policyError names -policy for an error of middleware.New: every setting
// it takes from a flag is checked beforehand (parseConfig,
// checkPolicyOptions), so what is left is the policy's, such as a
// catalog.uses entry the catalog does not know.
func policyError(c *config, err error) error {
	msg := strings.TrimPrefix(err.Error(), middleware.ErrConfig.Error()+": ")
	msg = strings.TrimPrefix(msg, "policy: ")
	if c.policyPath != "" {
		msg = c.policyPath + ": " + msg
	} else {
		msg = "the built-in policy: " + msg
	}
	return &flagError{flag: "policy", msg: msg, src: c.policySrc}
}

// newHandler is the whole proxy: the health check, answered here, and
// everything else through the middleware to upstream.
func newHandler(c *config, mw *middleware.Middleware, logger *slog.Logger) http.Handler {
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(c.upstream) // upstream sees its own Host; the visitor's is in X-Forwarded-Host
			pr.SetXForwarded()
			limitAcceptEncoding(pr.Out.Header)
		},
		Transport: newTransport(),
		// Flush after every write, so that the start of a slow page (and the
		// banner in it) reaches the visitor before upstream has finished.
		// Writes and flushes then stay on one goroutine, too.
		// The cookies of a protocol switch, which ReverseProxy writes itself
		// on the hijacked connection, are filtered by the middleware there.
		FlushInterval: -1,
		ErrorHandler:  upstreamError(logger),
		ErrorLog:      slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	proxied := mw.Handler(withWriteDeadline(rp, c.writeTimeout))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == c.healthz {
			healthz(w, r)
			return
		}
		proxied.ServeHTTP(w, r)
	})
}

// newTransport is how the proxy reaches upstream.
func newTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	// Every visitor's requests go to the one upstream host: the default of
	// two idle connections per host would make most requests dial anew.
	t.MaxIdleConnsPerHost = 64
	return t
}

// healthz tells a load balancer that the proxy runs. It says nothing of
// upstream, so that an upstream outage does not take the proxy (and its 502
// page) out of rotation.
func healthz(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = io.WriteString(w, "ok\n")
}

// badGatewayPage is all a visitor learns of an upstream failure; the details
// go to the log.
const badGatewayPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>502 Bad Gateway</title></head>
<body><h1>502 Bad Gateway</h1><p>upstream unavailable</p><p>Please try again in a moment.</p></body></html>
`

// upstreamError answers 502 when upstream cannot be reached or fails before
// its response starts.
func upstreamError(logger *slog.Logger) func(http.ResponseWriter, *http.Request, error) {
	return func(w http.ResponseWriter, r *http.Request, err error) {
		if r.Context().Err() != nil {
			// The visitor left: nobody reads the answer, and upstream may
			// be fine.
			logger.Debug("request canceled", "method", r.Method, "path", r.URL.Path, "error", err)
		} else {
			logger.Warn("upstream unavailable", "method", r.Method, "path", r.URL.Path, "error", err)
		}
		middleware.HideBanner(w) // an error page is no place to ask for consent
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = io.WriteString(w, badGatewayPage)
	}
}
