package middleware

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/consentgate/consent"
	"github.com/consentgate/consent/banner"
	"github.com/consentgate/consent/store"
)

// The form actions of POST {prefix}.
const (
	actionAcceptAll = "accept-all"
	actionRejectAll = "reject-all"
	actionSave      = "save"
)

func (m *Middleware) serveEndpoint(w http.ResponseWriter, r *http.Request) {
	if name, ok := strings.CutPrefix(r.URL.Path, m.prefix+"/assets/"); ok {
		serveAsset(w, r, name)
		return
	}
	if r.URL.Path == m.prefix+CSPReportPath {
		m.serveCSPReport(w, r)
		return
	}
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	addVary(h, "Cookie")
	if r.URL.Path == GPCPath {
		m.serveGPC(w, r)
		return
	}
	switch strings.TrimPrefix(r.URL.Path, m.prefix) {
	case "", "/":
		switch r.Method {
		case http.MethodPost:
			m.serveDecision(w, r)
		case http.MethodGet, http.MethodHead:
			m.serveState(w, r)
		default:
			methodNotAllowed(w, "GET, HEAD, POST")
		}
	case "/preferences":
		m.servePage(w, r, m.pages.Preferences)
	case "/policy":
		m.servePage(w, r, m.pages.Policy)
	case "/policy/changes":
		from, to := r.URL.Query().Get("from"), r.URL.Query().Get("to")
		m.servePage(w, r, func(buf *bytes.Buffer, d banner.PageData) error { return m.pages.Changes(buf, d, from, to) })
	default:
		http.NotFound(w, r)
	}
}

func methodNotAllowed(w http.ResponseWriter, allow string) {
	w.Header().Set("Allow", allow)
	http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
}

// stateJSON is the visitor's consent as GET {prefix} and JSON POSTs answer.
type stateJSON struct {
	Decided       bool             `json:"decided"`
	PolicyVersion string           `json:"policyVersion"`
	Consent       *consent.Consent `json:"consent"`
	Categories    []categoryJSON   `json:"categories"`
	// Texts are the banner script's texts in the visitor's language.
	Texts map[string]string `json:"texts"`
	// ConsentMode is the Google Consent Mode update for this consent, when
	// GoogleConsentMode is on.
	ConsentMode map[string]string `json:"consentMode,omitempty"`
	// Reload tells the banner script to reload the page: the choice grants
	// trackers that the page's enforced Content-Security-Policy refuses,
	// and only a new response brings the new policy.
	Reload bool `json:"reload,omitempty"`
}

type categoryJSON struct {
	ID          consent.CategoryID `json:"id"`
	Name        string             `json:"name"`
	Description string             `json:"description,omitempty"`
	Required    bool               `json:"required"`
	Granted     bool               `json:"granted"`
}

// The texts the banner script needs to build the preferences dialog, by
// their JSON names.
var scriptTexts = map[string]string{
	"title": "prefs.title", "save": "prefs.save", "always_on": "prefs.always_on", "close": "prefs.close",
	"accept_all": "banner.accept_all", "reject_all": "banner.reject_all", "settings": "banner.settings", "saved": "banner.saved",
}

func (m *Middleware) state(r *http.Request, v *consent.Consent) stateJSON {
	s := stateJSON{Decided: v.Decided(), PolicyVersion: m.policy.Version, Consent: v, Texts: map[string]string{}}
	for _, c := range m.policy.Categories {
		s.Categories = append(s.Categories, categoryJSON{ID: c.ID, Name: c.Name, Description: c.Description, Required: c.Required, Granted: v.Allowed(c.ID)})
	}
	texts := m.catalog.Texts(m.catalog.Pick(r.Header.Get("Accept-Language")))
	for k, id := range scriptTexts {
		s.Texts[k] = texts.T(id)
	}
	s.Texts["lang"] = texts.Lang()
	if m.consentMode != nil && v.Decided() {
		s.ConsentMode = m.consentMode.state(m.grantedBits(v))
	}
	return s
}

