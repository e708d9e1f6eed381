package site

import (
	"crypto/rand"
	"encoding/json"
	"html/template"
	"log/slog"
	"net/http"
	"strings"

	"github.com/consentgate/consent"
	"github.com/consentgate/consent/middleware"
	"github.com/consentgate/consent/store"
	"github.com/gorilla/mux"
)

// course is one entry of the catalog.
type course struct {
	Slug, Title, Summary string
	Lessons              int
}

var courses = []course{
	{"go-basics", "Go from scratch", "Types, functions, packages and the toolchain, one small program at a time.", 12},
	{"http-services", "HTTP services in Go", "net/http, middleware, routing, timeouts and graceful shutdown.", 9},
	{"privacy-engineering", "Privacy engineering", "Consent, data minimisation and what GDPR asks of the code.", 7},
}

// site is the demo's pages: a course catalog with the usual third-party tags.
type site struct {
	mw     *middleware.Middleware
	hits   *hitLog
	secure bool
	tags   tagSnippets
	ledger store.Ledger // nil without one
	log    *slog.Logger
}

// tagSnippets are the third-party tags as sites paste them, pointed at the
// fake trackers.
type tagSnippets struct{ Head, Body, Video template.HTML }

func newTagSnippets(origin map[string]string) tagSnippets {
	r := strings.NewReplacer("ANALYTICS", origin["analytics"], "TAGS", origin["tags"], "ADS", origin["ads"],
		"REPLAY", origin["replay"], "VIDEO", origin["video"])
	return tagSnippets{
		// Analytics loader and config snippet, tag manager loader, ad pixel
		// and session replay, in the forms their vendors give out.
		Head: template.HTML(r.Replace(`<!-- Analytics (gtag.js style) -->
<script async src="ANALYTICS/gtag/js?id=G-DEMO"></script>
<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}gtag('js',new Date());gtag('config','G-DEMO');</script>
<!-- Tag manager -->
<script>(function(w,d,s,l,i){w[l]=w[l]||[];w[l].push({'gtm.start':new Date().getTime(),event:'gtm.js'});var f=d.getElementsByTagName(s)[0],
j=d.createElement(s);j.async=true;j.src='TAGS/gtm.js?id='+i;f.parentNode.insertBefore(j,f);})(window,document,'script','dataLayer','GTM-DEMO');</script>
<!-- Ad pixel -->
<script>!function(f,b,e,v,n,t,s){if(f.fbq)return;n=f.fbq=function(){n.queue.push(arguments)};n.queue=[];
t=b.createElement(e);t.async=!0;t.src=v;s=b.getElementsByTagName(e)[0];s.parentNode.insertBefore(t,s)}(window,document,'script','ADS/fbevents.js');
fbq('init','1234');fbq('track','PageView');</script>
<!-- Session replay -->
<script>(function(h,o,t,j,a,r){h.hj=h.hj||function(){(h.hj.q=h.hj.q||[]).push(arguments)};a=o.getElementsByTagName('head')[0];
r=o.createElement('script');r.async=1;r.src=t+j;a.appendChild(r);})(window,document,'REPLAY/c/hotjar-','1.js');</script>`)),
		Body: template.HTML(r.Replace(`<noscript><iframe src="TAGS/ns.html?id=GTM-DEMO" height="0" width="0" style="display:none;visibility:hidden"></iframe></noscript>
<noscript><img height="1" width="1" style="display:none" src="ADS/tr?id=1234&amp;ev=PageView&amp;noscript=1"></noscript>`)),
		Video: template.HTML(r.Replace(`<iframe width="560" height="315" src="VIDEO/embed/trailer" title="Course trailer" allowfullscreen></iframe>`)),
	}
}

// routes builds the router. The consent middleware wraps the whole router:
// gorilla/mux runs Use middleware only for matched routes, so wrapping is
// what puts the banner on its 404 page too.
func (s *site) routes() http.Handler {
	r := mux.NewRouter()
	r.Use(s.siteCookies)
	r.HandleFunc("/", s.home).Methods("GET", "HEAD")
	r.HandleFunc("/courses/{slug}", s.course).Methods("GET", "HEAD")
	r.HandleFunc("/signin", s.signinForm).Methods("GET", "HEAD")
	r.HandleFunc("/signin", s.signin).Methods("POST")
	r.HandleFunc("/lang", s.setLang).Methods("GET")
	r.HandleFunc("/demo/trackers", s.trackerPage).Methods("GET", "HEAD")
	r.HandleFunc("/demo/trackers.json", s.trackerJSON).Methods("GET")
	r.HandleFunc("/demo/ledger", s.ledgerPage).Methods("GET", "HEAD")
	r.HandleFunc("/demo/ledger.json", s.ledgerJSON).Methods("GET")
	// A real site mounts the inventory behind its own authentication; the
	// demo listens on loopback only.
	r.Handle("/demo/inventory", s.mw.InventoryHandler()).Methods("GET", "HEAD")
	r.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotFound)
		s.render(w, r, "notfound", nil)
	})
	return s.mw.Handler(r)
}

// siteCookies writes Google Analytics' first-party _ga cookie server-side on
// every page, as some integrations do, consent or not: the middleware drops
// it until the visitor grants analytics.
func (s *site) siteCookies(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "_ga", Value: "GA1.1.1234567890.1764288000", Path: "/", MaxAge: 2 * 365 * 86400})
		next.ServeHTTP(w, r)
	})
}

func (s *site) home(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, "home", courses)
}

func (s *site) course(w http.ResponseWriter, r *http.Request) {
	slug := mux.Vars(r)["slug"]
	for _, c := range courses {
		if c.Slug == slug {
			s.render(w, r, "course", c)
			return
		}
	}
	w.WriteHeader(http.StatusNotFound)
	s.render(w, r, "notfound", nil)
}

func (s *site) signinForm(w http.ResponseWriter, r *http.Request) { s.render(w, r, "signin", nil) }

// signin sets the essential session cookie: it passes whatever the consent.
func (s *site) signin(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: "session", Value: rand.Text(), Path: "/", HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// setLang sets the functionality cookie "lang": it reaches the browser only
// when the visitor granted functionality.
func (s *site) setLang(w http.ResponseWriter, r *http.Request) {
	lang := r.URL.Query().Get("to")
	if lang != "en" && lang != "de" && lang != "fr" {
		http.Error(w, "unknown language", http.StatusBadRequest)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: "lang", Value: lang, Path: "/", MaxAge: 365 * 86400, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, middleware.SafeReturn(r.URL.Query().Get("return")), http.StatusSeeOther)
}

func (s *site) trackerPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, "trackers", s.hits.All())
}

func (s *site) trackerJSON(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(s.hits.All())
}

// pageData is what every page template gets.
type pageData struct {
	Title    string
	Path     string
	Consent  *consent.Consent
	Prefix   string
	SignedIn bool
	Lang     string
	Tags     tagSnippets
	Data     any
}

func (s *site) render(w http.ResponseWriter, r *http.Request, name string, data any) {
	d := pageData{Path: r.URL.Path, Consent: consent.FromContext(r.Context()), Prefix: s.mw.Prefix(), Tags: s.tags, Data: data, Lang: "en"}
	if _, err := r.Cookie("session"); err == nil {
		d.SignedIn = true
	}
	if c, err := r.Cookie("lang"); err == nil {
		d.Lang = c.Value
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := pages.ExecuteTemplate(w, name, d); err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
	}
}
