package middleware

import (
	"cmp"
	"encoding/json"
	"html/template"
	"net/http"
	"slices"
	"strings"
	"time"
)

// InventoryHandler serves the Inventory: as an HTML page with tables sorted
// by the column a link names (no JavaScript), as JSON with ?format=json or
// an Accept header preferring application/json, and as a drafted policy
// file (see Inventory.DraftYAML) with ?format=policy. It lists the cookies
// and hosts of the site, so it is never mounted by Handler: mount it behind
// the site's own authentication, e.g.
//
//	admin.Handle("/admin/consent-inventory", requireStaff(mw.InventoryHandler()))
//
// Responses are never cached. Methods other than GET and HEAD get 405.
func (m *Middleware) InventoryHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Robots-Tag", "noindex")
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			h.Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		inv := m.Inventory()
		format := r.URL.Query().Get("format")
		if format == "" && prefersJSON(r.Header.Get("Accept")) {
			format = "json"
		}
		switch format {
		case "json":
			h.Set("Content-Type", "application/json")
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			_ = enc.Encode(inv)
		case "policy":
			draft, err := inv.DraftYAML(m.policy)
			if err != nil {
				m.log.Error("consent: drafting the policy failed", "error", err)
				http.Error(w, "drafting the policy failed", http.StatusInternalServerError)
				return
			}
			h.Set("Content-Type", "application/yaml; charset=utf-8")
			h.Set("Content-Disposition", `attachment; filename="policy-draft.yaml"`)
			_, _ = w.Write(draft)
		case "", "html":
			q := r.URL.Query()
			sortBy(inv.Cookies, q.Get("cookies"), cookieColumns)
			sortBy(inv.Hosts, q.Get("hosts"), hostColumns)
			sortBy(inv.CSPReports, q.Get("csp"), cspColumns)
			slices.SortStableFunc(inv.Pages, func(a, b PageReport) int { return cmp.Compare(b.Views, a.Views) })
			h.Set("Content-Type", "text/html; charset=utf-8")
			h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
			if err := inventoryPage.Execute(w, inventoryView{Inventory: inv, Now: m.now(),
				Caps: [5]int{MaxInventoryCookies, MaxInventoryHosts, MaxInventoryPages, MaxPageActions, MaxInventoryCSPReports}}); err != nil {
				m.log.Debug("consent: writing the inventory page failed", "error", err)
			}
		default:
			http.Error(w, `format must be "html", "json" or "policy"`, http.StatusBadRequest)
		}
	})
}

// prefersJSON reports whether an Accept header asks for JSON before HTML.
func prefersJSON(accept string) bool {
	j, html := strings.Index(accept, "application/json"), strings.Index(accept, "text/html")
	return j >= 0 && (html < 0 || j < html)
}

// sortBy sorts xs stably by the column by names, descending when it starts
// with '-'; an unknown column keeps the snapshot's order (by name).
func sortBy[T any](xs []T, by string, columns map[string]func(a, b T) int) {
	f := columns[strings.TrimPrefix(by, "-")]
	if f == nil {
		return
	}
	if strings.HasPrefix(by, "-") {
		slices.SortStableFunc(xs, func(a, b T) int { return f(b, a) })
		return
	}
	slices.SortStableFunc(xs, f)
}

var cookieColumns = map[string]func(a, b SeenCookie) int{
	"category": func(a, b SeenCookie) int { return strings.Compare(a.Category, b.Category) },
	"count":    func(a, b SeenCookie) int { return cmp.Compare(a.Count, b.Count) },
	"removed":  func(a, b SeenCookie) int { return cmp.Compare(a.Removed, b.Removed) },
	"last":     func(a, b SeenCookie) int { return a.LastSeen.Compare(b.LastSeen) },
}

