package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"github.com/consentgate/consent/internal/syncbuf"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/consentgate/consent"
	"github.com/consentgate/consent/store"
	"github.com/consentgate/consent/store/ledgerurl"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// postDecision posts a choice to the consent endpoint as a same-origin
// browser form does, from the page at returnTo, and returns the response.
func postDecision(t *testing.T, c *http.Client, proxyURL, action, returnTo string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, proxyURL+"/consent", strings.NewReader("action="+action+"&return="+returnTo))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", proxyURL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("User-Agent", "ledger-test/1.0")
	resp, err := c.Do(req)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	require.NoError(t, resp.Body.Close())
	return resp
}

// consentCookie returns the consent cookie a response sets, or nil.
func consentCookie(resp *http.Response) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == store.DefaultCookieName && c.MaxAge >= 0 {
			return c
		}
	}
	return nil
}

// consentIDOf decodes a consent cookie made with the test keys.
func consentIDOf(t *testing.T, c *http.Cookie) string {
	t.Helper()
	keys, err := store.ParseKeyPairs(testHash, testBlock)
	require.NoError(t, err)
	codec, err := store.NewCodec(keys)
	require.NoError(t, err)
	v, _, err := codec.DecodeValue(c.Value, sitePolicy())
	require.NoError(t, err)
	return v.ID
}

// runExport runs `consent-proxy ledger export` with args and returns its
// exit status and output.
func runExport(t *testing.T, vars map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var stdout strings.Builder
	var stderr syncbuf.Buffer
	code := run(context.Background(), append([]string{"ledger", "export"}, args...),
		env{getenv: mapEnv(vars), stdout: &stdout, stderr: &stderr})
	return code, stdout.String(), stderr.String()
}

// parseJSONLines reads an export in JSON Lines.
func parseJSONLines(t *testing.T, s string) []store.Record {
	t.Helper()
	var recs []store.Record
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		var r store.Record
		require.NoError(t, json.Unmarshal(sc.Bytes(), &r), sc.Text())
		recs = append(recs, r)
	}
	require.NoError(t, sc.Err())
	return recs
}

// exportedRecords exports every record of the ledger at url.
func exportedRecords(t *testing.T, url string) []store.Record {
	t.Helper()
	code, out, errOut := runExport(t, nil, "-ledger", url)
	require.Equal(t, exitOK, code, errOut)
	return parseJSONLines(t, out)
}

func TestLedgerRecordsEveryDecisionThroughTheProxy(t *testing.T) {
	tests := []struct {
		name   string
		extra  []string
		wantIP func(t *testing.T, ip string)
	}{
		{name: "IP truncated by default", wantIP: func(t *testing.T, ip string) { assert.Equal(t, "127.0.0.0/24", ip) }},
		{name: "IP hashed with -ip-hash-key", extra: []string{"-ip-hash-key", testBlock}, wantIP: func(t *testing.T, ip string) {
			assert.True(t, strings.HasPrefix(ip, "hmac-sha256:"), ip)
			assert.NotContains(t, ip, "127.0.0")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := "sqlite://" + filepath.Join(t.TempDir(), "ledger.db")
			p := startSite(t, append([]string{"-ledger", url}, tt.extra...)...)
			assert.Contains(t, p.Stderr.String(), "ledger="+url, "the startup line says where")
			assert.NotContains(t, p.Stderr.String(), "no proof of consent")

			c := newVisitor(t)
			resp := postDecision(t, c, p.URL, "accept-all", "/shop?item=1")
			require.Equal(t, http.StatusSeeOther, resp.StatusCode)
			cookie := consentCookie(resp)
			require.NotNil(t, cookie, "the cookie is set once the decision is recorded")
			id := consentIDOf(t, cookie)

			// Exported while the proxy runs, as an operator would.
			recs := exportedRecords(t, url)
			require.Len(t, recs, 1)
			r := recs[0]
			assert.Equal(t, id, r.ConsentID)
			assert.Equal(t, store.ActionAcceptAll, r.Action)
			assert.Equal(t, store.ChannelForm, r.Channel)
			assert.Equal(t, "/shop", r.Path, "no query string")
			assert.Equal(t, consent.DefaultVersion, r.PolicyVersion)
			var all []consent.CategoryID
			for _, c := range sitePolicy().Categories {
				all = append(all, c.ID)
			}
			assert.Equal(t, all, r.Granted, "every category, in policy order")
			assert.Empty(t, r.Refused)
			assert.Len(t, r.UserAgentHash, 64)
			assert.WithinDuration(t, time.Now(), r.Time, time.Minute)
			tt.wantIP(t, r.IP)

			resp = postDecision(t, c, p.URL, "reject-all", "/")
			require.Equal(t, http.StatusSeeOther, resp.StatusCode)
			require.Equal(t, exitOK, p.stop(t))
			assert.Contains(t, p.Stderr.String(), "consent ledger closed")

			recs = exportedRecords(t, url) // the file is whole after shutdown
			require.Len(t, recs, 2)
			assert.Equal(t, store.ActionWithdraw, recs[1].Action, "reject all after accept all withdraws consent")
			assert.Equal(t, id, recs[1].ConsentID, "one visitor, one consent ID")
		})
	}
}

