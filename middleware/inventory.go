package middleware

import (
	"cmp"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/consentgate/consent"
	"github.com/consentgate/consent/catalog"
	"github.com/consentgate/consent/middleware/internal/htmlrewrite"
)

// The inventory's caps. Past a cap new entries are counted in
// Inventory.Dropped instead of kept, so a flood of random cookie names or
// paths cannot grow the middleware's memory.
const (
	// MaxInventoryCookies bounds the distinct cookie names kept.
	MaxInventoryCookies = 1000
	// MaxInventoryHosts bounds the distinct (host, tag kind) pairs kept.
	MaxInventoryHosts = 1000
	// MaxInventoryPages bounds the distinct page paths of the per-page
	// report.
	MaxInventoryPages = 500
	// MaxPageActions bounds the distinct actions kept per page path.
	MaxPageActions = 64
	// MaxExamplePaths is how many example paths an entry keeps.
	MaxExamplePaths = 5
	// maxPathBytes bounds a kept path; longer ones are cut.
	maxPathBytes = 200
	// maxNameBytes bounds a kept cookie name or host; longer ones are cut.
	maxNameBytes = 256
)

// Categories an inventory entry can show besides the policy's.
const (
	// Undeclared marks a cookie or host the policy does not declare.
	Undeclared = "undeclared"
	// UndeclaredBeacon marks a hidden or 1×1 image or frame on a
	// third-party host the policy does not declare.
	UndeclaredBeacon = "undeclared beacon"
)

// Inventory is what the middleware has seen in responses since it started:
// the cookies handlers set, the third-party hosts pages load from, and, per
// page path, what it removed (or, in report-only mode, would have removed).
// Get it from Middleware.Inventory or serve it with InventoryHandler.
//
// Pages are scanned while the middleware rewrites them, which is every HTML
// page of a visitor who has not granted everything, and every page with the
// banner or the settings control; a page of a visitor who granted all with
// SettingsControl(false) is not read at all. Paths are kept without their
// query string.
type Inventory struct {
	// Since is when the middleware started recording.
	Since time.Time `json:"since"`
	// ReportOnly says the middleware runs in report-only mode: nothing was
	// removed, Removed counts what would have been.
	ReportOnly bool `json:"reportOnly"`
	// Cookies are the cookies of Set-Cookie headers, by name.
	Cookies []SeenCookie `json:"cookies"`
	// Hosts are the third-party hosts of tags, by host and tag kind.
	Hosts []SeenHost `json:"hosts"`
	// Pages lists, per page path, what was removed or deferred.
	Pages []PageReport `json:"pages"`
	// CSPReports are what browsers reported the policy header blocked (or
	// would have, in report mode), by blocked host and directive.
	CSPReports []SeenCSPReport `json:"cspReports"`
	// Dropped counts what was not kept because a cap was reached.
	Dropped InventoryDropped `json:"dropped"`

	// What Draft knows of the catalog: the middleware's catalog resolved
	// for the policy it enforces (nil for an Inventory built otherwise).
	vendors *catalog.Resolved
	policy  *consent.Policy
}

// SeenCookie is one cookie name of the inventory, with the attributes of
// its most recent Set-Cookie.
type SeenCookie struct {
	Name string `json:"name"`
	// Category is the declared category, or Undeclared.
	Category string `json:"category"`
	// Provider is the declaration's provider: for a cookie the catalog
	// knows, the vendor's name.
	Provider string `json:"provider,omitempty"`
	// Vendor is the catalog ID of the vendor that sets it, when the
	// catalog (not the policy) declares it.
	Vendor string `json:"vendor,omitempty"`
	// Domain, Path, MaxAge (seconds; 0 for a session cookie), Secure,
	// HttpOnly and SameSite are the latest Set-Cookie's attributes.
	Domain   string `json:"domain,omitempty"`
	Path     string `json:"path,omitempty"`
	MaxAge   int    `json:"maxAge"`
	Secure   bool   `json:"secure"`
	HttpOnly bool   `json:"httpOnly"`
	SameSite string `json:"sameSite,omitempty"`
	// Count is the number of Set-Cookie lines seen; Removed how many of
	// them were dropped (or would have been, in report-only mode).
	Count   int64 `json:"count"`
	Removed int64 `json:"removed"`
	// FirstSeen and LastSeen bound when it was seen; Paths are examples
	// of the pages that set it.
	FirstSeen time.Time `json:"firstSeen"`
	LastSeen  time.Time `json:"lastSeen"`
	Paths     []string  `json:"paths"`
}

