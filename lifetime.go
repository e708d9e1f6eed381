package consent

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Lifetime is how long a cookie lives. The zero value is a session cookie
// (gone when the browser closes); anything else is a persistent cookie.
//
// In policy files a lifetime is written "session", a Go duration ("30m",
// "24h") or a whole number of days ("30d"), weeks ("2w"), months of 30 days
// ("13mo") or years of 365 days ("2y").
type Lifetime time.Duration

// Session reports whether the cookie is a session cookie.
func (l Lifetime) Session() bool { return l == 0 }

// Duration returns the lifetime as a time.Duration (0 for session cookies).
func (l Lifetime) Duration() time.Duration { return time.Duration(l) }

const (
	day  = 24 * time.Hour
	year = 365 * day
)

// lifetimeUnits are tried largest first when a lifetime is written out.
var lifetimeUnits = []struct {
	suffix string
	size   time.Duration
}{
	{"y", year},
	{"mo", 30 * day},
	{"w", 7 * day},
	{"d", day},
}

// String returns the lifetime in the form policy files use.
func (l Lifetime) String() string {
	if l == 0 {
		return "session"
	}
	d := time.Duration(l)
	for _, u := range lifetimeUnits {
		if d%u.size == 0 {
			return strconv.FormatInt(int64(d/u.size), 10) + u.suffix
		}
	}
	return d.String()
}

// ParseLifetime parses the forms described on Lifetime.
func ParseLifetime(s string) (Lifetime, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.EqualFold(s, "session") {
		return 0, nil
	}
	for _, u := range lifetimeUnits {
		num, ok := strings.CutSuffix(s, u.suffix)
		if !ok {
			continue
		}
		n, err := strconv.ParseUint(num, 10, 32)
		if err != nil || n == 0 || n > uint64(math.MaxInt64/u.size) {
			break // not a count, or more than time.Duration holds (292 years)
		}
		return Lifetime(time.Duration(n) * u.size), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("lifetime %q: want \"session\", a positive duration such as \"24h\", or a count of d, w, mo or y", s)
	}
	return Lifetime(d), nil
}

// MarshalText implements encoding.TextMarshaler.
func (l Lifetime) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (l *Lifetime) UnmarshalText(b []byte) error {
	v, err := ParseLifetime(string(b))
	if err != nil {
		return err
	}
	*l = v
	return nil
}

// Date is a calendar day (UTC), written YYYY-MM-DD in policy files.
type Date struct{ time.Time }

// DateOf returns the date of the given year, month and day.
func DateOf(year int, month time.Month, dayOfMonth int) Date {
	return Date{time.Date(year, month, dayOfMonth, 0, 0, 0, 0, time.UTC)}
}

// String returns the date as YYYY-MM-DD.
func (d Date) String() string { return d.Format(time.DateOnly) }

// MarshalText implements encoding.TextMarshaler.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Date) UnmarshalText(b []byte) error {
	t, err := time.Parse(time.DateOnly, strings.TrimSpace(string(b)))
	if err != nil {
		return fmt.Errorf("date %q: want YYYY-MM-DD", b)
	}
	d.Time = t
	return nil
}

// MarshalJSON writes the date as a "YYYY-MM-DD" string (overriding the
// RFC 3339 form of the embedded time.Time).
func (d Date) MarshalJSON() ([]byte, error) { return strconv.AppendQuote(nil, d.String()), nil }

// UnmarshalJSON reads a "YYYY-MM-DD" string.
func (d *Date) UnmarshalJSON(b []byte) error {
	s, err := strconv.Unquote(string(b))
	if err != nil {
		return fmt.Errorf("date %s: want a \"YYYY-MM-DD\" string", b)
	}
	return d.UnmarshalText([]byte(s))
}
