package site

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/consentgate/consent"
	"github.com/consentgate/consent/consenttest"
	"github.com/stretchr/testify/require"
)

// The demo's pages hold nothing a visitor did not allow, whatever they
// chose: no fake tracker's tag, no undeclared beacon, no cookie of a
// refused category.
func TestDemoPagesKeepEachVisitorsChoice(t *testing.T) {
	d, err := New(slog.New(slog.NewTextHandler(io.Discard, nil)), testKeys, false, false, nil)
	require.NoError(t, err)
	t.Cleanup(d.Close)
	paths := []string{"/", "/courses/go-basics", "/signin", "/demo/trackers", "/lang?to=de"}

	// Not vacuous: the pages do carry the fake trackers, for whoever allows them.
	req, err := consenttest.NewRequest(d.Middleware(), consenttest.AcceptAll, "/")
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	d.Handler().ServeHTTP(rec, req)
	for _, host := range []string{"analytics.localhost", "tags.localhost", "ads.localhost"} {
		require.Contains(t, rec.Body.String(), host)
	}

	for _, v := range []consenttest.Visitor{
		consenttest.Undecided, consenttest.RejectAll, consenttest.AcceptAll,
		consenttest.Granting(consent.Analytics), consenttest.Granting(consent.Targeting, consent.Functionality),
	} {
		t.Run(v.String(), func(t *testing.T) {
			consenttest.AssertClean(t, d.Middleware(), d.Handler(), v, paths...)
		})
	}
}
