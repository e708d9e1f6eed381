package banner

import (
	"strconv"
	"strings"
	"time"

	"github.com/consentgate/consent"
)

// Format returns the text with the given ID with each "{name}" replaced by
// the value that follows name in kv ("version", "2", "date", "2026-11-28").
// The result is plain text: pages escape it as a whole, so neither the text
// nor the values can add markup. A placeholder without a value stays as it
// is, so that a site's text with a typo shows the typo rather than nothing.
func (t Texts) Format(id string, kv ...string) string {
	s := t.T(id)
	if len(kv) < 2 || !strings.Contains(s, "{") {
		return s
	}
	pairs := make([]string, 0, len(kv))
	for i := 0; i+1 < len(kv); i += 2 {
		pairs = append(pairs, "{"+kv[i]+"}", kv[i+1])
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

// lifetimeUnits are the units a cookie lifetime is written in, largest
// first; they match consent.Lifetime's, plus hours, minutes and seconds.
var lifetimeUnits = []struct {
	size      time.Duration
	one, many string // text IDs
}{
	{365 * 24 * time.Hour, "lifetime.year", "lifetime.years"},
	{30 * 24 * time.Hour, "lifetime.month", "lifetime.months"},
	{7 * 24 * time.Hour, "lifetime.week", "lifetime.weeks"},
	{24 * time.Hour, "lifetime.day", "lifetime.days"},
	{time.Hour, "lifetime.hour", "lifetime.hours"},
	{time.Minute, "lifetime.minute", "lifetime.minutes"},
	{time.Second, "lifetime.second", "lifetime.seconds"},
}

// Lifetime returns how long a cookie lives, in words: "Session", or
// "Persistent, " and the lifetime in the largest unit that measures it
// exactly ("Persistent, 13mo"), rounded to seconds below a second's
// precision. Each unit has a text for one and one for more (German
// "1 Jahr", "2 Jahre"); "one" is used for exactly 1, which suits the
// built-in languages.
func (t Texts) Lifetime(l consent.Lifetime) string {
	if l.Session() {
		return t.T("cookies.session")
	}
	d := max(l.Duration().Round(time.Second), time.Second)
	u := lifetimeUnits[len(lifetimeUnits)-1] // seconds measure every d
	for _, c := range lifetimeUnits {
		if d%c.size == 0 {
			u = c
			break
		}
	}
	n := int64(d / u.size)
	text := t.T(u.one)
	if n != 1 {
		text = t.Format(u.many, "n", strconv.FormatInt(n, 10))
	}
	return t.Format("cookies.persistent", "lifetime", text)
}
