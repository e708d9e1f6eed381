package store

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/consentgate/consent"
	"github.com/gorilla/securecookie"
)

// Defaults of the consent cookie.
const (
	// DefaultCookieName is the consent cookie's name without a prefix.
	DefaultCookieName = "consent"
	// DefaultLifetime is how long a choice is kept: 180 days.
	DefaultLifetime = 180 * 24 * time.Hour
	// MaxCookieBytes bounds the encoded cookie value; a longer one is never
	// decoded. Browsers keep at least 4096 bytes per cookie including its
	// name and attributes, and a real consent cookie is about 300.
	MaxCookieBytes = 3800
)

// Codec encodes a visitor's consent into the signed consent cookie and
// decodes it back. It is immutable after NewCodec and safe for concurrent
// use.
type Codec struct {
	name     string
	codecs   []securecookie.Codec
	lifetime time.Duration
	secure   bool
	now      func() time.Time
	verified *verifiedCache
}

// CodecOption configures a Codec.
type CodecOption func(*codecConfig)

type codecConfig struct {
	name       string
	lifetime   time.Duration
	insecure   bool
	hostPrefix bool
	now        func() time.Time
}

// CookieName sets the cookie's name. Default "consent".
func CookieName(name string) CodecOption { return func(c *codecConfig) { c.name = name } }

// Lifetime sets how long a choice is kept, counted from when it was made;
// the cookie's Max-Age and securecookie's MaxAge both follow it. Default 180
// days.
func Lifetime(d time.Duration) CodecOption { return func(c *codecConfig) { c.lifetime = d } }

// Insecure drops the Secure attribute so that the cookie works over plain
// HTTP on localhost during development. Never use it in production. Default
// off (cookies are Secure).
func Insecure() CodecOption { return func(c *codecConfig) { c.insecure = true } }

// HostPrefix names the cookie "__Host-" + name, which browsers only accept
// with Secure, Path=/ and no Domain: no subdomain can overwrite it. Default
// off; it cannot be combined with Insecure.
func HostPrefix() CodecOption { return func(c *codecConfig) { c.hostPrefix = true } }

// Clock sets the source of the current time (for tests). Default time.Now.
func Clock(now func() time.Time) CodecOption { return func(c *codecConfig) { c.now = now } }

// NewCodec returns a codec that signs with keys[0] and accepts cookies signed
// with any of keys, so keys can be rotated: put the new pair first and keep
// the old ones until their cookies have expired. Wrong key sizes and bad
// options are errors here, not at the first request.
func NewCodec(keys []KeyPair, opts ...CodecOption) (*Codec, error) {
	cfg := codecConfig{name: DefaultCookieName, lifetime: DefaultLifetime, now: time.Now}
	for _, o := range opts {
		o(&cfg)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%w: no key pair given", ErrBadKey)
	}
	if cfg.name == "" || strings.ContainsAny(cfg.name, " \t\r\n;,=\"()<>@:\\/[]?{}") {
		return nil, fmt.Errorf("store: CookieName %q is not a valid cookie name", cfg.name)
	}
	if cfg.lifetime < time.Minute {
		return nil, fmt.Errorf("store: Lifetime %s is shorter than a minute", cfg.lifetime)
	}
	if cfg.hostPrefix {
		if cfg.insecure {
			return nil, errors.New("store: HostPrefix needs Secure cookies and cannot be combined with Insecure")
		}
		cfg.name = "__Host-" + cfg.name
	}
	c := &Codec{name: cfg.name, lifetime: cfg.lifetime, secure: !cfg.insecure, now: cfg.now, verified: newVerifiedCache(verifiedCacheSize)}
	for i, k := range keys {
		if err := k.check(i); err != nil {
			return nil, err
		}
		var block []byte
		if len(k.Block) > 0 {
			block = k.Block
		}
		s := securecookie.New(k.Hash, block)
		s.SetSerializer(securecookie.JSONEncoder{})
		s.MaxAge(int(cfg.lifetime / time.Second))
		s.MaxLength(MaxCookieBytes)
		c.codecs = append(c.codecs, s)
	}
	return c, nil
}

// Name returns the cookie's name, prefix included.
func (c *Codec) Name() string { return c.name }

// Lifetime returns how long a choice is kept.
func (c *Codec) Lifetime() time.Duration { return c.lifetime }

// wireConsent is the cookie's payload. Short keys keep the cookie small;
// the required categories are not stored, the policy adds them back.
type wireConsent struct {
	ID      string               `json:"i"`
	Version string               `json:"v"`
	Granted []consent.CategoryID `json:"g"`
	Method  consent.Method       `json:"m"`
	Given   int64                `json:"f"`
	Updated int64                `json:"u"`
}

func (w *wireConsent) wellFormed() bool {
	switch w.Method {
	case consent.AcceptAll, consent.RejectAll, consent.Custom:
	default:
		return false
	}
	return w.ID != "" && w.Version != "" && w.Updated > 0 && w.Given > 0 && w.Given <= w.Updated
}

