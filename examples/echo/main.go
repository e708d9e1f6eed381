// Command echo is a small site on an Echo router behind the ConsentGate
// middleware. Echo runs e.Use middleware after routing but for every
// request, matched or not, so the consent endpoint under /consent needs no
// route of its own. The middleware is adapted by consentGate rather than
// echo.WrapMiddleware, so that Echo's error responses (404, 405, a
// handler's error) are written through it and filtered too.
//
//	go run ./examples/echo [-addr 127.0.0.1:8080] [-dev=true]
//
// Keys come from CONSENT_HASH_KEY and CONSENT_BLOCK_KEY (hex, comma-separated
// to rotate: see `make keys`); without them the run uses random keys.
package main

import (
	"bytes"
	"crypto/rand"
	"flag"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/consentgate/consent"
	"github.com/consentgate/consent/middleware"
	"github.com/consentgate/consent/store"
	"github.com/labstack/echo/v4"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	dev := flag.Bool("dev", true, "plain-HTTP development: send cookies without the Secure attribute")
	flag.Parse()
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(logger, *addr, *dev); err != nil {
		logger.Error("echo example", "error", err)
		os.Exit(1)
	}
}

func run(logger *slog.Logger, addr string, dev bool) error {
	keys, err := store.ParseKeyPairs(os.Getenv("CONSENT_HASH_KEY"), os.Getenv("CONSENT_BLOCK_KEY"))
	if err != nil {
		return err
	}
	if len(keys) == 0 {
		hash, block := make([]byte, 32), make([]byte, 32)
		_, _ = rand.Read(hash) // never fails since Go 1.24
		_, _ = rand.Read(block)
		keys = []store.KeyPair{{Hash: hash, Block: block}}
		logger.Warn("CONSENT_HASH_KEY is not set: using random keys for this run, so consents will not survive a restart (make keys prints a pair)")
	}
	h, err := newHandler(logger, keys, dev)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute, ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	logger.Info("serving", "url", "http://"+ln.Addr().String()+"/", "dev", dev)
	return srv.Serve(ln)
}

// newHandler builds the site: an Echo router with the consent middleware
// and the pages. main and the tests use it alike.
func newHandler(logger *slog.Logger, keys []store.KeyPair, dev bool) (http.Handler, error) {
	opts := []middleware.Option{middleware.Keys(keys...), middleware.Logger(logger)}
	if dev {
		// A Secure cookie only travels over HTTPS (some browsers except
		// localhost; Safari and Go's cookie jar do not), so over plain HTTP
		// the consent cookie must go without Secure or the choice is lost.
		// Development only: run with -dev=false behind HTTPS.
		opts = append(opts, middleware.InsecureDev())
	}
	mw, err := middleware.New(sitePolicy(), opts...)
	if err != nil {
		return nil, err
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	// The drop-in. The consent middleware goes first, so that it sees the
	// cookies the later ones (here siteCookies) set, and answers /consent,
	// /consent/preferences and /consent/policy itself.
	e.Use(consentGate(mw), echo.WrapMiddleware(siteCookies(!dev)))
	e.GET("/", page("Home", mw.Prefix()))
	e.GET("/about", page("About", mw.Prefix()))
	e.GET("/api/hello", hello)
	return e, nil
}

// consentGate adapts the consent middleware to Echo. Like
// echo.WrapMiddleware it hands the handlers the middleware's request (with
// the visitor's consent in its context) and response writer; unlike it, it
// renders a handler's error with Echo's HTTPErrorHandler inside the
// middleware: Echo would otherwise write its 404 and 405 pages after the
// middleware has returned, past the Set-Cookie filter.
func consentGate(mw *middleware.Middleware) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				c.SetRequest(r)
				c.SetResponse(echo.NewResponse(w, c.Echo()))
				if err := next(c); err != nil {
					c.Error(err)
				}
			})).ServeHTTP(c.Response(), c.Request())
			return nil
		}
	}
}

// sitePolicy is the default policy plus the site's own session cookie.
func sitePolicy() *consent.Policy {
	p := consent.DefaultPolicy()
	p.Cookies = append(p.Cookies, consent.Cookie{Name: "session", Category: consent.Essential,
		Purpose: "Keeps your visit together and protects forms against forgery."})
	return p
}

// siteCookies sets the session cookie, and — like an analytics integration
// that writes first-party cookies server-side — Google Analytics' _ga and
// Meta's _fbp on every response, consent or not. The middleware drops the
// last two until the visitor grants analytics and targeting. It is plain
// net/http middleware, as most are: echo.WrapMiddleware adapts it.
func siteCookies(secure bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, err := r.Cookie("session"); err != nil {
				http.SetCookie(w, &http.Cookie{Name: "session", Value: rand.Text(), Path: "/", HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
			}
			http.SetCookie(w, &http.Cookie{Name: "_ga", Value: "GA1.1.1234567890.1764288000", Path: "/", MaxAge: 2 * 365 * 86400})
			http.SetCookie(w, &http.Cookie{Name: "_fbp", Value: "fb.1.1764288000000.1234567890", Path: "/", MaxAge: 90 * 86400})
			next.ServeHTTP(w, r)
		})
	}
}

var pageTmpl = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title>
<script async src="https://www.googletagmanager.com/gtag/js?id=G-EXAMPLE"></script>
<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}gtag('js',new Date());gtag('config','G-EXAMPLE');</script>
</head><body>
<h1>{{.Title}}</h1>
{{if .Consent.Decided}}<p>Your cookie choice ({{.Consent.Method}}) grants: {{range .Consent.Granted}}{{.}} {{end}}</p>
{{else}}<p>You have not made a cookie choice yet: only essential cookies are set.</p>{{end}}
<p><a href="/">Home</a> · <a href="/about">About</a> · <a href="/api/hello">/api/hello</a> ·
<a href="{{.Prefix}}/preferences?return={{.Path}}">Cookie preferences</a> · <a href="{{.Prefix}}/policy">Cookie policy</a></p>
<noscript><img height="1" width="1" style="display:none" src="https://www.facebook.com/tr?id=EXAMPLE&amp;ev=PageView&amp;noscript=1"></noscript>
</body></html>
`))

func page(title, prefix string) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		var b bytes.Buffer
		if err := pageTmpl.Execute(&b, map[string]any{"Title": title, "Prefix": prefix, "Path": r.URL.Path,
			"Consent": consent.FromContext(r.Context())}); err != nil {
			return err
		}
		return c.HTMLBlob(http.StatusOK, b.Bytes())
	}
}

func hello(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]any{"hello": "world",
		"analytics": consent.FromContext(c.Request().Context()).Allowed(consent.Analytics)})
}
