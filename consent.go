package consent

import (
	"context"
	"slices"
	"time"
)

// Method says how a visitor made their choice.
type Method string

// The ways a choice can be made.
const (
	// AcceptAll grants every category.
	AcceptAll Method = "accept-all"
	// RejectAll grants only the required categories.
	RejectAll Method = "reject-all"
	// Custom grants the categories the visitor ticked one by one.
	Custom Method = "custom"
)

// Consent is one visitor's choices under a policy. The zero value is a
// visitor who has not decided and is allowed nothing; the middleware never
// hands out the zero value but an undecided Consent that grants the policy's
// required categories.
type Consent struct {
	// ID identifies the decision (random, kept across changes of mind), so a
	// visitor can name it in a data-subject request. Empty when undecided.
	ID string `json:"id,omitempty"`
	// PolicyVersion is the policy version the choice was made under.
	PolicyVersion string `json:"policyVersion,omitempty"`
	// Granted lists the granted categories, required ones included, in
	// policy order.
	Granted []CategoryID `json:"granted"`
	// Method is how the choice was made; empty when undecided.
	Method Method `json:"method,omitempty"`
	// Given is when the visitor first decided.
	Given time.Time `json:"given,omitzero"`
	// Updated is when the visitor last decided; the consent expires a cookie
	// lifetime after it.
	Updated time.Time `json:"updated,omitzero"`
	// GPC is true when a Global Privacy Control signal refused categories
	// for this request.
	GPC bool `json:"gpc,omitempty"`
}

// Decided reports whether the visitor has made a valid choice.
func (c *Consent) Decided() bool { return c != nil && c.Method != "" }

// Allowed reports whether category is granted. Required categories are
// always granted to a visitor seen by the middleware.
func (c *Consent) Allowed(category CategoryID) bool {
	return c != nil && slices.Contains(c.Granted, category)
}

// Undecided returns the consent of a visitor who has not chosen yet: only the
// policy's required categories are granted.
func Undecided(p *Policy) *Consent {
	return &Consent{Granted: p.RequiredCategories()}
}

type contextKey struct{}

// NewContext returns a copy of ctx carrying c.
func NewContext(ctx context.Context, c *Consent) context.Context {
	return context.WithValue(ctx, contextKey{}, c)
}

// FromContext returns the visitor's consent that the middleware stored in
// ctx. Outside the middleware it returns an undecided consent that allows
// nothing; it never returns nil.
func FromContext(ctx context.Context) *Consent {
	if c, ok := ctx.Value(contextKey{}).(*Consent); ok && c != nil {
		return c
	}
	return &Consent{}
}