func (m *Middleware) serveState(w http.ResponseWriter, r *http.Request) {
	v, _ := m.visitorConsent(r, nil)
	addVary(w.Header(), "Accept-Language")
	writeJSON(w, r, http.StatusOK, m.state(r, v))
}

// serveAsset serves the banner's stylesheet or script. Their URLs carry a
// content version, so they are cached for good and do not vary.
func serveAsset(w http.ResponseWriter, r *http.Request, name string) {
	body, ctype, ok := banner.Asset(name)
	if !ok {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		methodNotAllowed(w, "GET, HEAD")
		return
	}
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

func writeJSON(w http.ResponseWriter, r *http.Request, status int, body any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(true)
	if err := enc.Encode(body); err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(buf.Bytes())
	}
}

// errBadForm marks a consent form the endpoint refuses.
var errBadForm = errors.New("bad consent form")

// serveDecision records a choice: it sets the consent cookie, expires the
// cookies of refused categories, and redirects back (or answers JSON).
func (m *Middleware) serveDecision(w http.ResponseWriter, r *http.Request) {
	if err := m.cop.Check(r); err != nil {
		http.Error(w, "cross-origin consent request refused", http.StatusForbidden)
		return
	}
	granted, method, err := m.parseDecision(w, r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}

	now := m.now().UTC().Truncate(time.Second)
	v := &consent.Consent{
		PolicyVersion: m.policy.Version,
		Granted:       granted,
		Method:        method,
		Given:         now,
		Updated:       now,
	}
	withdrawn := false
	prevGranted := m.required
	if prev, _, err := m.codec.Decode(r, m.policy); err == nil {
		v.ID, v.Given = prev.ID, prev.Given
		withdrawn = method == consent.RejectAll && grantsBeyond(prev.Granted, m.required)
		prevGranted = prev.Granted
	} else {
		v.ID = newConsentID(r)
	}
	cookie, err := m.codec.Encode(m.policy, v)
	if err != nil {
		m.log.Error("consent: cannot encode the consent cookie", "error", err)
		http.Error(w, "cannot record consent", http.StatusInternalServerError)
		return
	}
	gpcRefuses := m.gpc && gpcSignal(r) && v.Method != consent.Custom
	// The proof goes first: a visitor must not hold a cookie the site
	// cannot show was given.
	if m.ledger != nil && !m.record(w, r, v, withdrawn, gpcRefuses) {
		return
	}
	h := w.Header()
	if m.codec.Duplicated(r) {
		m.clearTossed(h, r)
	}
	h.Add("Set-Cookie", cookie.String())
	if gpcRefuses {
		m.applyGPC(v) // what this request may do; the cookie keeps the choice as made
	}
	m.expireRefused(h, r, v, true)
	m.countDecision(method, withdrawn, gpcRefuses)

	if wantsJSON(r) {
		s := m.state(r, v)
		s.Reload = m.cspReloads(prevGranted, v.Granted)
		writeJSON(w, r, http.StatusOK, s)
		return
	}
	h.Set("Location", SafeReturn(r.PostFormValue("return")))
	w.WriteHeader(http.StatusSeeOther)
}

// formReadTimeout bounds the time to read a consent form's body.
const formReadTimeout = 10 * time.Second

// limitFormTime bounds the time to read the form: a form of a few hundred
// bytes needs no more, and a client trickling it must not hold the
// connection for the server's whole read timeout (or forever, without one).
// A deadline replaces the server's, so it is set only where it comes first:
// with no server read timeout, or one longer than the header timeout plus
// the form's. Writers that cannot set deadlines (recorders) are left alone.
func (m *Middleware) limitFormTime(w http.ResponseWriter, r *http.Request) {
	if srv, ok := r.Context().Value(http.ServerContextKey).(*http.Server); ok && srv.ReadTimeout > 0 &&
		(srv.ReadHeaderTimeout <= 0 || srv.ReadTimeout <= srv.ReadHeaderTimeout+m.formTimeout) {
		return
	}
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(m.formTimeout))
}

