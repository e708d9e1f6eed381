package middleware

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/consentgate/consent"
	"github.com/consentgate/consent/store"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Faults of the client: the server keeps serving, the answer is correct or
// a clean error, and no consent is invented.

// cookieSite is a page with trackers whose handler sets the session cookie
// and the Google Analytics cookie, so that a response shows both what the
// visitor sees and which cookies the middleware let through.
func cookieSite() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "session", Value: "s", Path: "/"})
		http.SetCookie(w, &http.Cookie{Name: "_ga", Value: "GA1.1.1", Path: "/"})
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, trackerPage)
	})
}

// assertUndecidedPage checks that a page treats the visitor as undecided:
// banner once, trackers removed, only the essential cookie set.
func assertUndecidedPage(t *testing.T, rec *httptest.ResponseRecorder) {
	t.Helper()
	require.Equal(t, http.StatusOK, rec.Code)
	body := rec.Body.String()
	assert.Equal(t, 1, strings.Count(body, bannerMark), "the banner asks")
	for _, tracker := range []string{"googletagmanager", metaLoader, metaPixel} {
		assert.NotContains(t, body, tracker)
	}
	assert.Equal(t, []string{"session"}, setCookieNames(rec.Header()), "the analytics cookie is dropped")
}

// assertAcceptedPage checks that a page honours an accept-all decision.
func assertAcceptedPage(t *testing.T, rec *httptest.ResponseRecorder) {
	t.Helper()
	require.Equal(t, http.StatusOK, rec.Code)
	body := rec.Body.String()
	assert.NotContains(t, body, bannerMark)
	assert.Contains(t, body, gaLoader)
	assert.Equal(t, []string{"session", "_ga"}, setCookieNames(rec.Header()))
}

// stateWith asks GET /consent with the given raw Cookie header lines.
func stateWith(t *testing.T, m *Middleware, cookieLines ...string) stateJSON {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/consent", nil)
	for _, l := range cookieLines {
		req.Header.Add("Cookie", l)
	}
	rec := serve(m, req)
	require.Equal(t, http.StatusOK, rec.Code)
	return decodeState(t, rec)
}

// TestDecisionRejectsBadForms covers a body over the default limit through
// a recorder; this adds a configured limit, other encodings and a real
// server that must go on answering.
func TestOversizedConsentFormsAreRefusedAndTheServerGoesOn(t *testing.T) {
	const limit = 512
	m, _ := newTestMiddleware(t, MaxFormBytes(limit))
	srv := httptest.NewServer(m.Handler(cookieSite()))
	t.Cleanup(srv.Close)

	urlencoded := func(n int) (io.Reader, string) {
		form := url.Values{"action": {"accept-all"}, "return": {"/"}, "pad": {strings.Repeat("x", n)}}
		return strings.NewReader(form.Encode()), "application/x-www-form-urlencoded"
	}
	multipartBody := func(n int) (io.Reader, string) {
		var b bytes.Buffer
		w := multipart.NewWriter(&b)
		_ = w.WriteField("action", "accept-all")
		fw, _ := w.CreateFormFile("pad", "pad.bin")
		_, _ = fw.Write(bytes.Repeat([]byte("x"), n))
		_ = w.Close()
		return &b, w.FormDataContentType()
	}
	tests := []struct {
		name      string
		body      func() (io.Reader, string)
		chunked   bool  // no Content-Length: the limit must hold while reading
		declared  int64 // a Content-Length that lies, 0: the true one
		wantError bool
	}{
		{name: "form just under the limit", body: func() (io.Reader, string) { return urlencoded(limit - 100) }},
		{name: "form over a limit the default would allow", body: func() (io.Reader, string) { return urlencoded(limit + 1) }, wantError: true},
		{name: "form of a megabyte", body: func() (io.Reader, string) { return urlencoded(1 << 20) }, wantError: true},
		{name: "chunked form over the limit", body: func() (io.Reader, string) { return urlencoded(4 * limit) }, chunked: true, wantError: true},
		{name: "multipart over the limit", body: func() (io.Reader, string) { return multipartBody(4 * limit) }, wantError: true},
		{name: "chunked multipart over the limit", body: func() (io.Reader, string) { return multipartBody(64 * limit) }, chunked: true, wantError: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, ctype := tt.body()
			if tt.chunked {
				body = io.MultiReader(body) // hides the length from the client
			}
			req, err := http.NewRequest(http.MethodPost, srv.URL+"/consent", body)
			require.NoError(t, err)
			req.Header.Set("Content-Type", ctype)
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			resp, err := noRedirects.Do(req)
			require.NoError(t, err)
			msg, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if tt.wantError {
				assert.Contains(t, []int{http.StatusBadRequest, http.StatusRequestEntityTooLarge}, resp.StatusCode, string(msg))
				assert.Empty(t, resp.Header.Values("Set-Cookie"), "a refused form sets nothing")
			} else {
				assert.Equal(t, http.StatusSeeOther, resp.StatusCode, string(msg))
				assert.Equal(t, []string{"consent"}, setCookieNames(resp.Header))
			}

			// The server answers the next request, and the refused form
			// left the visitor undecided.
			resp, err = http.Get(srv.URL + "/consent")
			require.NoError(t, err)
			defer resp.Body.Close()
			require.Equal(t, http.StatusOK, resp.StatusCode)
			var s stateJSON
			require.NoError(t, json.NewDecoder(resp.Body).Decode(&s))
			assert.False(t, s.Decided)
		})
	}
}

