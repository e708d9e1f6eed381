package site

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/consentgate/consent"
	"github.com/consentgate/consent/store"
	"github.com/consentgate/consent/store/sqlite"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var testKeys = []store.KeyPair{{Hash: []byte(strings.Repeat("h", 32)), Block: []byte(strings.Repeat("b", 32))}}

// browser is a cookie-keeping client of the demo that does not follow
// redirects, so each step sees its own response.
type browser struct {
	t      *testing.T
	srv    *httptest.Server
	client *http.Client
}

func newBrowser(t *testing.T, h http.Handler) *browser {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &browser{t: t, srv: srv, client: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) do(method, path string, form url.Values, header ...string) (*http.Response, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.srv.URL+path, body)
	require.NoError(b.t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", b.srv.URL)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := b.client.Do(req)
	require.NoError(b.t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(b.t, err)
	return resp, string(data)
}

func setCookies(resp *http.Response) []string {
	var names []string
	for _, c := range resp.Cookies() {
		if c.MaxAge >= 0 {
			names = append(names, c.Name)
		}
	}
	return names
}

const bannerMark = `<div id="consentgate-banner"`

// testLedger opens a fresh SQLite ledger for one test.
func testLedger(t *testing.T) store.Ledger {
	t.Helper()
	l, err := sqlite.Open(context.Background(), "sqlite://"+filepath.Join(t.TempDir(), "ledger.db"))
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, l.Close()) })
	return l
}

// consentID is the ID in the browser's consent cookie.
func (b *browser) consentID() string {
	b.t.Helper()
	u, err := url.Parse(b.srv.URL)
	require.NoError(b.t, err)
	codec, err := store.NewCodec(testKeys)
	require.NoError(b.t, err)
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == store.DefaultCookieName {
			v, _, err := codec.DecodeValue(c.Value, demoPolicy())
			require.NoError(b.t, err)
			return v.ID
		}
	}
	b.t.Fatal("no consent cookie")
	return ""
}

