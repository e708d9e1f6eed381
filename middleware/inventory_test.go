package middleware

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/consentgate/consent"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"
)

func TestInventoryRecordsCookiesAndHosts(t *testing.T) {
	m, _ := newTestMiddleware(t)
	upstream := corpusHandler(reportCorpus())
	servePage(m.Handler(upstream), "/")
	servePage(m.Handler(upstream), "/media")
	inv := m.Inventory()
	assert.False(t, inv.ReportOnly)

	cookies := map[string]SeenCookie{}
	for _, c := range inv.Cookies {
		cookies[c.Name] = c
	}
	require.Contains(t, cookies, "_ga")
	ga := cookies["_ga"]
	assert.Equal(t, "analytics", ga.Category)
	assert.Equal(t, "example.com", ga.Domain)
	assert.Equal(t, 63072000, ga.MaxAge)
	assert.EqualValues(t, 2, ga.Count)
	assert.EqualValues(t, 2, ga.Removed, "an undecided visitor's _ga is dropped")
	assert.Equal(t, []string{"/", "/media"}, ga.Paths)
	session := cookies["session"]
	assert.Equal(t, "essential", session.Category)
	assert.True(t, session.Secure && session.HttpOnly)
	assert.Equal(t, "Lax", session.SameSite)
	assert.Zero(t, session.MaxAge, "a session cookie")
	assert.Zero(t, session.Removed)
	assert.Equal(t, Undeclared, cookies["shop_ab"].Category, "undeclared cookies are flagged")

	hosts := map[string]SeenHost{}
	for _, h := range inv.Hosts {
		hosts[h.Kind+" "+h.Host] = h
	}
	assert.Equal(t, "Google Analytics", hosts["script www.googletagmanager.com"].Tracker)
	assert.EqualValues(t, 1, hosts["script www.googletagmanager.com"].Removed)
	assert.Equal(t, Undeclared, hosts["script cdn.jsdelivr.net"].Category, "kept third parties are listed too")
	assert.Zero(t, hosts["script cdn.jsdelivr.net"].Removed)
	assert.Equal(t, Undeclared, hosts["img images.cdn.example"].Category)
	assert.Contains(t, hosts, "iframe www.youtube.com")
	assert.NotContains(t, hosts, "script www.shop.example", "first-party files are not third parties")
}

// A flood of random cookie names and paths stays within the caps, and the
// inventory says how much it dropped.
func TestInventoryFloodStaysWithinCaps(t *testing.T) {
	m, _ := newTestMiddleware(t)
	const n = 3 * MaxInventoryCookies
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: r.URL.Query().Get("c"), Value: "x"})
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, `<body><img src="https://t%s.example-ads.net/p.gif" width=1 height=1>`, r.URL.Query().Get("c"))
	}))
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 1))
			for i := range n / 4 {
				name := fmt.Sprintf("rnd%d_%x", i, rng.Uint64())
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/p/"+name+"?c="+name, nil))
			}
		})
	}
	wg.Wait()
	inv := m.Inventory()
	assert.Len(t, inv.Cookies, MaxInventoryCookies)
	assert.EqualValues(t, n-MaxInventoryCookies, inv.Dropped.Cookies)
	assert.Len(t, inv.Hosts, MaxInventoryHosts)
	assert.EqualValues(t, n-MaxInventoryHosts, inv.Dropped.Hosts)
	assert.Len(t, inv.Pages, MaxInventoryPages)
	assert.Positive(t, inv.Dropped.Pages)

	rec := httptest.NewRecorder()
	m.InventoryHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	assert.Contains(t, rec.Body.String(), "reached a cap and did not record: 2000 cookies, 2000 hosts")
}

