package sqlite_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/consentgate/consent"
	"github.com/consentgate/consent/store"
	"github.com/consentgate/consent/store/sqlite"
)

func ExampleOpen() {
	dir, err := os.MkdirTemp("", "ledger")
	if err != nil {
		panic(err)
	}
	defer func() { _ = os.RemoveAll(dir) }()

	ctx := context.Background()
	ledger, err := sqlite.Open(ctx, "sqlite://"+filepath.Join(dir, "ledger.db"))
	if err != nil {
		panic(err)
	}
	defer func() { _ = ledger.Close() }()

	// What the consent endpoint does with a decision it accepted, before it
	// sets the cookie.
	p := consent.DefaultPolicy()
	form := url.Values{"action": {"save"}, "category": {"analytics"}, "return": {"/pricing?ref=mail"}}
	r := httptest.NewRequest("POST", "/consent", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("User-Agent", "Mozilla/5.0")
	r.RemoteAddr = "198.51.100.77:40000"
	_ = r.ParseForm()
	now := time.Date(2026, time.December, 1, 12, 0, 0, 0, time.UTC)
	v := &consent.Consent{
		ID: store.NewID(), PolicyVersion: p.Version, Method: consent.Custom,
		Granted: store.Grants(p, []consent.CategoryID{consent.Analytics}), Given: now, Updated: now,
	}
	if err := ledger.Record(ctx, store.NewRecord(r, p, v, store.ActionFor(v.Method), "en", nil)); err != nil {
		panic(err) // the endpoint answers 503 and sets no cookie
	}

	history, err := ledger.Lookup(ctx, v.ID)
	if err != nil {
		panic(err)
	}
	for _, rec := range history {
		fmt.Println(rec.Time, rec.Action, rec.Channel, rec.Granted, rec.Refused)
		fmt.Println(rec.IP, rec.Path, rec.UserAgentHash[:16])
	}
	// Output:
	// 2026-12-01 12:00:00 +0000 UTC custom form [essential analytics] [functionality targeting tracking optimization partner]
	// 198.51.100.0/24 /pricing 1066b48224bb188c
}
