package middleware

import (
	"net/http"
	"strings"
	"time"
)

// deletes reports whether a browser takes a Set-Cookie line as deleting its
// cookie, which the middleware lets through whatever the visitor granted.
//
// It reads the line's attributes itself rather than trusting
// http.ParseSetCookie, because Go and the browsers disagree: Go ignores a
// Max-Age with leading zeros ("Max-Age=063072000") and so lets a past
// Expires decide, where RFC 6265bis (§5.6.2, §5.7) and Chromium read the
// digits and let Max-Age win. Here, as in the RFC, an attribute name is
// matched case-insensitively after trimming (so "Max-Age =0" counts), a
// Max-Age decides whenever present (≤ 0 deletes, > 0 keeps the cookie),
// and only without one does an Expires in the past delete.
//
// Where browsers or the specifications could read a line either way, it is
// not a deletion, and the cookie is judged by its category like any other:
// several Max-Age or several Expires attributes (the RFC takes the last valid
// one, Chromium the last one whatever its value), a Max-Age outside the
// grammar -?DIGIT+ ("+5", "1e3", empty), and an Expires in none of the
// formats HTTP dates are sent in. A mistake on that side drops a
// deletion; it never keeps a tracker's cookie.
func deletes(line string, now time.Time) bool {
	_, attrs, _ := strings.Cut(line, ";")
	var maxAge, expires string
	nMaxAge, nExpires := 0, 0
	for attr := range strings.SplitSeq(attrs, ";") {
		name, value, _ := strings.Cut(attr, "=")
		name = strings.Trim(name, " \t")
		switch {
		case strings.EqualFold(name, "max-age"):
			nMaxAge++
			maxAge = strings.Trim(value, " \t")
		case strings.EqualFold(name, "expires"):
			nExpires++
			expires = strings.Trim(value, " \t")
		}
	}
	if nMaxAge > 0 {
		if nMaxAge > 1 {
			return false
		}
		digits := strings.TrimPrefix(maxAge, "-")
		if digits == "" || strings.Trim(digits, "0123456789") != "" {
			return false
		}
		return maxAge[0] == '-' || strings.Trim(digits, "0") == ""
	}
	if nExpires != 1 {
		return false
	}
	t, ok := parseCookieDate(expires)
	return ok && t.Before(now)
}

// cookieDateLayouts are the date formats Set-Cookie Expires values are sent
// in: the three of HTTP (RFC 9110 §5.6.7) and the Netscape form with dashes
// and a four-digit year, which Go's own cookie parser also reads.
var cookieDateLayouts = []string{http.TimeFormat, time.RFC850, time.ANSIC, "Mon, 02-Jan-2006 15:04:05 MST"}

func parseCookieDate(s string) (time.Time, bool) {
	for _, layout := range cookieDateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