func TestInventoryHandler(t *testing.T) {
	m, _ := newTestMiddleware(t)
	upstream := corpusHandler(reportCorpus())
	for _, path := range []string{"/", "/media", "/snippets", `/<script>alert(1)</script>`} {
		servePage(m.Handler(upstream), path)
	}
	servePage(m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte(`<body><img src="https://www.facebook.com/tr?id=1">`))
	})), "/%22%3E%3Cimg%20src=x%20onerror=alert(1)%3E")
	inv := m.InventoryHandler()
	fetch := func(target string, header ...string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, target, nil)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		rec := httptest.NewRecorder()
		inv.ServeHTTP(rec, req)
		return rec
	}

	t.Run("HTML, sortable without JavaScript, undeclared flagged", func(t *testing.T) {
		rec := fetch("/admin/inventory")
		require.Equal(t, http.StatusOK, rec.Code)
		assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
		doc, err := html.Parse(rec.Body)
		require.NoError(t, err)
		var rows []string
		var scripts, handlers int
		var walk func(*html.Node)
		walk = func(n *html.Node) {
			if n.Type == html.ElementNode {
				if n.Data == "script" {
					scripts++
				}
				for _, a := range n.Attr {
					if strings.HasPrefix(a.Key, "on") {
						handlers++
					}
				}
				if n.Data == "tr" {
					for _, a := range n.Attr {
						if a.Key == "class" && a.Val == "undeclared" {
							rows = append(rows, text(n))
						}
					}
				}
			}
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				walk(c)
			}
		}
		walk(doc)
		assert.Zero(t, scripts, "page paths are escaped, and the page needs no script")
		assert.Zero(t, handlers)
		assert.True(t, containsWith(rows, "shop_ab"), "%q", rows)
		assert.True(t, containsWith(rows, "cdn.jsdelivr.net"), "%q", rows)

		pos := func(page, name string) int { return strings.Index(page, "<code>"+name+"</code>") }
		byName := fetch("/admin/inventory").Body.String()
		assert.Less(t, pos(byName, "_ga"), pos(byName, "session"))
		byRemoved := fetch("/admin/inventory?cookies=removed").Body.String()
		assert.Less(t, pos(byRemoved, "session"), pos(byRemoved, "_ga"), "never removed comes first")
	})
	t.Run("JSON", func(t *testing.T) {
		for _, rec := range []*httptest.ResponseRecorder{fetch("/?format=json"), fetch("/", "Accept", "application/json")} {
			assert.Equal(t, "application/json", rec.Header().Get("Content-Type"))
			var got Inventory
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &got))
			assert.NotEmpty(t, got.Cookies)
			assert.NotEmpty(t, got.Hosts)
			assert.NotEmpty(t, got.Pages)
		}
	})
	t.Run("policy download", func(t *testing.T) {
		rec := fetch("/?format=policy")
		assert.Equal(t, `attachment; filename="policy-draft.yaml"`, rec.Header().Get("Content-Disposition"))
		_, err := consent.ParsePolicy(rec.Body.Bytes(), consent.YAML)
		require.Error(t, err, "the draft holds placeholders")
		assert.Contains(t, err.Error(), `cookie "shop_ab" is still "undecided"`)
	})
	t.Run("bad requests", func(t *testing.T) {
		assert.Equal(t, http.StatusBadRequest, fetch("/?format=xml").Code)
		rec := httptest.NewRecorder()
		inv.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/", nil))
		assert.Equal(t, http.StatusMethodNotAllowed, rec.Code)
	})
	t.Run("never served by the middleware itself", func(t *testing.T) {
		for _, path := range []string{"/consent/inventory", "/consent/inventory?format=json", "/consent/admin"} {
			rec := get(m, http.NotFoundHandler(), path)
			assert.NotEqual(t, http.StatusOK, rec.Code, path)
			assert.NotContains(t, rec.Body.String(), "shop_ab", path)
		}
	})
}

// The drafted policy declares every cookie and host seen: built-in ones
// with their category, the rest as placeholders; resolved, it loads, and a
// middleware enforcing it finds nothing undeclared on the same pages.
func TestDraftRoundTripsThroughTheLoader(t *testing.T) {
	site := &consent.Policy{Version: "1", Categories: consent.DefaultPolicy().Categories,
		Cookies: []consent.Cookie{{Name: "session", Category: consent.Essential}}}
	m, err := New(site, Keys(testKey))
	require.NoError(t, err)
	corpus := reportCorpus()
	upstream := corpusHandler(corpus)
	for _, p := range corpus {
		servePage(m.Handler(upstream), p.path)
	}
	inv := m.Inventory()
	draft, err := inv.DraftYAML(site)
	require.NoError(t, err)
	text := string(draft)
	assert.Contains(t, text, "# Policy drafted by ConsentGate")
	assert.Equal(t, 1, strings.Count(text, "name: session"), "the site's own declaration is kept once")

	_, err = consent.ParsePolicy(draft, consent.YAML)
	require.ErrorIs(t, err, consent.ErrInvalidPolicy)
	for _, want := range []string{`cookie "shop_ab"`, `tracker "cdn.jsdelivr.net"`, `tracker "images.cdn.example"`, `tracker "pixel.example-ads.net"`} {
		assert.Contains(t, err.Error(), want)
	}
	assert.NotContains(t, err.Error(), `"_ga"`, "a cookie of the catalog comes with its vendor")

	resolved, err := consent.ParsePolicy([]byte(strings.ReplaceAll(text, "category: undecided", "category: optimization")), consent.YAML)
	require.NoError(t, err)
	_, ok := resolved.CookieDeclaration("_ga")
	assert.False(t, ok, "the catalog declares _ga")
	require.NotNil(t, resolved.Catalog)
	assert.Contains(t, resolved.Catalog.Uses, "google-analytics", "the vendor that sets it is named as used")
	assert.Contains(t, text, "# Google Analytics (catalog): Counts visits and reports how visitors find and use the site.\n    # Under this policy: category analytics (Analytics and performance).\n    - google-analytics\n")

	again, err := New(resolved, Keys(testKey))
	require.NoError(t, err)
	for _, p := range corpus {
		servePage(again.Handler(upstream), p.path)
	}
	for _, c := range again.Inventory().Cookies {
		assert.NotEqual(t, Undeclared, c.Category, c.Name)
	}
	for _, h := range again.Inventory().Hosts {
		assert.NotEqual(t, Undeclared, h.Category, h.Host)
		assert.NotEqual(t, UndeclaredBeacon, h.Category, h.Host)
	}
}