// noRedirects is a client that shows a 303 instead of following it.
var noRedirects = &http.Client{
	Timeout:       10 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

func TestThousandsOfCookiesOnARequest(t *testing.T) {
	m, _ := newTestMiddleware(t)
	genuine := decide(t, m, acceptAll())
	good := "consent=" + genuine.Value
	garbageConsent := []string{
		"consent=", "consent=%%%", "consent=" + strings.Repeat("A", 5000),
		"consent=" + genuine.Value[:len(genuine.Value)-2] + "xx", // tampered
		`consent="` + strings.Repeat("Z", 300) + `"`,
	}
	filler := func(n int, prefix string) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("%s%d=v%d", prefix, i, i)
		}
		return out
	}
	join := func(parts ...[]string) string {
		var all []string
		for _, p := range parts {
			all = append(all, p...)
		}
		return strings.Join(all, "; ")
	}
	tests := []struct {
		name    string
		lines   []string // Cookie header lines
		decided bool
	}{
		{"3000 cookies, no consent cookie", []string{join(filler(3000, "c"))}, false},
		{"3000 cookies, the genuine consent cookie last behind garbage ones",
			[]string{join(garbageConsent, filler(3000, "c"), []string{good})}, false},
		// A consent cookie sent more than once was planted (cookie
		// tossing): no decision, whichever copy comes first.
		{"3000 cookies, the genuine consent cookie first, then garbage ones",
			[]string{join([]string{good}, garbageConsent, filler(3000, "c"))}, false},
		{"the genuine consent cookie amid 3000", []string{join(filler(1500, "c"), []string{good}, filler(1500, "d"))}, true},
		{"1000 header lines, garbage consent cookies first",
			append(append(append([]string{}, garbageConsent...), filler(1000, "c")...), good), false},
		{"1000 header lines, the genuine one first, then garbage ones", append([]string{good}, append(garbageConsent, filler(1000, "c")...)...), false},
		{"300 consent cookies, all garbage", repeat(garbageConsent, 60), false},
		{"3000 empty and nameless parts", []string{strings.Repeat(";", 3000) + strings.Repeat("=;", 3000) + " ; " + good}, true},
		{"3000 cookies of a refused category", []string{join(filler(3000, "_ga_"))}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			for _, l := range tt.lines {
				req.Header.Add("Cookie", l)
			}
			rec := httptest.NewRecorder()
			m.Handler(cookieSite()).ServeHTTP(rec, req)
			if tt.decided {
				assertAcceptedPage(t, rec)
			} else {
				require.Equal(t, http.StatusOK, rec.Code)
				body := rec.Body.String()
				assert.Equal(t, 1, strings.Count(body, bannerMark))
				assert.NotContains(t, body, "googletagmanager")
				lines := rec.Header().Values("Set-Cookie")
				for _, line := range lines {
					c, err := http.ParseSetCookie(line)
					require.NoError(t, err)
					assert.True(t, c.Name == "session" || c.MaxAge < 0, "only the session cookie is stored, others expired: %s", line)
				}
				// Two deleting lines a name at most (host-only and the
				// registrable domain), for at most maxExpired names: a
				// head browsers and proxies accept.
				assert.LessOrEqual(t, len(lines), 1+2*maxExpired)
			}
			assert.Equal(t, tt.decided, stateWith(t, m, tt.lines...).Decided)
		})
	}

	t.Run("a Cookie header over the server's limit", func(t *testing.T) {
		srv := httptest.NewServer(m.Handler(cookieSite()))
		t.Cleanup(srv.Close)
		req, err := http.NewRequest(http.MethodGet, srv.URL+"/", nil)
		require.NoError(t, err)
		req.Header.Set("Cookie", good+"; "+join(filler(150_000, "c")))
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusRequestHeaderFieldsTooLarge, resp.StatusCode)
		assert.Empty(t, resp.Header.Values("Set-Cookie"))

		resp, err = http.Get(srv.URL + "/")
		require.NoError(t, err, "the server goes on")
		resp.Body.Close()
		assert.Equal(t, http.StatusOK, resp.StatusCode)
	})
}

