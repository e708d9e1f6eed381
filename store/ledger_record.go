package store

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/consentgate/consent"
)

// Bounds of a record's fields. They keep one request from storing
// arbitrary amounts of data; real values are far smaller.
const (
	maxIDBytes       = 128
	maxVersionBytes  = 128
	maxLanguageBytes = 64
	maxPathBytes     = 512
	maxCategories    = 64
	maxCategoryBytes = 128
	// maxIdempotencyKeyBytes bounds the Idempotency-Key header NewRecord
	// honours.
	maxIdempotencyKeyBytes = 256
)

// NewRecord builds the ledger record of a decision the consent endpoint
// accepted: r is the POST, p the policy, v the consent as it takes effect
// (after a GPC refusal, so Granted, Updated and GPC are final), action what
// the visitor did, lang the banner language. ps pseudonymises the client
// data; nil uses the defaults (IPv4 /24, IPv6 /48, SHA-256 of the
// User-Agent).
//
// The record's Time is v.Updated (the cookie's time), or now when zero. Its
// Path is the form's "return" field, else the Referer's path, stripped of
// query and fragment (they can carry personal data). Its Channel is
// ChannelScript when the request accepts JSON, else ChannelForm. Its
// RequestID is random, unless the request carries an Idempotency-Key
// header: then it is derived from that key and the consent ID, so a client
// retrying the same POST is recorded once.
func NewRecord(r *http.Request, p *consent.Policy, v *consent.Consent, action Action, lang string, ps *Pseudonymizer) Record {
	rec := Record{
		ConsentID:     v.ID,
		Time:          v.Updated,
		PolicyVersion: v.PolicyVersion,
		Action:        action,
		Channel:       requestChannel(r),
		Language:      lang,
		Granted:       slices.Clone(v.Granted),
		GPC:           v.GPC,
		IP:            ps.IP(ps.requestIP(r)),
		UserAgentHash: ps.UserAgent(r.UserAgent()),
		Path:          requestPath(r),
	}
	if rec.Time.IsZero() {
		rec.Time = time.Now()
	}
	rec.Time = rec.Time.UTC()
	if p != nil {
		for _, c := range p.Categories {
			if !slices.Contains(rec.Granted, c.ID) {
				rec.Refused = append(rec.Refused, c.ID)
			}
		}
	}
	rec.RequestID = requestID(r, v.ID)
	return rec
}

// idempotentPrefix starts the request IDs derived from an Idempotency-Key.
const idempotentPrefix = "ik-"

// requestID returns a random ID, or one derived from the client's
// Idempotency-Key. The key is scoped to the consent ID so that one client's
// key can never suppress another visitor's record.
func requestID(r *http.Request, consentID string) string {
	k := r.Header.Get("Idempotency-Key")
	if k == "" || len(k) > maxIdempotencyKeyBytes {
		return NewID()
	}
	sum := sha256.Sum256([]byte(consentID + "\x00" + k))
	return idempotentPrefix + hex.EncodeToString(sum[:16])
}

// requestChannel tells the banner script's fetch (Accept: application/json)
// from a plain form post.
func requestChannel(r *http.Request) Channel {
	for _, v := range r.Header.Values("Accept") {
		for part := range strings.SplitSeq(v, ",") {
			mt, params, err := mime.ParseMediaType(part)
			if err != nil || mt != "application/json" {
				continue
			}
			if q, err := strconv.ParseFloat(params["q"], 64); err == nil && q == 0 {
				continue
			}
			return ChannelScript
		}
	}
	return ChannelForm
}

// requestPath returns the page the visitor decided on: the form's return
// field, else the Referer's path.
func requestPath(r *http.Request) string {
	if p, ok := cleanPath(r.PostForm.Get("return")); ok {
		return p
	}
	if u, err := url.Parse(r.Referer()); err == nil {
		if p, ok := cleanPath(u.EscapedPath()); ok {
			return p
		}
	}
	return "/"
}

// cleanPath keeps a rooted local path without query, fragment or control
// characters, cut to maxPathBytes.
func cleanPath(s string) (string, bool) {
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		s = s[:i]
	}
	if s == "" || s[0] != '/' || strings.HasPrefix(s, "//") || strings.HasPrefix(s, "/\\") {
		return "", false
	}
	if strings.ContainsFunc(s, func(c rune) bool { return c < 0x20 || c == 0x7f }) {
		return "", false
	}
	return truncateUTF8(strings.ToValidUTF8(s, "\uFFFD"), maxPathBytes), true
}

// truncateUTF8 cuts s to at most n bytes without splitting a character.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// normalize fills a record's defaults and checks it, so that everything
// that reaches a database can be stored: text is valid UTF-8 without NUL
// (PostgreSQL refuses both), times are UTC microseconds (what both
// databases keep, so a record reads back equal).
func (rec *Record) normalize(now time.Time) error {
	if rec.Time.IsZero() {
		rec.Time = now
	}
	rec.Time = rec.Time.UTC().Truncate(time.Microsecond)
	for _, f := range []struct {
		name     string
		s        *string
		max      int
		required bool
	}{
		{"request ID", &rec.RequestID, maxIDBytes, true},
		{"consent ID", &rec.ConsentID, maxIDBytes, true},
		{"policy version", &rec.PolicyVersion, maxVersionBytes, false},
		{"language", &rec.Language, maxLanguageBytes, false},
		{"path", &rec.Path, maxPathBytes, false},
		{"user-agent hash", &rec.UserAgentHash, sha256.Size * 2, false},
	} {
		*f.s = cleanText(*f.s)
		if f.required && *f.s == "" {
			return fmt.Errorf("%w: no %s", ErrBadRecord, f.name)
		}
		if len(*f.s) > f.max {
			return fmt.Errorf("%w: %s longer than %d bytes", ErrBadRecord, f.name, f.max)
		}
	}
	switch rec.Action {
	case ActionAcceptAll, ActionRejectAll, ActionCustom, ActionWithdraw, ActionGPCRefusal:
	default:
		return fmt.Errorf("%w: unknown action %q", ErrBadRecord, truncateUTF8(cleanText(string(rec.Action)), 40))
	}
	switch rec.Channel {
	case "", ChannelForm, ChannelScript:
	default:
		return fmt.Errorf("%w: unknown channel %q", ErrBadRecord, truncateUTF8(cleanText(string(rec.Channel)), 40))
	}
	if !pseudonymousIP(rec.IP) {
		return fmt.Errorf("%w: IP %q is not pseudonymised (want a /24, a /48 or an HMAC)", ErrBadRecord, rec.IP)
	}
	for _, list := range []*[]consent.CategoryID{&rec.Granted, &rec.Refused} {
		if len(*list) > maxCategories {
			return fmt.Errorf("%w: more than %d categories", ErrBadRecord, maxCategories)
		}
		// A copy: the caller's slice is not ours to rewrite.
		*list = append([]consent.CategoryID{}, *list...)
		for i, id := range *list {
			s := cleanText(string(id))
			if s == "" || len(s) > maxCategoryBytes || strings.ContainsAny(s, " \t\r\n") {
				return fmt.Errorf("%w: category %q", ErrBadRecord, truncateUTF8(s, 40))
			}
			(*list)[i] = consent.CategoryID(s)
		}
	}
	return nil
}

// cleanText makes s storable text: valid UTF-8, no NUL.
func cleanText(s string) string {
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
}
