package consent_test

import (
	"context"
	"testing"
	"time"

	"github.com/consentgate/consent"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestConsentZeroValue(t *testing.T) {
	var c consent.Consent
	assert.False(t, c.Decided())
	for _, cat := range consent.DefaultPolicy().Categories {
		assert.False(t, c.Allowed(cat.ID), "the zero value allows %s", cat.ID)
	}

	var nilConsent *consent.Consent
	assert.False(t, nilConsent.Decided())
	assert.False(t, nilConsent.Allowed(consent.Essential))
}

func TestUndecided(t *testing.T) {
	p := consent.DefaultPolicy()
	c := consent.Undecided(p)
	require.NotNil(t, c)
	assert.False(t, c.Decided())
	assert.Empty(t, c.ID)
	assert.Empty(t, c.Method)
	assert.Equal(t, []consent.CategoryID{consent.Essential}, c.Granted)
	assert.True(t, c.Allowed(consent.Essential))
	for _, id := range p.RefusableCategories() {
		assert.False(t, c.Allowed(id), "undecided visitor allowed %s", id)
	}

	// A site with two required categories.
	p.Categories[2].Required = true
	c = consent.Undecided(p)
	assert.Equal(t, []consent.CategoryID{consent.Essential, consent.Functionality}, c.Granted)
	assert.True(t, c.Allowed(consent.Functionality))
	assert.False(t, c.Allowed(consent.Analytics))
}

func TestDecidedConsent(t *testing.T) {
	now := time.Date(2026, time.December, 1, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		method  consent.Method
		granted []consent.CategoryID
	}{
		{consent.AcceptAll, []consent.CategoryID{consent.Essential, consent.Analytics, consent.Targeting}},
		{consent.RejectAll, []consent.CategoryID{consent.Essential}},
		{consent.Custom, []consent.CategoryID{consent.Essential, consent.Analytics}},
	}
	for _, tt := range tests {
		t.Run(string(tt.method), func(t *testing.T) {
			c := &consent.Consent{ID: "abc", PolicyVersion: "1", Method: tt.method, Granted: tt.granted, Given: now, Updated: now}
			assert.True(t, c.Decided())
			for _, id := range consent.DefaultPolicy().RefusableCategories() {
				want := false
				for _, g := range tt.granted {
					want = want || g == id
				}
				assert.Equal(t, want, c.Allowed(id), "%s", id)
			}
		})
	}
}

func TestFromContextWithoutMiddleware(t *testing.T) {
	for name, ctx := range map[string]context.Context{
		"background":  context.Background(),
		"other value": context.WithValue(context.Background(), struct{ k string }{"consent"}, &consent.Consent{Method: consent.AcceptAll}),
		"nil consent": consent.NewContext(context.Background(), nil),
	} {
		t.Run(name, func(t *testing.T) {
			c := consent.FromContext(ctx)
			require.NotNil(t, c)
			assert.False(t, c.Decided())
			assert.False(t, c.Allowed(consent.Essential))
			assert.False(t, c.Allowed(consent.Analytics))
		})
	}
}

func TestNewContextRoundTrip(t *testing.T) {
	want := &consent.Consent{
		ID: "0123456789abcdef0123456789abcdef", PolicyVersion: "1", Method: consent.Custom,
		Granted: []consent.CategoryID{consent.Essential, consent.Analytics},
	}
	ctx := consent.NewContext(context.Background(), want)
	got := consent.FromContext(ctx)
	assert.Same(t, want, got)
	assert.True(t, got.Allowed(consent.Analytics))

	// A derived context still carries it; a newer NewContext replaces it.
	child, cancel := context.WithCancel(ctx)
	defer cancel()
	assert.Same(t, want, consent.FromContext(child))
	other := consent.Undecided(consent.DefaultPolicy())
	assert.Same(t, other, consent.FromContext(consent.NewContext(child, other)))
	assert.Same(t, want, consent.FromContext(ctx), "the parent is unchanged")
}