var hostColumns = map[string]func(a, b SeenHost) int{
	"kind":     func(a, b SeenHost) int { return strings.Compare(a.Kind, b.Kind) },
	"category": func(a, b SeenHost) int { return strings.Compare(a.Category, b.Category) },
	"count":    func(a, b SeenHost) int { return cmp.Compare(a.Count, b.Count) },
	"removed":  func(a, b SeenHost) int { return cmp.Compare(a.Removed, b.Removed) },
	"last":     func(a, b SeenHost) int { return a.LastSeen.Compare(b.LastSeen) },
}

var cspColumns = map[string]func(a, b SeenCSPReport) int{
	"directive":   func(a, b SeenCSPReport) int { return strings.Compare(a.Directive, b.Directive) },
	"category":    func(a, b SeenCSPReport) int { return strings.Compare(a.Category, b.Category) },
	"disposition": func(a, b SeenCSPReport) int { return strings.Compare(a.Disposition, b.Disposition) },
	"count":       func(a, b SeenCSPReport) int { return cmp.Compare(a.Count, b.Count) },
	"last":        func(a, b SeenCSPReport) int { return a.LastSeen.Compare(b.LastSeen) },
}

type inventoryView struct {
	*Inventory
	Now  time.Time
	Caps [5]int
}

func undeclared(category string) bool {
	return category == Undeclared || category == UndeclaredBeacon || category == reservedCookie
}