// SeenHost is one third-party host a kind of tag loads from.
type SeenHost struct {
	Host string `json:"host"`
	// Kind is the tag: script, img, iframe, embed, object, source, link
	// or ping; or inline-script for a host that the text of a kept inline
	// script names (a loader that builds its tag at run time), counted
	// once per script.
	Kind string `json:"kind"`
	// Tracker is the declared tracker's name, empty when undeclared.
	Tracker string `json:"tracker,omitempty"`
	// Vendor is the catalog ID of the tracker, when the catalog (not the
	// policy) declares it.
	Vendor string `json:"vendor,omitempty"`
	// Category is the tracker's category, Undeclared or UndeclaredBeacon.
	Category string `json:"category"`
	// Count is how many tags were seen; Removed how many were removed or
	// deferred (or would have been, in report-only mode).
	Count     int64     `json:"count"`
	Removed   int64     `json:"removed"`
	FirstSeen time.Time `json:"firstSeen"`
	LastSeen  time.Time `json:"lastSeen"`
	Paths     []string  `json:"paths"`

	tracker *htmlrewrite.Tracker // the declaration, until the snapshot names its vendor
}

// PageReport is what was removed or deferred on one page path.
type PageReport struct {
	Path string `json:"path"`
	// Views counts the responses of the path with at least one action.
	Views   int64        `json:"views"`
	Actions []PageAction `json:"actions"`
}

// PageAction is one kind of removal on a page.
type PageAction struct {
	// What is "set-cookie" or the tag kind (script, img, …, ping).
	What string `json:"what"`
	// Name is the cookie's name or the tag's host.
	Name string `json:"name"`
	// Category is the category refused, Undeclared or UndeclaredBeacon.
	Category string `json:"category"`
	// Deferred is set for tags kept inert (TagMode Defer) rather than
	// removed.
	Deferred bool `json:"deferred,omitempty"`
	// Count is how many times it happened.
	Count int64 `json:"count"`
}

// InventoryDropped counts observations not kept for a cap.
type InventoryDropped struct {
	Cookies int64 `json:"cookies"`
	Hosts   int64 `json:"hosts"`
	Pages   int64 `json:"pages"`
	Actions int64 `json:"actions"`
	// CSPReports counts CSP reports of a new host and directive that
	// found the table full.
	CSPReports int64 `json:"cspReports"`
}

// Total is the number of observations dropped.
func (d InventoryDropped) Total() int64 {
	return d.Cookies + d.Hosts + d.Pages + d.Actions + d.CSPReports
}

// setCookieAction is PageAction.What for a cookie.
const setCookieAction = "set-cookie"

// observation is one Set-Cookie seen in a response, before it is merged.
type observation struct {
	name     string
	category string
	removed  bool
	cookie   *http.Cookie
}

// tagObservation is one tag an HTML page held, kept in the page's pooled
// rewriter state until the page ends; its host is names[start:end].
type tagObservation struct {
	kind       string
	start, end int
	tracker    *htmlrewrite.Tracker
	removed    bool
	deferred   bool
	count      int64
}

// maxTagObservations bounds the distinct tags one page records.
const maxTagObservations = 64

type pageEntry struct {
	views   int64
	actions []PageAction // at most MaxPageActions: a scan is cheaper than a map
	seen    time.Time    // the last view, which decides eviction
}

// inventory is the concurrency-safe store behind Inventory. Its maps are
// keyed by plain strings so that merging a page looks entries up with the
// page's bytes and allocates only for new ones.
type inventory struct {
	mu      sync.Mutex
	since   time.Time
	cookies map[string]*SeenCookie
	hosts   map[string][]*SeenHost // by host, one per kind
	nHosts  int
	pages   map[string]*pageEntry
	csp     map[cspKey]*SeenCSPReport // made at the first report
	dropped InventoryDropped
}

func newInventory(now time.Time) *inventory {
	return &inventory{
		since:   now,
		cookies: make(map[string]*SeenCookie),
		hosts:   make(map[string][]*SeenHost),
		pages:   make(map[string]*pageEntry),
	}
}

// recordCookies merges one response's Set-Cookie lines, under one lock.
// It reports whether it counted the response as a view of the page.
func (inv *inventory) recordCookies(path string, now time.Time, obs []observation) bool {
	if len(obs) == 0 {
		return false
	}
	path = cut(path, maxPathBytes)
	inv.mu.Lock()
	defer inv.mu.Unlock()
	var page *pageEntry
	counted := false
	for i := range obs {
		o := &obs[i]
		inv.recordCookie(path, now, o)
		if o.removed {
			page, counted = inv.pageAction(page, counted, path, now, setCookieAction, []byte(o.name), o.category, false, 1)
		}
	}
	return counted
}