// parseDecision reads and checks the consent form. Unknown actions and
// categories, repeated actions and oversized bodies are errors; required
// categories may be named and are granted anyway.
func (m *Middleware) parseDecision(w http.ResponseWriter, r *http.Request) ([]consent.CategoryID, consent.Method, error) {
	m.limitFormTime(w, r)
	r.Body = http.MaxBytesReader(w, r.Body, m.maxForm)
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var err error
	switch ct {
	case "application/x-www-form-urlencoded", "":
		err = r.ParseForm()
	case "multipart/form-data":
		err = r.ParseMultipartForm(m.maxForm)
	default:
		return nil, "", fmt.Errorf("%w: content type %q: send a form", errBadForm, ct)
	}
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, "", fmt.Errorf("%w: body larger than %d bytes", errBadForm, m.maxForm)
		}
		return nil, "", fmt.Errorf("%w: unreadable form", errBadForm)
	}
	actions := r.PostForm["action"]
	if len(actions) != 1 {
		return nil, "", fmt.Errorf("%w: want exactly one action (accept-all, reject-all or save)", errBadForm)
	}
	var picked []consent.CategoryID
	for _, id := range r.PostForm["category"] {
		if _, ok := m.policy.Category(consent.CategoryID(id)); !ok {
			return nil, "", fmt.Errorf("%w: unknown category %q", errBadForm, truncate(id, 40))
		}
		picked = append(picked, consent.CategoryID(id))
	}
	switch actions[0] {
	case actionAcceptAll:
		return store.Grants(m.policy, m.policy.RefusableCategories()), consent.AcceptAll, nil
	case actionRejectAll:
		return store.Grants(m.policy, nil), consent.RejectAll, nil
	case actionSave:
		return store.Grants(m.policy, picked), consent.Custom, nil
	default:
		return nil, "", fmt.Errorf("%w: unknown action %q", errBadForm, truncate(actions[0], 40))
	}
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// wantsJSON reports whether the client asked for JSON (the banner's script
// does; a plain form post does not).
func wantsJSON(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept") {
		for part := range strings.SplitSeq(v, ",") {
			mt, params, _ := strings.Cut(part, ";")
			if strings.EqualFold(strings.TrimSpace(mt), "application/json") && !refused(params) {
				return true
			}
		}
	}
	return false
}

// refused reports whether media-type parameters carry q=0.
func refused(params string) bool {
	for p := range strings.SplitSeq(params, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		if strings.EqualFold(k, "q") {
			q, err := strconv.ParseFloat(v, 64)
			return err == nil && q == 0
		}
	}
	return false
}

// maxReturnBytes bounds the return path.
const maxReturnBytes = 2048

// SafeReturn returns path when it is a safe place to send the visitor back
// to after a consent form — a rooted path on this site, with no "//" or "\"
// that a browser could read as another host, no scheme and no control
// characters — and "/" otherwise.
func SafeReturn(path string) string {
	if len(path) == 0 || len(path) > maxReturnBytes || path[0] != '/' {
		return "/"
	}
	if len(path) > 1 && (path[1] == '/' || path[1] == '\\') {
		return "/"
	}
	for i := 0; i < len(path); i++ {
		if c := path[i]; c < 0x20 || c == 0x7f || c == '\\' {
			return "/"
		}
	}
	return path
}