// Encode returns the cookie that carries c. Its Max-Age is what is left of
// the lifetime since c.Updated, so re-encoding (after a key rotation, say)
// never extends consent.
func (c *Codec) Encode(p *consent.Policy, v *consent.Consent) (*http.Cookie, error) {
	if !v.Decided() || v.ID == "" || v.Updated.IsZero() {
		return nil, errors.New("store: only a decided consent with an ID and a time can be encoded")
	}
	w := wireConsent{
		ID:      v.ID,
		Version: v.PolicyVersion,
		Method:  v.Method,
		Given:   v.Given.Unix(),
		Updated: v.Updated.Unix(),
	}
	if !w.wellFormed() {
		// DecodeValue would reject it: never hand out a cookie that reads
		// back as "no decision".
		return nil, errors.New("store: consent needs a policy version, a known method and Given no later than Updated")
	}
	for _, id := range v.Granted {
		if cat, ok := p.Category(id); ok && !cat.Required {
			w.Granted = append(w.Granted, id)
		}
	}
	left := v.Updated.Add(c.lifetime).Sub(c.now())
	if left <= 0 {
		return nil, ErrExpired
	}
	value, err := securecookie.EncodeMulti(c.name, w, c.codecs[0])
	if err != nil {
		return nil, fmt.Errorf("store: encode consent cookie: %w", err)
	}
	return &http.Cookie{
		Name:     c.name,
		Value:    value,
		Path:     "/",
		MaxAge:   int(left / time.Second),
		Expires:  c.now().Add(left).UTC(),
		Secure:   c.secure,
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	}, nil
}

// Expire returns a cookie that deletes the consent cookie.
func (c *Codec) Expire() *http.Cookie {
	return &http.Cookie{
		Name: c.name, Value: "", Path: "/", MaxAge: -1,
		Secure: c.secure, HttpOnly: true, SameSite: http.SameSiteLaxMode,
	}
}

// Decode reads the consent cookie of r and checks it against p. The
// returned consent grants the required categories of p plus the stored ones
// that p still knows. Every error means "no decision yet"; rotated reports
// that the cookie was signed with an older key pair and should be
// re-encoded.
func (c *Codec) Decode(r *http.Request, p *consent.Policy) (v *consent.Consent, rotated bool, err error) {
	raw, n := c.rawValue(r)
	switch {
	case n == 0:
		return nil, false, ErrNoCookie
	case n > 1:
		return nil, false, ErrDuplicate
	}
	return c.DecodeValue(raw, p)
}

// rawValue finds the cookie without parsing every cookie of the request,
// and counts the cookies of its name. The middleware sets exactly one (on
// Path=/, host-only); a second one was planted by someone else, such as a
// sibling subdomain setting it on the parent domain ("cookie tossing"), and
// browsers send the one with the longer path, or the older one, first.
func (c *Codec) rawValue(r *http.Request) (string, int) {
	var raw string
	n := 0
	for _, line := range r.Header["Cookie"] {
		for len(line) > 0 {
			var part string
			part, line, _ = strings.Cut(line, ";")
			name, value, found := strings.Cut(strings.TrimSpace(part), "=")
			if found && name == c.name {
				if n == 0 {
					raw = strings.Trim(value, `"`)
				}
				n++
			}
		}
	}
	return raw, n
}

// Duplicated reports whether the request carries the consent cookie more
// than once (see ErrDuplicate).
func (c *Codec) Duplicated(r *http.Request) bool {
	_, n := c.rawValue(r)
	return n > 1
}

// DecodeValue decodes a cookie value as Decode does.
func (c *Codec) DecodeValue(raw string, p *consent.Policy) (v *consent.Consent, rotated bool, err error) {
	if len(raw) > MaxCookieBytes {
		return nil, false, ErrTooLarge
	}
	w, at, ok := c.verified.get(raw)
	if !ok {
		at = -1
		for i, sc := range c.codecs {
			if sc.Decode(c.name, raw, &w) == nil {
				at = i
				break
			}
			w = wireConsent{}
		}
		if at < 0 || !w.wellFormed() {
			return nil, false, ErrInvalid
		}
		c.verified.put(raw, w, at)
	}
	updated := time.Unix(w.Updated, 0).UTC()
	now := c.now()
	if !updated.Add(c.lifetime).After(now) {
		return nil, false, ErrExpired
	}
	if updated.After(now.Add(time.Minute)) {
		return nil, false, ErrInvalid
	}
	if !p.CurrentFor(w.Version) {
		return nil, false, ErrStalePolicy
	}
	v = &consent.Consent{
		ID:            w.ID,
		PolicyVersion: w.Version,
		Method:        w.Method,
		Given:         time.Unix(w.Given, 0).UTC(),
		Updated:       updated,
	}
	v.Granted = Grants(p, w.Granted)
	return v, at > 0, nil
}

// Grants returns the required categories of p plus those of granted that p
// knows, in policy order.
func Grants(p *consent.Policy, granted []consent.CategoryID) []consent.CategoryID {
	out := make([]consent.CategoryID, 0, len(p.Categories))
	for _, cat := range p.Categories {
		if cat.Required || slices.Contains(granted, cat.ID) {
			out = append(out, cat.ID)
		}
	}
	return out
}

// NewID returns a random consent ID: 16 bytes from crypto/rand, hex-encoded.
func NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails since Go 1.24
	return hex.EncodeToString(b[:])
}
