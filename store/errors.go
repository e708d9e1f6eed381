package store

import "errors"

// Errors of the consent cookie. Every decode error means "no decision yet".
var (
	// ErrBadKey reports a key of the wrong size or encoding, at construction.
	ErrBadKey = errors.New("store: bad cookie key")
	// ErrNoCookie means the request carries no consent cookie.
	ErrNoCookie = errors.New("store: no consent cookie")
	// ErrDuplicate means the request carries the consent cookie more than
	// once: the middleware sets one, so another was planted (by a sibling
	// subdomain, on the parent domain or a longer path), and which one is
	// the visitor's own cannot be told. It is no decision.
	ErrDuplicate = errors.New("store: consent cookie sent more than once")
	// ErrTooLarge means the cookie is larger than MaxCookieBytes.
	ErrTooLarge = errors.New("store: consent cookie too large")
	// ErrInvalid means the cookie is tampered, signed with an unknown key or
	// unparsable.
	ErrInvalid = errors.New("store: invalid consent cookie")
	// ErrExpired means the consent is older than the cookie lifetime.
	ErrExpired = errors.New("store: consent expired")
	// ErrStalePolicy means the consent was given under a policy version that a
	// material revision has replaced.
	ErrStalePolicy = errors.New("store: consent given under a replaced policy version")
)