func TestDemoEndToEnd(t *testing.T) {
	ledger := testLedger(t)
	d, err := New(slog.New(slog.DiscardHandler), testKeys, true, true, ledger)
	require.NoError(t, err)
	t.Cleanup(d.Close)
	b := newBrowser(t, d.handler)
	origin := map[string]string{}
	var origins []string
	for _, tr := range d.trackers {
		origins = append(origins, tr.origin)
		origin[tr.name] = tr.origin
	}
	tags := newTagSnippets(origin)
	noTracker := func(t *testing.T, body string) {
		for _, o := range origins {
			assert.NotContains(t, body, strings.TrimPrefix(o, "http://"))
		}
	}

	t.Run("no consent: banner once, no tracker, essential cookies only", func(t *testing.T) {
		resp, body := b.do("GET", "/courses/go-basics", nil)
		assert.Equal(t, 200, resp.StatusCode)
		assert.Equal(t, 1, strings.Count(body, bannerMark))
		noTracker(t, body)
		assert.NotContains(t, setCookies(resp), "_ga")
		assert.Contains(t, resp.Header.Get("Consent-Removed"), "script analytics.localhost")
		assert.Contains(t, resp.Header.Get("Consent-Removed"), "iframe video.localhost")
	})
	t.Run("sign-in sets the essential session cookie without consent", func(t *testing.T) {
		resp, _ := b.do("POST", "/signin", url.Values{"email": {"a@example.com"}, "password": {"x"}})
		assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
		assert.Contains(t, setCookies(resp), "session")
	})
	t.Run("the language switch's functionality cookie needs consent", func(t *testing.T) {
		resp, _ := b.do("GET", "/lang?to=de&return=/", nil)
		assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
		assert.NotContains(t, setCookies(resp), "lang")
	})
	t.Run("DNT changes nothing", func(t *testing.T) {
		_, without := b.do("GET", "/", nil)
		_, with := b.do("GET", "/", nil, "DNT", "1")
		assert.Equal(t, without, with)
	})
	t.Run("accept all: the tags as the site wrote them, every cookie", func(t *testing.T) {
		resp, _ := b.do("POST", "/consent", url.Values{"action": {"accept-all"}, "return": {"/courses/go-basics"}})
		require.Equal(t, http.StatusSeeOther, resp.StatusCode)
		assert.Equal(t, "/courses/go-basics", resp.Header.Get("Location"))
		resp, body := b.do("GET", "/courses/go-basics", nil)
		assert.NotContains(t, body, bannerMark)
		assert.Contains(t, body, string(tags.Head))
		assert.Contains(t, body, string(tags.Body))
		assert.Contains(t, body, string(tags.Video))
		assert.Contains(t, setCookies(resp), "_ga")
		assert.Empty(t, resp.Header.Get("Consent-Removed"))
		resp, _ = b.do("GET", "/lang?to=de&return=/", nil)
		assert.Contains(t, setCookies(resp), "lang")
	})
	t.Run("the ledger holds the decision under the browser's consent ID", func(t *testing.T) {
		id := b.consentID()
		recs, err := ledger.Lookup(context.Background(), id)
		require.NoError(t, err)
		require.Len(t, recs, 1)
		assert.Equal(t, store.ActionAcceptAll, recs[0].Action)
		assert.Equal(t, "/courses/go-basics", recs[0].Path)
		assert.Equal(t, "127.0.0.0/24", recs[0].IP, "the network only")

		_, body := b.do("GET", "/demo/ledger.json", nil)
		var shown []store.Record
		require.NoError(t, json.Unmarshal([]byte(body), &shown))
		require.Len(t, shown, 1)
		assert.Equal(t, id, shown[0].ConsentID)
		assert.Equal(t, store.ActionAcceptAll, shown[0].Action)

		resp, page := b.do("GET", "/demo/ledger", nil)
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Contains(t, page, `<tr class="you">`)
		assert.Contains(t, page, "<code>"+id+"</code> (you)")
		assert.Contains(t, page, "<td>accept-all</td>")
		var all []consent.CategoryID
		for _, c := range demoPolicy().Categories {
			all = append(all, c.ID)
		}
		assert.Equal(t, all, shown[0].Granted, "every category, in policy order")
		assert.Contains(t, page, "<td>"+categories(all)+"</td>")
	})
	t.Run("the inventory lists what the site sets and loads", func(t *testing.T) {
		resp, body := b.do("GET", "/demo/inventory?format=json", nil)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
		var inv struct {
			Cookies []struct{ Name, Category string }
			Hosts   []struct{ Host, Kind string }
		}
		require.NoError(t, json.Unmarshal([]byte(body), &inv))
		var cookies, hosts []string
		for _, c := range inv.Cookies {
			cookies = append(cookies, c.Name+":"+c.Category)
		}
		for _, h := range inv.Hosts {
			hosts = append(hosts, h.Kind+" "+h.Host)
		}
		assert.Contains(t, cookies, "_ga:analytics")
		assert.NotEmpty(t, hosts, "the fake trackers' hosts")
		resp, page := b.do("GET", "/demo/inventory", nil)
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Contains(t, page, "<h1>Consent inventory</h1>")
	})
	t.Run("reject all: like no consent, without the banner", func(t *testing.T) {
		resp, _ := b.do("POST", "/consent", url.Values{"action": {"reject-all"}})
		require.Equal(t, http.StatusSeeOther, resp.StatusCode)
		resp, body := b.do("GET", "/courses/go-basics", nil)
		assert.NotContains(t, body, bannerMark)
		assert.Contains(t, body, `<a id="consentgate-settings"`)
		noTracker(t, body)
		assert.NotContains(t, setCookies(resp), "_ga")

		_, body = b.do("GET", "/demo/ledger.json", nil)
		var shown []store.Record
		require.NoError(t, json.Unmarshal([]byte(body), &shown))
		require.Len(t, shown, 2)
		assert.Equal(t, store.ActionWithdraw, shown[0].Action, "newest first; reject after accept withdraws")
		assert.Equal(t, b.consentID(), shown[0].ConsentID)
	})
	t.Run("a tampered consent cookie is no decision", func(t *testing.T) {
		u, _ := url.Parse(b.srv.URL)
		for _, c := range b.client.Jar.Cookies(u) {
			if c.Name == "consent" {
				c.Value = "x" + c.Value[1:]
				b.client.Jar.SetCookies(u, []*http.Cookie{c})
			}
		}
		_, body := b.do("GET", "/", nil)
		assert.Equal(t, 1, strings.Count(body, bannerMark))
		noTracker(t, body)
	})
	t.Run("the fake trackers log what reaches them", func(t *testing.T) {
		// Browsers resolve *.localhost to loopback; Go's resolver does not.
		addr := strings.Replace(d.trackers[0].origin, "analytics.localhost", "127.0.0.1", 1)
		req, err := http.NewRequest("GET", addr+"/gtag/js?id=G-DEMO", nil)
		require.NoError(t, err)
		req.Host = strings.TrimPrefix(d.trackers[0].origin, "http://")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Contains(t, resp.Header.Get("Set-Cookie"), "_analytics_id=")
		_, body := b.do("GET", "/demo/trackers.json", nil)
		var hits []Hit
		require.NoError(t, json.Unmarshal([]byte(body), &hits))
		require.Len(t, hits, 1)
		assert.Equal(t, "analytics.localhost", hits[0].Tracker)
		assert.Equal(t, "/gtag/js?id=G-DEMO", hits[0].Path)
		_, page := b.do("GET", "/demo/trackers", nil)
		assert.Contains(t, page, "<code>GET /gtag/js?id=G-DEMO</code>")
	})
	t.Run("unknown pages get the banner too", func(t *testing.T) {
		b2 := newBrowser(t, d.handler)
		resp, body := b2.do("GET", "/nope", nil)
		assert.Equal(t, http.StatusNotFound, resp.StatusCode)
		assert.Equal(t, 1, strings.Count(body, bannerMark))
	})
}