// recordTags merges one page's tags, under one lock; counted says the
// response was already counted as a view by recordCookies.
func (inv *inventory) recordTags(path string, now time.Time, obs []tagObservation, names []byte, categories []string, counted bool) {
	if len(obs) == 0 {
		return
	}
	path = cut(path, maxPathBytes)
	inv.mu.Lock()
	defer inv.mu.Unlock()
	var page *pageEntry
	for i := range obs {
		o := &obs[i]
		host := names[o.start:o.end]
		category, tracker := Undeclared, ""
		switch {
		case o.tracker != nil:
			category, tracker = categories[o.tracker.Category], o.tracker.Name
		case o.removed || o.deferred:
			category = UndeclaredBeacon
		}
		inv.recordHost(path, now, host, o.kind, o.tracker, tracker, category, o.removed || o.deferred, o.count)
		if o.removed || o.deferred {
			page, counted = inv.pageAction(page, counted, path, now, o.kind, host, category, o.deferred, o.count)
		}
	}
}

// pageAction counts one removal on the page at path; page and counted carry
// the page across the calls of one response.
func (inv *inventory) pageAction(page *pageEntry, counted bool, path string, now time.Time, what string, name []byte, category string, deferred bool, n int64) (*pageEntry, bool) {
	if page == nil {
		if page = inv.page(path, now); page == nil {
			return nil, counted
		}
	}
	if !counted {
		page.views++
		counted = true
	}
	for i := range page.actions {
		a := &page.actions[i]
		if a.What == what && a.Category == category && a.Name == string(name) {
			a.Count += n
			return page, counted
		}
	}
	if len(page.actions) >= MaxPageActions {
		inv.dropped.Actions++
		return page, counted
	}
	page.actions = append(page.actions, PageAction{What: what, Name: inv.intern(what, name), Category: category, Deferred: deferred, Count: n})
	return page, counted
}

// intern returns the inventory's own copy of a cookie name or host when it
// has one, so that pages naming it share it.
func (inv *inventory) intern(what string, name []byte) string {
	if what == setCookieAction {
		if c := inv.cookies[string(name)]; c != nil {
			return c.Name
		}
	} else if hs := inv.hosts[string(name)]; len(hs) > 0 {
		return hs[0].Host
	}
	return string(name)
}

// page returns the entry of a page, making it if need be. When the table
// is full, the page seen least recently makes room (counted as dropped):
// made-up paths, which are seen once each, cannot push out the site's real
// pages, seen again and again, for good — and error pages and templated
// routes share one entry each anyway (see responseWriter.pageKey).
func (inv *inventory) page(path string, now time.Time) *pageEntry {
	if p := inv.pages[path]; p != nil {
		p.seen = now
		return p
	}
	if len(inv.pages) >= MaxInventoryPages {
		oldest, at := "", now
		for k, p := range inv.pages {
			if !p.seen.After(at) {
				oldest, at = k, p.seen
			}
		}
		delete(inv.pages, oldest)
		inv.dropped.Pages++
	}
	p := &pageEntry{seen: now}
	inv.pages[strings.Clone(path)] = p
	return p
}

func (inv *inventory) recordCookie(path string, now time.Time, o *observation) {
	e := inv.cookies[o.name]
	if e == nil {
		if len(inv.cookies) >= MaxInventoryCookies {
			inv.dropped.Cookies++
			return
		}
		e = &SeenCookie{Name: o.name, FirstSeen: now}
		inv.cookies[o.name] = e
	}
	c := o.cookie
	e.Category = o.category
	e.Domain, e.Path, e.Secure, e.HttpOnly = cut(c.Domain, maxNameBytes), cut(c.Path, maxPathBytes), c.Secure, c.HttpOnly
	e.MaxAge = cookieMaxAge(c, now)
	e.SameSite = sameSiteName(c.SameSite)
	e.Count++
	if o.removed {
		e.Removed++
	}
	e.LastSeen = now
	e.Paths = addExample(e.Paths, path)
}

func (inv *inventory) recordHost(path string, now time.Time, host []byte, kind string, t *htmlrewrite.Tracker, tracker, category string, removed bool, n int64) {
	var e *SeenHost
	for _, h := range inv.hosts[string(host)] {
		if h.Kind == kind {
			e = h
			break
		}
	}
	if e == nil {
		if inv.nHosts >= MaxInventoryHosts {
			inv.dropped.Hosts++
			return
		}
		inv.nHosts++
		key := string(host)
		e = &SeenHost{Host: key, Kind: kind, FirstSeen: now}
		inv.hosts[key] = append(inv.hosts[key], e)
	}
	e.Tracker, e.Category, e.tracker = tracker, category, t
	e.Count += n
	if removed {
		e.Removed += n
	}
	e.LastSeen = now
	e.Paths = addExample(e.Paths, path)
}

