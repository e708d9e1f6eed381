package middleware

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// The report endpoint's limits. A browser's report is well under 2 KiB
// (its largest field is the policy it violated), and Chromium uploads what
// it gathered in up to a minute (the browser test's vector pages queue
// about 40), so a real browser's request fits, where 32 would not always;
// anything larger is refused whole, before it is parsed.
const (
	// MaxCSPReportBytes bounds one report: an application/csp-report
	// body, or one element of an application/reports+json array.
	MaxCSPReportBytes = 8 << 10
	// MaxCSPReportsPerRequest bounds the reports of one
	// application/reports+json request.
	MaxCSPReportsPerRequest = 100
	// MaxCSPReportBody bounds an application/reports+json body.
	MaxCSPReportBody = 256 << 10
)

// The media types of the two ways browsers send CSP reports.
const (
	// ctCSPReport is report-uri's: one {"csp-report": {…}} per request.
	ctCSPReport = "application/csp-report"
	// ctReports is the Reporting API's (report-to): a JSON array of
	// reports of any type, of which only "csp-violation" is read.
	ctReports = "application/reports+json"
)

// errCSPReport marks a report body the endpoint refuses.
var errCSPReport = errors.New("bad CSP report")

// cspViolation is one CSP violation report, as read from either format.
type cspViolation struct {
	documentURL string
	blockedURL  string
	directive   string // effective directive, else the violated one
	disposition string
}

// serveCSPReport takes the CSP violation reports browsers send to
// Prefix+CSPReportPath and feeds them to the inventory. With CSP(CSPOff)
// nothing sends any, and the path is not found. It needs no consent cookie and never changes
// consent or the ledger, so unlike the consent form it is open to
// cross-origin POSTs: browsers send reports without an Origin they
// promise, from frames and workers of other origins too. Whatever arrives
// costs at most MaxCSPReportBody of memory, and the inventory's caps bound
// what is kept.
func (m *Middleware) serveCSPReport(w http.ResponseWriter, r *http.Request) {
	if m.csp == nil {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	if r.Method != http.MethodPost {
		m.stats.cspRefused.Add(1)
		methodNotAllowed(w, "POST")
		return
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	limit := int64(MaxCSPReportBody)
	switch mt {
	case ctCSPReport:
		limit = MaxCSPReportBytes
	case ctReports:
	default:
		m.stats.cspRefused.Add(1)
		h.Set("Accept-Post", ctCSPReport+", "+ctReports)
		http.Error(w, fmt.Sprintf("content type %q: send %s or %s", truncate(mt, 40), ctCSPReport, ctReports), http.StatusUnsupportedMediaType)
		return
	}
	m.limitFormTime(w, r)
	buf := reportBufs.Get().(*reportBuf)
	defer buf.release()
	_, err := buf.body.ReadFrom(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		m.stats.cspRefused.Add(1)
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, fmt.Sprintf("%v: body larger than %d bytes", errCSPReport, limit), http.StatusBadRequest)
		} else {
			http.Error(w, fmt.Sprintf("%v: unreadable body", errCSPReport), http.StatusBadRequest)
		}
		return
	}
	buf.reports, err = parseCSPReports(mt, buf.body.Bytes(), buf.reports[:0])
	if err != nil {
		m.stats.cspRefused.Add(1)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	m.recordCSPReports(buf.reports)
	m.stats.cspAccepted.Add(1)
	w.WriteHeader(http.StatusNoContent)
}

// reportBuf is one request's memory, pooled: at this endpoint's rate a
// fresh 256 KiB-capable buffer per request would be most of its garbage.
type reportBuf struct {
	body    bytes.Buffer
	reports []cspViolation
}

var reportBufs = sync.Pool{New: func() any { return new(reportBuf) }}

func (b *reportBuf) release() {
	if b.body.Cap() > 64<<10 {
		return // a rare large body is not kept for every later request
	}
	b.body.Reset()
	clear(b.reports)
	b.reports = b.reports[:0]
	reportBufs.Put(b)
}

// parseCSPReports appends the CSP violations of a report body of media
// type ct (ctCSPReport or ctReports) to dst. Reports of other types in a
// Reporting API array are skipped. A body that is not exactly what the
// format says, holds a report over MaxCSPReportBytes or more than
// MaxCSPReportsPerRequest reports is an error wrapping errCSPReport, and
// nothing of it is returned.
func parseCSPReports(ct string, body []byte, dst []cspViolation) ([]cspViolation, error) {
	start := len(dst)
	switch ct {
	case ctCSPReport:
		if len(body) > MaxCSPReportBytes {
			return dst, fmt.Errorf("%w: report larger than %d bytes", errCSPReport, MaxCSPReportBytes)
		}
		var doc struct {
			Report *reportURIBody `json:"csp-report"`
		}
		if err := json.Unmarshal(body, &doc); err != nil || doc.Report == nil {
			return dst, fmt.Errorf(`%w: want a JSON object {"csp-report": {…}}`, errCSPReport)
		}
		v, err := doc.Report.violation()
		if err != nil {
			return dst, err
		}
		return append(dst, v), nil
	case ctReports:
		dec := json.NewDecoder(bytes.NewReader(body))
		if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
			return dst, fmt.Errorf("%w: want a JSON array of reports", errCSPReport)
		}
		for n := 0; dec.More(); n++ {
			if n == MaxCSPReportsPerRequest {
				return dst[:start], fmt.Errorf("%w: more than %d reports", errCSPReport, MaxCSPReportsPerRequest)
			}
			var e reportingEntry
			if err := dec.Decode(&e); err != nil {
				if errors.Is(err, errCSPReport) {
					return dst[:start], err
				}
				return dst[:start], fmt.Errorf("%w: report %d: malformed", errCSPReport, n)
			}
			if e.csp {
				dst = append(dst, e.v)
			}
		}
		if tok, err := dec.Token(); err != nil || tok != json.Delim(']') {
			return dst[:start], fmt.Errorf("%w: want a JSON array of reports", errCSPReport)
		}
		if _, err := dec.Token(); err != io.EOF {
			return dst[:start], fmt.Errorf("%w: data after the array", errCSPReport)
		}
		return dst, nil
	}
	return dst, fmt.Errorf("%w: content type %q", errCSPReport, ct)
}