func TestLedgerThatCannotWriteAnswers503WithoutCookie(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.db")
	upstream := httptest.NewServer(siteHandler())
	t.Cleanup(upstream.Close)
	// A short busy timeout: the locked database fails in milliseconds.
	p := startProxyEnv(t, env{getenv: mapEnv(nil), ledgerOptions: []store.LedgerOption{store.LedgerBusyTimeout(50 * time.Millisecond)}},
		"-upstream", upstream.URL, "-hash-key", testHash, "-block-key", testBlock, "-insecure-dev", "-ledger", "sqlite://"+path)

	// A second connection holding the write lock, as a backup or a stuck
	// process would: SQLite answers SQLITE_BUSY once the timeout runs out.
	ctx := context.Background()
	other, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	t.Cleanup(func() { _ = other.Close() })
	lock, err := other.Conn(ctx)
	require.NoError(t, err)
	_, err = lock.ExecContext(ctx, "BEGIN EXCLUSIVE")
	require.NoError(t, err)

	c := newVisitor(t)
	resp := postDecision(t, c, p.URL, "accept-all", "/")
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	assert.NotEmpty(t, resp.Header.Get("Retry-After"))
	assert.Nil(t, consentCookie(resp), "no proof, no cookie")
	for _, ck := range c.Jar.Cookies(resp.Request.URL) {
		assert.NotEqual(t, store.DefaultCookieName, ck.Name)
	}
	assert.Contains(t, p.Stderr.String(), "answering 503")

	_, err = lock.ExecContext(ctx, "ROLLBACK")
	require.NoError(t, err)
	require.NoError(t, lock.Close())

	resp = postDecision(t, c, p.URL, "accept-all", "/")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, "the retry succeeds once the lock is gone")
	require.NotNil(t, consentCookie(resp))
	recs := exportedRecords(t, "sqlite://"+path)
	require.Len(t, recs, 1, "the refused decision left no record")
	assert.Equal(t, store.ActionAcceptAll, recs[0].Action)
}

func TestNoLedgerWarnsAtStartup(t *testing.T) {
	upstream := httptest.NewServer(siteHandler())
	t.Cleanup(upstream.Close)
	p := startProxy(t, nil, "-upstream", upstream.URL, "-hash-key", testHash)
	var warnings []string
	for l := range strings.SplitSeq(p.Stderr.String(), "\n") {
		if strings.Contains(l, "no proof of consent") {
			warnings = append(warnings, l)
		}
	}
	require.Len(t, warnings, 1)
	assert.Contains(t, warnings[0], "level=WARN")
	assert.Contains(t, p.Stderr.String(), "ledger=none")
}

func TestLedgerRetentionPurgesOlderRecords(t *testing.T) {
	url := "sqlite://" + filepath.Join(t.TempDir(), "ledger.db")
	now := time.Now().UTC()
	seed(t, url, testRecord("old", now.AddDate(-2, 0, 0)), testRecord("new", now.Add(-time.Hour)))
	require.Len(t, exportedRecords(t, url), 2, "an export purges nothing")

	p := startSite(t, "-ledger", url, "-ledger-retention", "1y")
	// The first purge runs when the ledger opens, in the background.
	require.Eventually(t, func() bool { return len(exportedRecords(t, url)) == 1 }, 5*time.Second, 20*time.Millisecond)
	assert.Equal(t, "new", exportedRecords(t, url)[0].ConsentID)
	assert.NotContains(t, p.Stderr.String(), "shorter than the consent cookie's lifetime")
}