// snapshot copies the inventory, sorted by name.
func (inv *inventory) snapshot(reportOnly bool) *Inventory {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	out := &Inventory{
		Since:      inv.since,
		ReportOnly: reportOnly,
		Cookies:    make([]SeenCookie, 0, len(inv.cookies)),
		Hosts:      make([]SeenHost, 0, len(inv.hosts)),
		Pages:      make([]PageReport, 0, len(inv.pages)),
		CSPReports: inv.cspSnapshot(),
		Dropped:    inv.dropped,
	}
	for _, c := range inv.cookies {
		cc := *c
		cc.Paths = slices.Clone(c.Paths)
		out.Cookies = append(out.Cookies, cc)
	}
	for _, hs := range inv.hosts {
		for _, h := range hs {
			hh := *h
			hh.Paths = slices.Clone(h.Paths)
			out.Hosts = append(out.Hosts, hh)
		}
	}
	for path, p := range inv.pages {
		r := PageReport{Path: path, Views: p.views, Actions: slices.Clone(p.actions)}
		slices.SortFunc(r.Actions, func(a, b PageAction) int {
			return cmp.Or(strings.Compare(a.What, b.What), strings.Compare(a.Name, b.Name), strings.Compare(a.Category, b.Category))
		})
		out.Pages = append(out.Pages, r)
	}
	slices.SortFunc(out.Cookies, func(a, b SeenCookie) int { return strings.Compare(a.Name, b.Name) })
	slices.SortFunc(out.Hosts, func(a, b SeenHost) int {
		return cmp.Or(strings.Compare(a.Host, b.Host), strings.Compare(a.Kind, b.Kind))
	})
	slices.SortFunc(out.Pages, func(a, b PageReport) int { return strings.Compare(a.Path, b.Path) })
	return out
}

// inventory returns the inventory with the catalog's vendors named: the
// vendor ID of each host and cookie the catalog declares.
func (m *Middleware) inventory() *Inventory {
	inv := m.inv.snapshot(m.reportOnly)
	inv.vendors, inv.policy = m.vendors, m.policy
	// The matcher's trackers are m.trackers, translated one for one.
	ts := m.matcher.Trackers()
	index := make(map[*htmlrewrite.Tracker]int, len(ts))
	for i := range ts {
		index[&ts[i]] = i
	}
	for i := range inv.Hosts {
		h := &inv.Hosts[i]
		if j, ok := index[h.tracker]; ok && j < len(m.trackers) && m.trackers[j].Name == ts[j].Name {
			h.Vendor = m.trackers[j].Vendor
		}
		h.tracker = nil
	}
	if m.vendors == nil {
		return inv
	}
	byName := make(map[string]string, len(m.vendors.Trackers))
	for _, t := range m.vendors.Trackers {
		byName[t.Name] = t.Vendor
	}
	for i := range inv.Cookies {
		c := &inv.Cookies[i]
		decl, ok := m.cookies.lookup(c.Name)
		if !ok {
			continue
		}
		c.Provider = decl.Provider
		if _, own := m.policy.CookieDeclaration(c.Name); !own {
			c.Vendor = byName[decl.Provider]
		}
	}
	return inv
}

// addExample keeps up to MaxExamplePaths distinct example paths.
func addExample(paths []string, path string) []string {
	if len(paths) >= MaxExamplePaths || slices.Contains(paths, path) {
		return paths
	}
	return append(paths, strings.Clone(path))
}

// cookieMaxAge is a Set-Cookie's lifetime in seconds, 0 for a session
// cookie and -1 for one that deletes.
func cookieMaxAge(c *http.Cookie, now time.Time) int {
	switch {
	case c.MaxAge != 0:
		return max(c.MaxAge, -1)
	case !c.Expires.IsZero():
		if d := c.Expires.Sub(now); d > 0 {
			return int(d / time.Second)
		}
		return -1
	}
	return 0
}

func sameSiteName(s http.SameSite) string {
	switch s {
	case http.SameSiteLaxMode:
		return "Lax"
	case http.SameSiteStrictMode:
		return "Strict"
	case http.SameSiteNoneMode:
		return "None"
	}
	return ""
}

// cut bounds a string taken from a response, on a rune boundary.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
