package middleware

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/consentgate/consent"
	"github.com/consentgate/consent/catalog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Vendors' published loaders, which build their script tag at run time:
// no tag of the page names the host they load from.
const (
	// https://help.hotjar.com/hc/en-us/articles/115009336727 (tracking code)
	hotjarLoader = `<script>
    (function(h,o,t,j,a,r){
        h.hj=h.hj||function(){(h.hj.q=h.hj.q||[]).push(arguments)};
        h._hjSettings={hjid:1234567,hjsv:6};
        a=o.getElementsByTagName('head')[0];
        r=o.createElement('script');r.async=1;
        r.src=t+h._hjSettings.hjid+j+h._hjSettings.hjsv;
        a.appendChild(r);
    })(window,document,'https://static.hotjar.com/c/hotjar-','.js?sv=');
</script>`
	// https://developers.intercom.com/installing-intercom/web/installation
	intercomLoader = `<script>(function(){var w=window;var ic=w.Intercom;if(typeof ic==="function"){ic('update',w.intercomSettings);}else{var d=document;var i=function(){i.c(arguments);};i.q=[];i.c=function(args){i.q.push(args);};w.Intercom=i;var l=function(){var s=d.createElement('script');s.type='text/javascript';s.async=true;s.src='https://widget.intercom.io/widget/' + APP_ID;var x=d.getElementsByTagName('script')[0];x.parentNode.insertBefore(s, x);};if(document.readyState==='complete'){l();}else if(w.attachEvent){w.attachEvent('onload',l);}else{w.addEventListener('load',l,false);}}})();</script>`
	// A loader of a vendor the catalog does not know, with escaped slashes
	// as a minifier writes them.
	unknownLoader = `<script>!function(){var s=document.createElement("script");s.src="https:\/\/cdn.unknown-loader.example\/v2\/loader.js";document.head.appendChild(s)}();</script>`
)

// loaderCatalog knows Hotjar and Intercom, not the unknown loader.
const loaderCatalog = `
- id: hotjar
  name: Hotjar
  company: Hotjar Ltd.
  category: session-replay
  purpose: Records how visitors use pages, as heatmaps and session recordings.
  docs: https://help.hotjar.com/hc/en-us/articles/6952777582999
  hosts: [hotjar.com, hotjar.io]
  cookies:
    - {name: "_hjSessionUser_*", lifetime: 1y, party: first, purpose: Keeps a Hotjar user ID.}
- id: intercom
  name: Intercom
  category: customer-chat
  purpose: Live chat and help messages from the site's staff.
  docs: https://www.intercom.com/legal/cookie-policy
  hosts: [intercom.io, intercomcdn.com]
`

// loaderSite is a small site's policy without tracker declarations: the
// catalog alone knows the vendors.
func loaderSite() *consent.Policy {
	return &consent.Policy{Version: "1", Categories: []consent.Category{
		{ID: consent.Essential, Name: "Essential", Required: true},
		{ID: consent.Analytics, Name: "Statistics"},
		{ID: consent.Functionality, Name: "Functionality"},
	}, Cookies: []consent.Cookie{{Name: "session", Category: consent.Essential}}}
}