// reportURIBody is the object of a report-uri report (CSP Level 2 names).
type reportURIBody struct {
	DocumentURI        string `json:"document-uri"`
	BlockedURI         string `json:"blocked-uri"`
	EffectiveDirective string `json:"effective-directive"`
	ViolatedDirective  string `json:"violated-directive"`
	Disposition        string `json:"disposition"`
}

func (b *reportURIBody) violation() (cspViolation, error) {
	return newViolation(b.DocumentURI, b.BlockedURI, b.EffectiveDirective, b.ViolatedDirective, b.Disposition)
}

// reportingEntry is one element of a Reporting API array.
type reportingEntry struct {
	csp bool // a csp-violation report; others are skipped
	v   cspViolation
}

// UnmarshalJSON reads one report of the array, refusing one larger than
// MaxCSPReportBytes before decoding it.
func (e *reportingEntry) UnmarshalJSON(b []byte) error {
	if len(b) > MaxCSPReportBytes {
		return fmt.Errorf("%w: a report larger than %d bytes", errCSPReport, MaxCSPReportBytes)
	}
	if len(b) == 0 || b[0] != '{' {
		return fmt.Errorf("%w: a report that is not a JSON object", errCSPReport)
	}
	var r struct {
		Type string `json:"type"`
		URL  string `json:"url"`
		Body *struct {
			DocumentURL        string `json:"documentURL"`
			BlockedURL         string `json:"blockedURL"`
			EffectiveDirective string `json:"effectiveDirective"`
			Disposition        string `json:"disposition"`
		} `json:"body"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return err
	}
	if r.Type != "csp-violation" {
		return nil
	}
	if r.Body == nil {
		return fmt.Errorf("%w: a csp-violation report without a body", errCSPReport)
	}
	doc := r.Body.DocumentURL
	if doc == "" {
		doc = r.URL
	}
	v, err := newViolation(doc, r.Body.BlockedURL, r.Body.EffectiveDirective, "", r.Body.Disposition)
	if err != nil {
		return err
	}
	e.csp, e.v = true, v
	return nil
}

// maxDirectiveBytes bounds a directive name; the longest CSP defines,
// "trusted-types-policy"-like names, are about 25 bytes.
const maxDirectiveBytes = 64

// newViolation checks a report's fields. The directive is the effective
// one, else the name of the violated one (older browsers send
// "img-src 'self'"); it must be a directive name.
func newViolation(doc, blocked, effective, violated, disposition string) (cspViolation, error) {
	d := effective
	if d == "" {
		d, _, _ = strings.Cut(strings.TrimSpace(violated), " ")
	}
	d = strings.ToLower(d)
	if !isDirectiveName(d) {
		return cspViolation{}, fmt.Errorf("%w: directive %q is not a CSP directive name", errCSPReport, truncate(d, 40))
	}
	return cspViolation{documentURL: doc, blockedURL: blocked, directive: d, disposition: disposition}, nil
}

func isDirectiveName(d string) bool {
	if d == "" || len(d) > maxDirectiveBytes {
		return false
	}
	for i := 0; i < len(d); i++ {
		if c := d[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// blockedName is what a report's blocked URL counts under: for a network
// URL (http, https, ws, wss) its host, lowercased and without port, and
// the URL's path (for matching tracker URL patterns); for anything else a
// keyword: the value itself when it is one ("inline", "eval",
// "wasm-eval", "trusted-types-sink", …) or the scheme of a URL that is
// not fetched from a host ("data", "blob", "filesystem"). ok is false for
// a value that is neither (empty, or garbage), which is not recorded.
func blockedName(blocked string) (name, path string, keyword, ok bool) {
	blocked = strings.TrimSpace(blocked)
	if blocked == "" || len(blocked) > MaxCSPReportBytes {
		return "", "", false, false
	}
	scheme, rest, hasColon := strings.Cut(blocked, ":")
	scheme = strings.ToLower(scheme)
	if !hasColon || !isDirectiveName(scheme) {
		if isDirectiveName(strings.ToLower(blocked)) && len(blocked) <= 32 {
			return strings.ToLower(blocked), "", true, true
		}
		return "", "", false, false
	}
	switch scheme {
	case "http", "https", "ws", "wss":
		if !strings.HasPrefix(rest, "//") {
			return "", "", false, false
		}
		u, err := url.Parse(blocked)
		if err != nil {
			return "", "", false, false
		}
		host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
		if host == "" || len(host) > 253 {
			return "", "", false, false
		}
		return host, u.EscapedPath(), false, true
	}
	if len(scheme) > 32 {
		return "", "", false, false
	}
	return scheme, "", true, true
}

// documentPath is the page a report came from: the path of its document's
// URL without the query, or for a document that has none (about:srcdoc,
// a data: frame) its scheme and, for about:, its name.
func documentPath(doc string) string {
	u, err := url.Parse(strings.TrimSpace(doc))
	if err != nil || u.Scheme == "" {
		return "/"
	}
	switch s := strings.ToLower(u.Scheme); s {
	case "http", "https":
		if u.Path == "" {
			return "/"
		}
		return cut(u.Path, maxPathBytes)
	case "about":
		if isDirectiveName(u.Opaque) {
			return "about:" + u.Opaque
		}
		return "about:"
	default:
		if isDirectiveName(s) && len(s) <= 32 {
			return s + ":"
		}
		return "/"
	}
}
