// Command gin is a small site on a Gin engine behind the ConsentGate
// middleware. Gin runs r.Use middleware for every request, including those
// that match no route, so the consent endpoint under /consent needs no
// route of its own. consentGate adapts the net/http middleware to Gin: it
// hands the handlers the middleware's request and response writer, and
// stops Gin's chain when the middleware answered the request itself.
//
//	go run ./examples/gin [-addr 127.0.0.1:8080] [-dev=true]
//
// Keys come from CONSENT_HASH_KEY and CONSENT_BLOCK_KEY (hex, comma-separated
// to rotate: see `make keys`); without them the run uses random keys.
package main

import (
	"bufio"
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
	"github.com/gin-gonic/gin"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	dev := flag.Bool("dev", true, "plain-HTTP development: send cookies without the Secure attribute")
	flag.Parse()
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(logger, *addr, *dev); err != nil {
		logger.Error("gin example", "error", err)
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

// newHandler builds the site: a Gin engine with the consent middleware and
// the pages. main and the tests use it alike.
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
	gin.SetMode(gin.ReleaseMode) // no route listing on standard output
	r := gin.New()
	// The drop-in. The consent middleware goes first, so that it sees the
	// cookies the later ones (here siteCookies) set, and answers /consent,
	// /consent/preferences and /consent/policy itself.
	r.Use(consentGate(mw), siteCookies(!dev))
	r.GET("/", page("Home", mw.Prefix()))
	r.GET("/about", page("About", mw.Prefix()))
	r.GET("/api/hello", hello)
	// Gin writes its default 404 page after the handlers have returned,
	// past the middleware: a NoRoute handler writes it within.
	r.NoRoute(func(c *gin.Context) { c.String(http.StatusNotFound, "404 page not found") })
	return r, nil
}

// consentGate adapts the consent middleware to Gin. The handlers after it
// run inside the middleware, with its request (the visitor's consent in its
// context) and its response writer; when the middleware answers a request
// itself (the consent endpoint), the rest of Gin's chain is skipped.
func consentGate(mw *middleware.Middleware) gin.HandlerFunc {
	return func(c *gin.Context) {
		// net/http's implicit status: a response written without
		// WriteHeader is a 200, where Gin would send the one it has preset
		// (404 while it looks for a NoRoute handler: the consent endpoint
		// has no route).
		c.Status(http.StatusOK)
		outer := c.Writer
		called := false
		mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			called = true
			c.Request = r
			c.Writer = &ginWriter{ResponseWriter: outer, w: w}
			c.Next()
		})).ServeHTTP(outer, c.Request)
		c.Writer = outer
		if !called {
			c.Abort()
		}
	}
}

// ginWriter is the middleware's response writer as a gin.ResponseWriter:
// the writes go to w (which filters and rewrites them), Gin's bookkeeping
// (Status, Size, Written) follows them, and what w cannot do (Hijack,
// CloseNotify, Pusher) is the connection's own.
type ginWriter struct {
	gin.ResponseWriter
	w      http.ResponseWriter
	status int
	size   int
}

func (g *ginWriter) Header() http.Header { return g.w.Header() }

func (g *ginWriter) WriteHeader(code int) {
	if g.status == 0 {
		g.status = code
		g.w.WriteHeader(code)
	}
}

func (g *ginWriter) WriteHeaderNow() { g.WriteHeader(g.Status()) }

func (g *ginWriter) Write(b []byte) (int, error) {
	g.WriteHeaderNow()
	n, err := g.w.Write(b)
	g.size += n
	return n, err
}

func (g *ginWriter) WriteString(s string) (int, error) { return g.Write([]byte(s)) }

// Status is the status written, or the one Gin has set for a response not
// yet written (200, or 404 while it serves NoRoute).
func (g *ginWriter) Status() int {
	if g.status != 0 {
		return g.status
	}
	return g.ResponseWriter.Status()
}

func (g *ginWriter) Size() int { return g.size }

func (g *ginWriter) Written() bool { return g.status != 0 }

func (g *ginWriter) Flush() {
	g.WriteHeaderNow()
	_ = http.NewResponseController(g.w).Flush()
}

// Hijack hands over the connection through the middleware's writer, which
// knows whether its response has started.
func (g *ginWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(g.w).Hijack()
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
// last two until the visitor grants analytics and targeting.
func siteCookies(secure bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		if _, err := c.Cookie("session"); err != nil {
			http.SetCookie(c.Writer, &http.Cookie{Name: "session", Value: rand.Text(), Path: "/", HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
		}
		http.SetCookie(c.Writer, &http.Cookie{Name: "_ga", Value: "GA1.1.1234567890.1764288000", Path: "/", MaxAge: 2 * 365 * 86400})
		http.SetCookie(c.Writer, &http.Cookie{Name: "_fbp", Value: "fb.1.1764288000000.1234567890", Path: "/", MaxAge: 90 * 86400})
		c.Next()
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

func page(title, prefix string) gin.HandlerFunc {
	return func(c *gin.Context) {
		var b bytes.Buffer
		if err := pageTmpl.Execute(&b, map[string]any{"Title": title, "Prefix": prefix, "Path": c.Request.URL.Path,
			"Consent": consent.FromContext(c.Request.Context())}); err != nil {
			_ = c.AbortWithError(http.StatusInternalServerError, err)
			return
		}
		c.Data(http.StatusOK, "text/html; charset=utf-8", b.Bytes())
	}
}

func hello(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"hello": "world",
		"analytics": consent.FromContext(c.Request.Context()).Allowed(consent.Analytics)})
}