// TestReportOnlyInventoriesInlineLoaders: in a report-only run over pages
// whose vendors load through inline scripts, the kept loaders' hosts are
// in the inventory (granted catalog vendors and unknown ones alike), and
// the drafted policy names the catalog's vendors.
func TestReportOnlyInventoriesInlineLoaders(t *testing.T) {
	cat, err := catalog.Parse([]byte(loaderCatalog))
	require.NoError(t, err)
	site := loaderSite()
	m, err := New(site, Keys(testKey), ReportOnly(false), Catalog(cat))
	require.NoError(t, err)
	page := "<!doctype html><html><head>" + hotjarLoader + intercomLoader + unknownLoader + "</head><body><p>Shop</p></body></html>"
	upstream := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "_hjSessionUser_123", Value: "x", MaxAge: 3600})
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(page))
	})

	// A visitor who granted what the vendors fall under: every loader is
	// kept, and only its text names the host it loads.
	granted := decide(t, m, save(string(consent.Analytics), string(consent.Functionality)))
	rec := get(m, upstream, "/", granted)
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, page, rec.Body.String(), "report-only: the page goes out as written")
	// An undecided visitor: the catalog's loaders would have been removed;
	// the unknown one is kept.
	get(m, upstream, "/undecided")

	inv := m.Inventory()
	hosts := map[string]SeenHost{}
	for _, h := range inv.Hosts {
		hosts[h.Kind+" "+h.Host] = h
	}
	hj := hosts["inline-script static.hotjar.com"]
	assert.Equal(t, "Hotjar", hj.Tracker)
	assert.Equal(t, "hotjar", hj.Vendor)
	assert.Equal(t, "analytics", hj.Category)
	assert.Zero(t, hj.Removed, "granted: kept")
	ic := hosts["inline-script widget.intercom.io"]
	assert.Equal(t, "Intercom", ic.Tracker)
	assert.Equal(t, "intercom", ic.Vendor)
	assert.Equal(t, "functionality", ic.Category)
	unknown := hosts["inline-script cdn.unknown-loader.example"]
	assert.Equal(t, Undeclared, unknown.Category, "a loader the catalog does not know is listed too")
	assert.EqualValues(t, 2, unknown.Count, "kept for both visitors")
	assert.EqualValues(t, 1, hosts["script hotjar.com"].Removed, "the undecided visitor's Hotjar loader would have been removed (named by the declared host it holds)")
	assert.Equal(t, "hotjar", hosts["script hotjar.com"].Vendor)

	cookies := map[string]SeenCookie{}
	for _, c := range inv.Cookies {
		cookies[c.Name] = c
	}
	assert.Equal(t, "Hotjar", cookies["_hjSessionUser_123"].Provider)
	assert.Equal(t, "hotjar", cookies["_hjSessionUser_123"].Vendor)

	draft, err := inv.DraftYAML(site)
	require.NoError(t, err)
	text := string(draft)
	assert.Contains(t, text, "# Hotjar (catalog): Records how visitors use pages, as heatmaps and session recordings.\n")
	assert.Contains(t, text, "# Intercom (catalog): Live chat and help messages from the site's staff.\n")
	assert.Contains(t, text, "# Under this policy: category functionality.\n")
	assert.Contains(t, text, "# Under this policy: category analytics (Statistics).\n")
	assert.NotContains(t, text, "hotjar.com", "a catalog vendor is named, not drafted as a tracker")
	assert.NotContains(t, text, "_hjSessionUser", "nor are its cookies")

	_, err = consent.ParsePolicy(draft, consent.YAML)
	require.ErrorIs(t, err, consent.ErrInvalidPolicy, "the unknown loader is left to decide")
	assert.Contains(t, err.Error(), `tracker "cdn.unknown-loader.example"`)
	resolved, err := consent.ParsePolicy([]byte(strings.ReplaceAll(text, "category: undecided", "category: functionality")), consent.YAML)
	require.NoError(t, err)
	require.NotNil(t, resolved.Catalog)
	assert.Equal(t, []string{"hotjar", "intercom"}, resolved.Catalog.Uses)

	// The inventory page names the vendors too.
	page2 := httptest.NewRecorder()
	m.InventoryHandler().ServeHTTP(page2, httptest.NewRequest(http.MethodGet, "/", nil))
	assert.Contains(t, page2.Body.String(), "<td>Hotjar <small>(catalog: <code>hotjar</code>)</small></td>")
}

