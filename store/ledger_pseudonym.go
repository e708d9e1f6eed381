package store

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// IPMode says how a client address is pseudonymised in the ledger.
type IPMode int

// The IP modes.
const (
	// IPTruncate keeps the network only: IPv4 /24, IPv6 /48. It is the
	// default: an auditor can still see where a decision came from
	// (roughly, per network) without the ledger holding an address.
	IPTruncate IPMode = iota
	// IPHash keeps an HMAC-SHA256 of the full address under a configured
	// key: equal addresses match, but without the key nobody can test a
	// guess, which a plain hash of the 2^32 IPv4 addresses would allow.
	IPHash
)

// ipHashPrefix marks a keyed-hash IP in a record.
const ipHashPrefix = "hmac-sha256:"

// MinPseudonymKeyBytes is the shortest key PseudonymConfig accepts: an
// HMAC-SHA256 key shorter than the hash adds nothing to guess.
const MinPseudonymKeyBytes = 32

// PseudonymConfig configures a Pseudonymizer.
type PseudonymConfig struct {
	// IP selects IPTruncate (default) or IPHash.
	IP IPMode
	// Key is the HMAC-SHA256 key, at least MinPseudonymKeyBytes long.
	// Required with IPHash. When set, the User-Agent hash is keyed too;
	// without it the User-Agent is hashed with plain SHA-256. Changing the
	// key changes every hash from then on, so keep it as long as records
	// must be matched. Default none.
	Key []byte
	// ClientIP returns the client's address for r. Default: the host of
	// r.RemoteAddr. Behind a proxy, return the address the proxy reports,
	// and only when the request came through that proxy.
	ClientIP func(r *http.Request) string
}

// Pseudonymizer turns client data into what the ledger may keep. It is
// immutable and safe for concurrent use. A nil *Pseudonymizer truncates
// IPs and hashes User-Agents with plain SHA-256.
type Pseudonymizer struct {
	mode     IPMode
	key      []byte
	clientIP func(*http.Request) string
}

// NewPseudonymizer checks cfg and returns its Pseudonymizer. A missing or
// short key for IPHash, or an unknown IP mode, is an error wrapping
// ErrBadKey.
func NewPseudonymizer(cfg PseudonymConfig) (*Pseudonymizer, error) {
	switch cfg.IP {
	case IPTruncate, IPHash:
	default:
		return nil, fmt.Errorf("%w: unknown IP mode %d", ErrBadKey, cfg.IP)
	}
	if cfg.IP == IPHash && len(cfg.Key) == 0 {
		return nil, fmt.Errorf("%w: IPHash needs a key", ErrBadKey)
	}
	if len(cfg.Key) > 0 && len(cfg.Key) < MinPseudonymKeyBytes {
		return nil, fmt.Errorf("%w: pseudonymisation key of %d bytes, want at least %d", ErrBadKey, len(cfg.Key), MinPseudonymKeyBytes)
	}
	return &Pseudonymizer{mode: cfg.IP, key: append([]byte(nil), cfg.Key...), clientIP: cfg.ClientIP}, nil
}

// IP pseudonymises a client address ("192.0.2.7", "[2001:db8::1]:443",
// "fe80::1%eth0"): its network or its keyed hash, as the mode says. Anything
// that is not an address gives "".
func (p *Pseudonymizer) IP(addr string) string {
	a, ok := parseClientAddr(addr)
	if !ok {
		return ""
	}
	if p != nil && p.mode == IPHash {
		m := hmac.New(sha256.New, p.key)
		m.Write([]byte(a.String()))
		return ipHashPrefix + hex.EncodeToString(m.Sum(nil))
	}
	bits := 48
	if a.Is4() {
		bits = 24
	}
	pfx, _ := a.Prefix(bits) // cannot fail: bits fits both families
	return pfx.String()
}

// UserAgent returns the hex hash of a User-Agent header, "" for none.
func (p *Pseudonymizer) UserAgent(ua string) string {
	if ua == "" {
		return ""
	}
	if p != nil && len(p.key) > 0 {
		m := hmac.New(sha256.New, p.key)
		m.Write([]byte(ua))
		return hex.EncodeToString(m.Sum(nil))
	}
	sum := sha256.Sum256([]byte(ua))
	return hex.EncodeToString(sum[:])
}

func (p *Pseudonymizer) requestIP(r *http.Request) string {
	if p != nil && p.clientIP != nil {
		return p.clientIP(r)
	}
	return r.RemoteAddr
}

// parseClientAddr reads an address with or without a port and zone. The
// zone goes (it names a local interface, not the client) and IPv4-mapped
// IPv6 becomes IPv4, so one client always gives one value.
func parseClientAddr(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if host, _, err := net.SplitHostPort(s); err == nil {
		s = host
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.WithZone("").Unmap(), true
}

// pseudonymousIP reports whether s is what Pseudonymizer.IP produces, so
// that a raw address can never reach the database.
func pseudonymousIP(s string) bool {
	if s == "" {
		return true
	}
	if h, ok := strings.CutPrefix(s, ipHashPrefix); ok {
		b, err := hex.DecodeString(h)
		return err == nil && len(b) == sha256.Size
	}
	pfx, err := netip.ParsePrefix(s)
	if err != nil || pfx != pfx.Masked() {
		return false
	}
	return (pfx.Addr().Is4() && pfx.Bits() == 24) || (pfx.Addr().Is6() && !pfx.Addr().Is4In6() && pfx.Bits() == 48)
}
