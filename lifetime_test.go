package consent_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/consentgate/consent"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	day   = 24 * time.Hour
	month = 30 * day
	year  = 365 * day
)

func TestParseLifetime(t *testing.T) {
	tests := []struct {
		in     string
		want   time.Duration
		string string // what String writes back
	}{
		{"session", 0, "session"},
		{"Session", 0, "session"},
		{"", 0, "session"},
		{"  ", 0, "session"},
		{"24h", day, "1d"},
		{"30m", 30 * time.Minute, "30m0s"},
		{"1h30m", 90 * time.Minute, "1h30m0s"},
		{"36h", 36 * time.Hour, "36h0m0s"},
		{"1d", day, "1d"},
		{"30d", 30 * day, "1mo"},
		{"7d", 7 * day, "1w"},
		{"100d", 100 * day, "100d"},
		{"2w", 14 * day, "2w"},
		{"13mo", 13 * month, "13mo"},
		{"6mo", 6 * month, "6mo"},
		{"12mo", 12 * month, "12mo"},
		{"2y", 2 * year, "2y"},
		{"365d", year, "1y"},
		{" 30d ", 30 * day, "1mo"},
		{"292y", 292 * year, "292y"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			l, err := consent.ParseLifetime(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, l.Duration())
			assert.Equal(t, tt.want == 0, l.Session())
			assert.Equal(t, tt.string, l.String())

			back, err := consent.ParseLifetime(l.String())
			require.NoError(t, err)
			assert.Equal(t, l, back, "String round trip")
		})
	}
}

func TestParseLifetimeErrors(t *testing.T) {
	for _, in := range []string{
		"-1d", "0d", "0", "0s", "-5m", "abc", "1.5y", "1,5d", "d", "mo", "y",
		"10x", "30 d", "1e3d", "+2y", "sessions", "forever",
		"300y", "4294967295y", "99999999mo", // would overflow 292 years
	} {
		t.Run(in, func(t *testing.T) {
			l, err := consent.ParseLifetime(in)
			require.Error(t, err)
			assert.Contains(t, err.Error(), in)
			assert.Zero(t, l)
		})
	}
}

func TestLifetimeText(t *testing.T) {
	type row struct {
		L consent.Lifetime `json:"l"`
	}
	doc, err := json.Marshal(row{L: consent.Lifetime(13 * month)})
	require.NoError(t, err)
	assert.JSONEq(t, `{"l":"13mo"}`, string(doc))

	var r row
	require.NoError(t, json.Unmarshal([]byte(`{"l":"2w"}`), &r))
	assert.Equal(t, consent.Lifetime(14*day), r.L)

	r = row{L: consent.Lifetime(day)}
	assert.Error(t, json.Unmarshal([]byte(`{"l":"-1d"}`), &r))
	assert.Equal(t, consent.Lifetime(day), r.L, "a failed parse keeps the old value")
	assert.Error(t, json.Unmarshal([]byte(`{"l":30}`), &r), "a bare number has no unit")
}

func TestDate(t *testing.T) {
	d := consent.DateOf(2026, time.November, 28)
	assert.Equal(t, "2026-11-28", d.String())
	assert.Equal(t, time.UTC, d.Location())

	text, err := d.MarshalText()
	require.NoError(t, err)
	assert.Equal(t, "2026-11-28", string(text))

	var back consent.Date
	require.NoError(t, back.UnmarshalText([]byte(" 2026-11-28 ")))
	assert.Equal(t, d, back)
	assert.True(t, d.Equal(back.Time))

	type row struct {
		D consent.Date `json:"d"`
	}
	doc, err := json.Marshal(row{D: d})
	require.NoError(t, err)
	assert.JSONEq(t, `{"d":"2026-11-28"}`, string(doc), "not RFC 3339")
	ptr, err := json.Marshal(&d)
	require.NoError(t, err)
	assert.Equal(t, `"2026-11-28"`, string(ptr))

	var r row
	require.NoError(t, json.Unmarshal([]byte(`{"d":"2024-02-29"}`), &r))
	assert.Equal(t, consent.DateOf(2024, time.February, 29), r.D)

	for _, bad := range []string{`"2026-13-01"`, `"2025-02-29"`, `"28.11.2026"`, `"2026-11-28T00:00:00Z"`, `20261128`, `""`, `"26-11-28"`} {
		t.Run(bad, func(t *testing.T) {
			var r row
			err := json.Unmarshal([]byte(`{"d":`+bad+`}`), &r)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "YYYY-MM-DD")
		})
	}
}