func repeat(s []string, n int) []string {
	var out []string
	for range n {
		out = append(out, s...)
	}
	return out
}

// TestBadConsentCookiesMeanUndecided checks the cookies a page may set;
// this checks the rest of what the visitor gets with a cookie signed by
// another site's keys: the banner, no trackers, the state and a fresh ID.
func TestConsentCookieOfAnotherKeySet(t *testing.T) {
	m, _ := newTestMiddleware(t)
	tests := []struct {
		name string
		keys store.KeyPair
	}{
		{"other hash and block keys", store.KeyPair{Hash: bytes.Repeat([]byte{9}, 32), Block: bytes.Repeat([]byte{8}, 32)}},
		{"same hash key, other block key", store.KeyPair{Hash: testKey.Hash, Block: bytes.Repeat([]byte{8}, 32)}},
		{"same hash key, not encrypted", store.KeyPair{Hash: testKey.Hash}},
		{"other hash key, same block key", store.KeyPair{Hash: bytes.Repeat([]byte{9}, 32), Block: testKey.Block}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			other, _ := newTestMiddleware(t, Keys(tt.keys))
			foreign := decide(t, other, acceptAll())
			foreignConsent, _, err := other.codec.DecodeValue(foreign.Value, other.policy)
			require.NoError(t, err, "a genuine cookie of the other site")

			assertUndecidedPage(t, get(m, cookieSite(), "/", foreign))

			s := stateWith(t, m, "consent="+foreign.Value)
			assert.False(t, s.Decided)
			assert.Equal(t, []string{"essential"}, grantedIDs(s))
			assert.Empty(t, s.Consent.ID, "no consent ID is made up")

			prefs := serve(m, withCookie(httptest.NewRequest(http.MethodGet, "/consent/preferences", nil), foreign))
			assert.Contains(t, prefs.Body.String(), "You have not made a choice yet")

			// Deciding now starts a consent of this site's own.
			req := withCookie(formRequest(rejectAll()), foreign)
			req.Header.Set("Accept", "application/json")
			rec := serve(m, req)
			require.Equal(t, http.StatusOK, rec.Code)
			after := decodeState(t, rec)
			assert.NotEqual(t, foreignConsent.ID, after.Consent.ID, "the foreign consent ID is not adopted")
			assert.Equal(t, []string{"essential"}, grantedIDs(after))
		})
	}
}

func withCookie(r *http.Request, c *http.Cookie) *http.Request {
	r.AddCookie(c)
	return r
}