func TestDemoWithoutTrackersOrLedger(t *testing.T) {
	d, err := New(slog.New(slog.DiscardHandler), testKeys, false, false, nil)
	require.NoError(t, err)
	assert.Empty(t, d.trackers)
	b := newBrowser(t, d.handler)
	resp, body := b.do("GET", "/", nil)
	assert.Equal(t, 200, resp.StatusCode)
	assert.Contains(t, body, bannerMark)
	assert.Empty(t, resp.Header.Get("Consent-Removed"), "debug off")

	resp, _ = b.do("POST", "/consent", url.Values{"action": {"accept-all"}})
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode, "decisions work without a ledger")
	_, body = b.do("GET", "/demo/ledger", nil)
	assert.Contains(t, body, "No ledger:")
	_, body = b.do("GET", "/demo/ledger.json", nil)
	assert.JSONEq(t, "[]", body)
}

func TestRecentRecordsAreTheLastTwentyOfTheDayNewestFirst(t *testing.T) {
	now := time.Now().UTC()
	tests := []struct {
		name   string
		recent int   // records in the last hour, a minute apart
		old    bool  // plus one from two days ago
		want   []int // the recent records shown, by index
	}{
		{name: "empty", want: nil},
		{name: "a few", recent: 3, old: true, want: []int{2, 1, 0}},
		{name: "more than fit", recent: ledgerRecords + 5, old: true, want: seq(ledgerRecords+4, 5)},
		{name: "exactly as many as fit", recent: ledgerRecords, want: seq(ledgerRecords-1, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := testLedger(t)
			ctx := context.Background()
			if tt.old {
				require.NoError(t, l.Record(ctx, demoRecord("old", now.AddDate(0, 0, -2))))
			}
			for i := range tt.recent {
				require.NoError(t, l.Record(ctx, demoRecord(fmt.Sprintf("r%02d", i), now.Add(time.Duration(i-tt.recent)*time.Minute))))
			}
			got, err := RecentRecords(ctx, l, now)
			require.NoError(t, err)
			var ids, want []string
			for _, r := range got {
				ids = append(ids, r.ConsentID)
			}
			for _, i := range tt.want {
				want = append(want, fmt.Sprintf("r%02d", i))
			}
			assert.Equal(t, want, ids)
		})
	}
}

// seq counts down from hi to lo.
func seq(hi, lo int) []int {
	var s []int
	for i := hi; i >= lo; i-- {
		s = append(s, i)
	}
	return s
}

// demoRecord is a decision of consent ID id at at.
func demoRecord(id string, at time.Time) store.Record {
	return store.Record{RequestID: id + "-req", ConsentID: id, Time: at, PolicyVersion: "2",
		Action: store.ActionAcceptAll, Channel: store.ChannelForm, Language: "en",
		Granted: []consent.CategoryID{consent.Essential}, IP: "127.0.0.0/24", Path: "/"}
}