var inventoryPage = template.Must(template.New("inventory").Funcs(template.FuncMap{
	"undeclared": undeclared,
	"when":       func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05Z") },
	"lifetime": func(s int) string {
		switch {
		case s == 0:
			return "session"
		case s < 0:
			return "deletes"
		}
		return (time.Duration(s) * time.Second).String()
	},
	"join": func(s []string) string { return strings.Join(s, " ") },
}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Consent inventory</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:1.5rem;color:#222}
table{border-collapse:collapse;margin:0 0 2rem;width:100%}
th,td{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
th a{color:inherit}
tr.undeclared td{background:#fff4e5}
.flag{font-weight:600;color:#a34700}
.note{background:#fdecea;padding:.5rem 1rem}
code{font-size:13px}
</style></head>
<body>
<h1>Consent inventory</h1>
<p>Seen since {{when .Since}}, as of {{when .Now}}.{{if .ReportOnly}} <strong>Report-only mode:</strong> nothing was removed; “removed” counts what would have been.{{end}}</p>
<p><a href="?format=policy">Download a drafted policy</a> (YAML: every cookie and host seen, and every host browsers reported; those of the catalog's vendors named under <code>catalog.uses</code>, undeclared ones under the category “undecided”, which you must resolve) · <a href="?format=json">JSON</a></p>
{{with .Dropped}}{{if .Total}}<p class="note">The inventory reached a cap and did not record: {{.Cookies}} cookies, {{.Hosts}} hosts, {{.Pages}} pages, {{.Actions}} page actions, {{.CSPReports}} CSP reports (caps: {{index $.Caps 0}} cookie names, {{index $.Caps 1}} hosts, {{index $.Caps 2}} pages, {{index $.Caps 3}} actions per page, {{index $.Caps 4}} CSP report entries).</p>{{end}}{{end}}

<h2>Cookies ({{len .Cookies}})</h2>
<table><thead><tr>
<th><a href="?cookies=name">Name</a></th><th>Provider</th><th><a href="?cookies=category">Category</a></th><th>Lifetime</th><th>Domain · Path</th><th>Flags</th>
<th><a href="?cookies=-count">Seen</a></th><th><a href="?cookies=-removed">Removed</a></th><th>First seen</th><th><a href="?cookies=-last">Last seen</a></th><th>Example pages</th>
</tr></thead><tbody>
{{range .Cookies}}<tr{{if undeclared .Category}} class="undeclared"{{end}}>
<td><code>{{.Name}}</code></td><td>{{.Provider}}{{with .Vendor}} <small>(catalog: <code>{{.}}</code>)</small>{{end}}</td><td>{{if undeclared .Category}}<span class="flag">{{.Category}}</span>{{else}}{{.Category}}{{end}}</td>
<td>{{lifetime .MaxAge}}</td><td>{{.Domain}} {{.Path}}</td>
<td>{{if .Secure}}Secure {{end}}{{if .HttpOnly}}HttpOnly {{end}}{{with .SameSite}}SameSite={{.}}{{end}}</td>
<td>{{.Count}}</td><td>{{.Removed}}</td><td>{{when .FirstSeen}}</td><td>{{when .LastSeen}}</td><td>{{join .Paths}}</td>
</tr>{{else}}<tr><td colspan="11">No Set-Cookie seen yet.</td></tr>{{end}}
</tbody></table>

<h2>Third-party hosts ({{len .Hosts}})</h2>
<table><thead><tr>
<th><a href="?hosts=name">Host</a></th><th><a href="?hosts=kind">Tag</a></th><th>Tracker</th><th><a href="?hosts=category">Category</a></th>
<th><a href="?hosts=-count">Seen</a></th><th><a href="?hosts=-removed">Removed</a></th><th>First seen</th><th><a href="?hosts=-last">Last seen</a></th><th>Example pages</th>
</tr></thead><tbody>
{{range .Hosts}}<tr{{if undeclared .Category}} class="undeclared"{{end}}>
<td><code>{{.Host}}</code></td><td>{{.Kind}}</td><td>{{.Tracker}}{{with .Vendor}} <small>(catalog: <code>{{.}}</code>)</small>{{end}}</td><td>{{if undeclared .Category}}<span class="flag">{{.Category}}</span>{{else}}{{.Category}}{{end}}</td>
<td>{{.Count}}</td><td>{{.Removed}}</td><td>{{when .FirstSeen}}</td><td>{{when .LastSeen}}</td><td>{{join .Paths}}</td>
</tr>{{else}}<tr><td colspan="9">No third-party tag seen yet.</td></tr>{{end}}
</tbody></table>

<h2>Reported by browsers: loads the Content-Security-Policy blocked ({{len .CSPReports}})</h2>
<p>What visitors' browsers reported to the policy header's report endpoint: every host a page contacted that the header does not allow, including what scripts load at run time. Under a report-only header (disposition “report”) the load went ahead.</p>
<table><thead><tr>
<th><a href="?csp=name">Blocked</a></th><th><a href="?csp=directive">Directive</a></th><th>Tracker</th><th><a href="?csp=category">Category</a></th><th><a href="?csp=disposition">Disposition</a></th>
<th><a href="?csp=-count">Reports</a></th><th>First seen</th><th><a href="?csp=-last">Last seen</a></th><th>Example pages</th>
</tr></thead><tbody>
{{range .CSPReports}}<tr{{if not (or .Tracker .Keyword)}} class="undeclared"{{end}}>
<td>{{if .Keyword}}<em>{{.Host}}</em>{{else}}<code>{{.Host}}</code>{{end}}</td><td>{{.Directive}}</td><td>{{.Tracker}}</td><td>{{if .Tracker}}{{.Category}}{{else if not .Keyword}}<span class="flag">undeclared</span>{{end}}</td><td>{{.Disposition}}</td>
<td>{{.Count}}</td><td>{{when .FirstSeen}}</td><td>{{when .LastSeen}}</td><td>{{join .Paths}}</td>
</tr>{{else}}<tr><td colspan="9">No CSP report received yet. Browsers send them in CSP report and enforce modes; Chromium only from HTTPS pages, batched for up to a minute.</td></tr>{{end}}
</tbody></table>

<h2>{{if .ReportOnly}}Would have removed{{else}}Removed{{end}}, per page ({{len .Pages}})</h2>
<table><thead><tr><th>Page</th><th>Views</th><th>What</th></tr></thead><tbody>
{{range .Pages}}<tr><td><code>{{.Path}}</code></td><td>{{.Views}}</td><td>{{range .Actions}}{{.What}} <code>{{.Name}}</code> ({{.Category}}{{if .Deferred}}, deferred{{end}}) ×{{.Count}}<br>{{end}}</td></tr>
{{else}}<tr><td colspan="3">Nothing removed yet.</td></tr>{{end}}
</tbody></table>
</body></html>
`))
