package middleware

import (
	"encoding/json"
	"net/http"
	"slices"
	"time"

	"github.com/consentgate/consent"
)

// GPCPath is where GPC support is declared (GPC spec, section "Well-known
// resource"); the middleware serves it when the GPC option is on.
const GPCPath = "/.well-known/gpc.json"

// gpcSignal reports whether the request carries a Global Privacy Control
// signal: the spec defines only the exact value "1".
func gpcSignal(r *http.Request) bool {
	v := r.Header["Sec-Gpc"]
	return len(v) == 1 && v[0] == "1"
}

// applyGPC refuses the policy's sale-or-sharing categories.
func (m *Middleware) applyGPC(v *consent.Consent) {
	before := len(v.Granted)
	v.Granted = slices.DeleteFunc(slices.Clone(v.Granted), func(id consent.CategoryID) bool {
		c, _ := m.policy.Category(id)
		return c.SaleOrSharing
	})
	v.GPC = before != len(v.Granted) || !v.Decided()
}

func (m *Middleware) serveGPC(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	doc := struct {
		GPC        bool   `json:"gpc"`
		LastUpdate string `json:"lastUpdate,omitempty"`
	}{GPC: true}
	if t := m.policy.LastUpdated(); !t.IsZero() {
		doc.LastUpdate = t.Format(time.DateOnly)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "max-age=86400")
	if r.Method == http.MethodHead {
		return
	}
	_ = json.NewEncoder(w).Encode(doc)
}