func TestShortRetentionWarns(t *testing.T) {
	url := "sqlite://" + filepath.Join(t.TempDir(), "ledger.db")
	p := startSite(t, "-ledger", url, "-ledger-retention", "30d")
	assert.Contains(t, p.Stderr.String(), "shorter than the consent cookie's lifetime")
}

func TestParseRetention(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"3y", store.DefaultLedgerRetention},
		{"1y", 366 * 24 * time.Hour},
		{"4y", 1461 * 24 * time.Hour},
		{"5y", 1827 * 24 * time.Hour},
		{"1096d", store.DefaultLedgerRetention},
		{"26304h", store.DefaultLedgerRetention},
		{"90m", 90 * time.Minute},
		{" 7d ", 7 * 24 * time.Hour},
		{"100y", 36525 * 24 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseRetention(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
	for _, bad := range []string{"", "y", "d", "3", "1.5y", "+3y", "-3y", "0y", "0s", "3w", "101y", "36601d", "9223372036854775807y", "900000h"} {
		t.Run("bad "+bad, func(t *testing.T) {
			_, err := parseRetention(bad)
			assert.Error(t, err)
		})
	}
}

// testRecord is a stored decision of consent ID id, made at at.
func testRecord(id string, at time.Time) store.Record {
	return store.Record{
		RequestID: id + "-req", ConsentID: id, Time: at, PolicyVersion: consent.DefaultVersion,
		Action: store.ActionCustom, Channel: store.ChannelForm, Language: "en",
		Granted: []consent.CategoryID{consent.Essential}, Refused: []consent.CategoryID{consent.Analytics},
		IP: "203.0.113.0/24", Path: "/",
	}
}

// seed writes records to the ledger at url, without purging any.
func seed(t *testing.T, url string, recs ...store.Record) {
	t.Helper()
	l, err := ledgerurl.Open(context.Background(), url, store.LedgerRetention(0))
	require.NoError(t, err)
	for _, r := range recs {
		require.NoError(t, l.Record(context.Background(), r))
	}
	require.NoError(t, l.Close())
}

func TestLedgerExportRangesAndFormats(t *testing.T) {
	dir := t.TempDir()
	url := "sqlite://" + filepath.Join(dir, "ledger.db")
	seed(t, url,
		testRecord("jan1", time.Date(2026, time.January, 1, 10, 0, 0, 0, time.UTC)),
		testRecord("jan31", time.Date(2026, time.January, 31, 23, 0, 0, 0, time.UTC)),
		testRecord("feb1", time.Date(2026, time.February, 1, 0, 0, 0, 0, time.UTC)))

	tests := []struct {
		name string
		args []string
		env  map[string]string
		want []string // consent IDs, in order
	}{
		{name: "everything, oldest first", args: []string{"-ledger", url}, want: []string{"jan1", "jan31", "feb1"}},
		{name: "a date -to includes that day", args: []string{"-ledger", url, "-from", "2026-01-01", "-to", "2026-01-31"}, want: []string{"jan1", "jan31"}},
		{name: "an RFC 3339 -to is exclusive", args: []string{"-ledger", url, "-to", "2026-01-31T23:00:00Z"}, want: []string{"jan1"}},
		{name: "-from is inclusive", args: []string{"-ledger", url, "-from", "2026-01-31T23:00:00Z"}, want: []string{"jan31", "feb1"}},
		{name: "time zones", args: []string{"-ledger", url, "-from", "2026-02-01T00:00:00+01:00", "-to", "2026-02-01T01:00:00.000001+01:00"}, want: []string{"jan31", "feb1"}},
		{name: "a day without records", args: []string{"-ledger", url, "-from", "2026-01-15", "-to", "2026-01-15"}, want: nil},
		{name: "ledger from CONSENT_LEDGER", env: map[string]string{"CONSENT_LEDGER": url}, args: []string{"-from", "2026-02-01"}, want: []string{"feb1"}},
		{name: "-ledger over CONSENT_LEDGER", env: map[string]string{"CONSENT_LEDGER": "sqlite:///nonexistent/x.db"}, args: []string{"-ledger", url, "-format", "jsonl"},
			want: []string{"jan1", "jan31", "feb1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runExport(t, tt.env, tt.args...)
			require.Equal(t, exitOK, code, errOut)
			assert.Empty(t, errOut)
			var got []string
			for _, r := range parseJSONLines(t, out) {
				got = append(got, r.ConsentID)
			}
			assert.Equal(t, tt.want, got)
		})
	}

	t.Run("csv", func(t *testing.T) {
		code, out, errOut := runExport(t, nil, "-ledger", url, "-format", "csv", "-from", "2026-01-31")
		require.Equal(t, exitOK, code, errOut)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		require.Len(t, lines, 3)
		assert.True(t, strings.HasPrefix(lines[0], "requestId,consentId,time,"), lines[0])
		assert.Contains(t, lines[1], ",jan31,2026-01-31T23:00:00Z,")
		assert.Contains(t, lines[2], ",feb1,")
	})
	t.Run("-o writes a file instead of stdout", func(t *testing.T) {
		_, want, _ := runExport(t, nil, "-ledger", url)
		file := filepath.Join(dir, "export.jsonl")
		require.NoError(t, os.WriteFile(file, []byte("stale"), 0o600))
		code, out, errOut := runExport(t, nil, "-ledger", url, "-o", file)
		require.Equal(t, exitOK, code, errOut)
		assert.Empty(t, out)
		data, err := os.ReadFile(file)
		require.NoError(t, err)
		assert.Equal(t, want, string(data), "replaced")
		fi, err := os.Stat(file)
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), "pseudonymous data: owner only")
		entries, err := os.ReadDir(dir)
		require.NoError(t, err)
		for _, e := range entries {
			assert.False(t, strings.HasSuffix(e.Name(), ".tmp"), "no temporary file left: %s", e.Name())
		}
	})
}