// TestPolicyRevisionAsksAgain checks one revision through the cookies a
// page sets; this replays consents across chains of revisions and checks
// the banner and the state too.
func TestConsentReplayedAfterPolicyRevisions(t *testing.T) {
	rev := func(v string, month time.Month, material bool) consent.Revision {
		return consent.Revision{Version: v, Date: consent.DateOf(2026, month, 1), Summary: "Revision " + v + ".", Material: material}
	}
	// at returns a middleware for the policy at the last of revs.
	at := func(t *testing.T, revs ...consent.Revision) *Middleware {
		t.Helper()
		p := testPolicy()
		p.Revisions = revs
		p.Version = revs[len(revs)-1].Version
		m, err := New(p, Keys(testKey), Logger(slog.New(slog.NewTextHandler(io.Discard, nil))))
		require.NoError(t, err)
		return m
	}
	v1 := rev("1", time.January, true)
	tests := []struct {
		name    string
		given   []consent.Revision // the policy when the visitor decided
		now     []consent.Revision // the policy now
		decided bool
	}{
		{"same version", []consent.Revision{v1}, []consent.Revision{v1}, true},
		{"material revision", []consent.Revision{v1}, []consent.Revision{v1, rev("2", time.March, true)}, false},
		{"non-material revision", []consent.Revision{v1}, []consent.Revision{v1, rev("2", time.March, false)}, true},
		{"material then non-material", []consent.Revision{v1},
			[]consent.Revision{v1, rev("2", time.March, true), rev("3", time.May, false)}, false},
		{"non-material then material", []consent.Revision{v1},
			[]consent.Revision{v1, rev("2", time.March, false), rev("3", time.May, true)}, false},
		{"given after the material one", []consent.Revision{v1, rev("2", time.March, true)},
			[]consent.Revision{v1, rev("2", time.March, true), rev("3", time.May, false)}, true},
		{"two non-material revisions", []consent.Revision{v1},
			[]consent.Revision{v1, rev("2", time.March, false), rev("3", time.May, false)}, true},
		{"a version the policy does not know", []consent.Revision{v1, rev("9", time.March, false)},
			[]consent.Revision{v1, rev("2", time.May, false)}, false},
		{"the policy rolled back", []consent.Revision{v1, rev("2", time.March, false)}, []consent.Revision{v1}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := decide(t, at(t, tt.given...), acceptAll())
			m := at(t, tt.now...)
			rec := get(m, cookieSite(), "/", c)
			s := stateWith(t, m, "consent="+c.Value)
			assert.Equal(t, tt.decided, s.Decided)
			assert.Equal(t, m.policy.Version, s.PolicyVersion)
			if tt.decided {
				assertAcceptedPage(t, rec)
				assert.Equal(t, tt.given[len(tt.given)-1].Version, s.Consent.PolicyVersion, "the version it was given under")
				return
			}
			assertUndecidedPage(t, rec)
			assert.Empty(t, s.Consent.ID)
			assert.Equal(t, []string{"essential"}, grantedIDs(s))
		})
	}
}

// A client trickling a consent form is cut off once the form's read
// deadline passes on a server without a read timeout, and by the server's
// own, shorter, read timeout otherwise (the form's deadline never extends
// it); others are served meanwhile.
func TestSlowConsentFormIsCutOff(t *testing.T) {
	tests := []struct {
		name        string
		formTimeout time.Duration
		server      func(*http.Server)
	}{
		{"no server timeout: the form's deadline", 300 * time.Millisecond, func(*http.Server) {}},
		{"a shorter server read timeout wins", time.Minute, func(s *http.Server) { s.ReadTimeout = 300 * time.Millisecond }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _ := newTestMiddleware(t)
			m.formTimeout = tt.formTimeout
			srv := httptest.NewUnstartedServer(m.Handler(http.NotFoundHandler()))
			tt.server(srv.Config)
			srv.Start()
			t.Cleanup(srv.Close)

			conn, err := net.Dial("tcp", srv.Listener.Addr().String())
			require.NoError(t, err)
			defer conn.Close()
			_, err = fmt.Fprintf(conn, "POST /consent HTTP/1.1\r\nHost: %s\r\nSec-Fetch-Site: same-origin\r\n"+
				"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 200\r\n\r\naction=acc", srv.Listener.Addr())
			require.NoError(t, err)

			start := time.Now()
			resp, err := http.Get(srv.URL + "/consent")
			require.NoError(t, err, "others are served meanwhile")
			resp.Body.Close()

			require.NoError(t, conn.SetReadDeadline(time.Now().Add(5*time.Second)))
			reply, _ := io.ReadAll(conn) // until the server closes the connection
			assert.Less(t, time.Since(start), 3*time.Second, "closed by the server, not by the client's deadline")
			assert.NotContains(t, string(reply), "Set-Cookie", "no consent from a form that never arrived")
		})
	}
}