// servePage renders one of the endpoint's HTML pages for the visitor.
func (m *Middleware) servePage(w http.ResponseWriter, r *http.Request, render func(*bytes.Buffer, banner.PageData) error) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		methodNotAllowed(w, "GET, HEAD")
		return
	}
	v, _ := m.visitorConsent(r, nil)
	var buf bytes.Buffer
	texts := m.catalog.Texts(m.catalog.Pick(r.Header.Get("Accept-Language")))
	data := banner.PageData{Consent: v, Prefix: m.prefix, Return: SafeReturn(r.URL.Query().Get("return")), Texts: texts}
	if err := render(&buf, data); errors.Is(err, banner.ErrUnknownVersion) {
		http.NotFound(w, r)
		return
	} else if err != nil {
		m.log.Error("consent: cannot render page", "path", r.URL.Path, "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", texts.Lang())
	// No other origin may frame a page whose buttons record consent, not
	// even a sibling subdomain (same-site, so SameSite=Lax cookies would
	// go with it): one click on a disguised frame would be a decision.
	w.Header().Add("Content-Security-Policy", "frame-ancestors 'self'")
	w.Header().Set("X-Frame-Options", "SAMEORIGIN") // for browsers without CSP level 2
	addVary(w.Header(), "Accept-Language")
	if m.csp != nil {
		m.csp.add(w.Header(), m.grantedBits(v), secureRequest(r))
	}
	if r.Method != http.MethodHead {
		_, _ = w.Write(buf.Bytes())
	}
}

// grantsBeyond reports whether granted holds a category not in required: a
// visitor who rejects all after that withdraws consent (Art. 7(3)).
func grantsBeyond(granted, required []consent.CategoryID) bool {
	for _, id := range granted {
		if !slices.Contains(required, id) {
			return true
		}
	}
	return false
}

// record writes the decision to the ledger and reports whether it is
// durable. When it is not, it answers 503 (no cookie is set) or, when the
// client has gone, nothing.
func (m *Middleware) record(w http.ResponseWriter, r *http.Request, v *consent.Consent, withdrawn, gpcRefuses bool) bool {
	action := store.ActionFor(v.Method)
	if withdrawn {
		action = store.ActionWithdraw
	}
	lang := m.catalog.Texts(m.catalog.Pick(r.Header.Get("Accept-Language"))).Lang()
	rec := store.NewRecord(r, m.policy, v, action, lang, m.pseudo)
	rec.GPC = gpcRefuses
	start := time.Now()
	err := m.ledger.Record(r.Context(), rec)
	m.observeLedger(time.Since(start))
	if err != nil && r.Context().Err() == nil {
		m.stats.ledgerErrors.Add(1)
	}
	switch {
	case err == nil:
		return true
	case r.Context().Err() != nil:
		return false // the visitor left; nothing to answer
	case errors.Is(err, store.ErrIdempotencyConflict):
		// A client bug or a replay, not an outage: retrying cannot help.
		http.Error(w, "Idempotency-Key already used for a different decision", http.StatusUnprocessableEntity)
	case errors.Is(err, store.ErrLedgerUnavailable):
		m.log.Error("consent: the ledger cannot record consent: answering 503", "error", err)
		w.Header().Set("Retry-After", "5")
		if wantsJSON(r) {
			writeJSON(w, r, http.StatusServiceUnavailable, map[string]string{"error": "consent cannot be recorded right now: try again"})
		} else {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, unavailablePage)
		}
	default:
		m.log.Error("consent: the ledger refused a record", "error", err)
		http.Error(w, "cannot record consent", http.StatusInternalServerError)
	}
	return false
}

// unavailablePage is the answer when the ledger is down: short, no script,
// and nothing was changed.
const unavailablePage = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Try again</title></head>
<body><main><h1>Your choice could not be saved</h1><p>We could not record your cookie choice just now, so nothing was changed. Please go back and try again in a moment.</p></main></body></html>
`

// newConsentID names a new decision. A retried POST (same Idempotency-Key,
// the first answer lost with its cookie) gets the same ID on any instance,
// so that the ledger keeps one record of it; the ID is derived from the key,
// which only the client knows.
func newConsentID(r *http.Request) string {
	k := r.Header.Get("Idempotency-Key")
	if k == "" || len(k) > 256 {
		return store.NewID()
	}
	sum := sha256.Sum256([]byte("consentgate consent ID\x00" + k))
	return hex.EncodeToString(sum[:16])
}