func TestLedgerExportHelpExitsZero(t *testing.T) {
	for _, args := range [][]string{{"ledger", "export", "-h"}, {"ledger", "-h"}, {"help", "ledger"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			var stdout, stderr syncbuf.Buffer
			code := run(context.Background(), args, env{getenv: mapEnv(nil), stdout: &stdout, stderr: &stderr})
			assert.Equal(t, exitOK, code)
			for _, f := range []string{"-ledger URL", "-from T", "-to T", "-format F", "-o FILE"} {
				assert.Contains(t, stdout.String(), f)
			}
			assert.Empty(t, stderr.String())
		})
	}
}

func TestLedgerNameHidesPasswords(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "none"},
		{"sqlite:///var/lib/consent/ledger.db", "sqlite:///var/lib/consent/ledger.db"},
		{"sqlite://ledger.db", "sqlite://ledger.db"},
		{"postgres://consent:secret@db:5432/consent?sslmode=verify-full&password=secret", "postgres://db:5432/consent"},
		{"postgresql://u:secret@db/c", "postgresql://db/c"},
		{"postgres://u:secret@db:port/%zz", "postgres:…"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			assert.Equal(t, tt.want, ledgerName(tt.in))
		})
	}
}

func TestSQLiteFileReadsURLsAsTheStoreDoes(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"sqlite:///var/lib/ledger.db", "/var/lib/ledger.db", true},
		{"sqlite://ledger.db", "ledger.db", true},
		{"sqlite://data/ledger.db", "data/ledger.db", true},
		{"sqlite:ledger.db", "ledger.db", true},
		{"sqlite:my%20ledger.db", "my ledger.db", true},
		{"sqlite://", "", false},
		{"sqlite:///var/lib/", "/var/lib/", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := sqliteFile(tt.in)
			assert.Equal(t, tt.ok, ok)
			if tt.ok {
				assert.Equal(t, tt.want, got)
			}
		})
	}
	// The relative forms open the file the proxy names, from the working
	// directory.
	dir := t.TempDir()
	t.Chdir(dir)
	seed(t, "sqlite://rel.db", testRecord("rel", time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC)))
	_, err := os.Stat(filepath.Join(dir, "rel.db"))
	require.NoError(t, err)
	for _, u := range []string{"sqlite://rel.db", "sqlite:rel.db", "sqlite://" + filepath.Join(dir, "rel.db")} {
		require.Len(t, exportedRecords(t, u), 1, u)
	}
}