// A host the site declares as a service it needs is not drafted as an
// undecided tracker.
func TestDraftLeavesDeclaredServicesOut(t *testing.T) {
	site := &consent.Policy{Version: "1", Categories: consent.DefaultPolicy().Categories,
		Cookies:  []consent.Cookie{{Name: "session", Category: consent.Essential}},
		Services: []consent.Service{{Name: "jsDelivr", Purpose: "Serves the shop's scripts.", Hosts: []string{"jsdelivr.net"}}}}
	m, err := New(site, Keys(testKey))
	require.NoError(t, err)
	corpus := reportCorpus()
	for _, p := range corpus {
		servePage(m.Handler(corpusHandler(corpus)), p.path)
	}
	draft, err := m.Inventory().DraftYAML(site)
	require.NoError(t, err)
	assert.NotContains(t, string(draft), "- name: cdn.jsdelivr.net", "a declared service")
	assert.Contains(t, string(draft), "name: images.cdn.example", "an undeclared host is still drafted")
}

func text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

func containsWith(list []string, sub string) bool {
	for _, s := range list {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// Filled to every cap with the longest names and paths it keeps, the
// inventory stays within a few MiB.
func TestInventoryMemoryAtItsCaps(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector changes allocation figures")
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	inv := newInventory(time.Now())
	long := strings.Repeat("p", maxPathBytes)
	now := time.Now()
	for i := range MaxInventoryCookies + 10 {
		for j := range MaxExamplePaths {
			c := &http.Cookie{Name: fmt.Sprintf("%0250d", i), Domain: strings.Repeat("d", 250), Path: "/" + long}
			inv.recordCookies(fmt.Sprintf("/%d/%s", j, long), now, []observation{{name: c.Name, category: Undeclared, removed: true, cookie: c}})
		}
	}
	for i := range MaxInventoryHosts + 10 {
		host := fmt.Appendf(nil, "%0250d.example", i)
		for j := range MaxExamplePaths {
			obs := []tagObservation{{kind: "script", start: 0, end: len(host), removed: true, count: 1}}
			inv.recordTags(fmt.Sprintf("/h%d/%s", j, long), now, obs, host, nil, false)
		}
	}
	for p := range MaxInventoryPages {
		for a := range MaxPageActions + 1 {
			host := fmt.Appendf(nil, "%0250d.example", a)
			obs := []tagObservation{{kind: "img", start: 0, end: len(host), removed: true, count: 1}}
			inv.recordTags(fmt.Sprintf("/page%d/%s", p, long), now, obs, host, nil, false)
		}
	}
	for i := range MaxInventoryCSPReports + 10 {
		for j := range MaxExamplePaths {
			key := cspKey{host: fmt.Sprintf("%0250d.example", i), directive: strings.Repeat("d", maxDirectiveBytes)}
			inv.recordCSP(now, []cspReport{{key: key, disposition: DispositionReport, path: fmt.Sprintf("/c%d/%s", j, long)}})
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	heap := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("inventory at its caps: %.1f MiB", float64(heap)/(1<<20))
	assert.Less(t, heap, int64(16<<20))
	assert.Positive(t, inv.dropped.Total())
	assert.EqualValues(t, 10*MaxExamplePaths, inv.dropped.CSPReports)
	runtime.KeepAlive(inv)
}