// TestDraftWithACategoryThePolicyLacks: a catalog vendor whose standard
// category the policy does not map is named, with a comment that says it
// is blocked for everyone until mapped.
func TestDraftWithACategoryThePolicyLacks(t *testing.T) {
	cat, err := catalog.Parse([]byte(loaderCatalog))
	require.NoError(t, err)
	site := loaderSite()
	site.Categories = site.Categories[:2] // no functionality: customer-chat is unmapped
	m, err := New(site, Keys(testKey), ReportOnly(false), Catalog(cat))
	require.NoError(t, err)
	get(m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte(`<body><script src="https://widget.intercom.io/widget/x"></script>`))
	}), "/")
	draft, err := m.Inventory().DraftYAML(site)
	require.NoError(t, err)
	assert.Contains(t, string(draft), "# Under this policy: this policy has no category for customer-chat: blocked for every visitor until catalog.categories.customer-chat names one.\n")
	assert.Contains(t, string(draft), "- intercom\n")
	assert.Contains(t, string(draft), "# catalog.uses now names the vendor of the catalog of known third parties that was seen")
}

// TestDraftWithoutTheMiddleware: an Inventory read back from JSON still
// drafts the built-in catalog's vendors; with "catalog: none" it drafts
// as before the catalog: built-in declarations, else placeholders.
func TestDraftWithoutTheMiddleware(t *testing.T) {
	inv := &Inventory{Hosts: []SeenHost{{Host: "www.google-analytics.com", Kind: "script", Category: Undeclared}},
		Cookies: []SeenCookie{{Name: "_ga", Category: Undeclared}}}
	site := loaderSite()
	d := inv.Draft(site)
	require.NotNil(t, d.Catalog)
	assert.Equal(t, []string{"google-analytics"}, d.Catalog.Uses)
	assert.Nil(t, site.Catalog, "the site's policy is not modified")
	assert.Len(t, d.Trackers, 0)

	site.Catalog = &consent.CatalogSettings{Off: true}
	inv.Hosts = append(inv.Hosts, SeenHost{Host: "cdn.vendor.example", Kind: "script", Category: Undeclared})
	d = inv.Draft(site)
	assert.True(t, d.Catalog.Off)
	require.Len(t, d.Trackers, 2)
	assert.Equal(t, "Google Analytics", d.Trackers[0].Name, "as before the catalog: the built-in declaration")
	assert.Equal(t, consent.Placeholder, d.Trackers[1].Category)
}

// TestReportOnlyInventoriesInlineLoadersWithTheBuiltinCatalog is the same
// run with the built-in catalog: its entries for Hotjar and Intercom name
// the hosts the published loaders load from.
func TestReportOnlyInventoriesInlineLoadersWithTheBuiltinCatalog(t *testing.T) {
	site := loaderSite()
	m, err := New(site, Keys(testKey), ReportOnly(false))
	require.NoError(t, err)
	page := "<!doctype html><html><head>" + hotjarLoader + intercomLoader + unknownLoader + "</head><body><p>Shop</p></body></html>"
	upstream := htmlHandler(page)
	granted := decide(t, m, save(string(consent.Analytics), string(consent.Functionality)))
	rec := get(m, upstream, "/", granted)
	assert.Equal(t, page, rec.Body.String())

	inv := m.Inventory()
	vendors := map[string]string{}
	for _, h := range inv.Hosts {
		if h.Kind == "inline-script" {
			vendors[h.Host] = h.Vendor
		}
	}
	assert.Equal(t, map[string]string{"static.hotjar.com": "hotjar", "widget.intercom.io": "intercom", "cdn.unknown-loader.example": ""}, vendors)
	draft, err := inv.DraftYAML(site)
	require.NoError(t, err)
	text := string(draft)
	assert.Contains(t, text, "# Hotjar (catalog): ")
	assert.Contains(t, text, "# Intercom Messenger (catalog): ")
	assert.Contains(t, text, "- hotjar\n")
	assert.Contains(t, text, "- intercom\n")
	assert.Contains(t, text, "name: cdn.unknown-loader.example\n")
}
