package site

import "html/template"

// pages are the demo's templates. Each page carries the third-party tags a
// real course site would: the middleware decides which reach the browser.
var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"title":      func(d pageData, t string) pageData { d.Title = t; return d },
	"categories": categories,
}).Parse(`
{{define "top"}}<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} · Gopher Academy (ConsentGate demo)</title>
{{.Tags.Head}}
<style>
body{font:17px/1.55 system-ui,sans-serif;margin:0;color:#1b1b1b;background:#fafafa}
header,main,footer{max-width:52rem;margin:0 auto;padding:1rem}
header{display:flex;flex-wrap:wrap;gap:1rem;align-items:center;border-bottom:1px solid #ddd}
header strong{margin-right:auto}a{color:#1d4ed8}
.card{background:#fff;border:1px solid #ddd;border-radius:.5rem;padding:1rem;margin:0 0 1rem}
.note{background:#fff7e0;border:1px solid #e0c060;border-radius:.5rem;padding:.75rem 1rem}
table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left}
tr.you{background:#e6f4ea}
iframe{max-width:100%;border:0;background:#222}
</style>
</head><body>
<header><strong><a href="/">Gopher Academy</a></strong>
<a href="/courses/go-basics">Courses</a>
{{if .SignedIn}}<span>Signed in</span>{{else}}<a href="/signin">Sign in</a>{{end}}
<span>Language: <a href="/lang?to=en&amp;return={{.Path}}">EN</a> <a href="/lang?to=de&amp;return={{.Path}}">DE</a> <a href="/lang?to=fr&amp;return={{.Path}}">FR</a> ({{.Lang}})</span>
<a href="/demo/trackers">Tracker log</a>
<a href="/demo/ledger">Consent ledger</a>
<a href="/demo/inventory">Inventory</a>
</header>
<main>
<p class="note">{{if .Consent.Decided}}Your cookie choice ({{.Consent.Method}}) grants: {{range .Consent.Granted}}{{.}} {{end}}.{{else}}You have not made a cookie choice: every tracker tag on this page was removed before it reached your browser.{{end}}
See the <a href="/demo/trackers">tracker log</a> for what the fake third parties received, the <a href="/demo/ledger">consent ledger</a> for the record of each choice, the <a href="/demo/inventory">inventory</a> for every cookie and third party the middleware has seen (and a drafted policy), and the <code>Consent-Removed</code> response header for what was taken out.</p>
{{end}}

{{define "bottom"}}</main>
<footer><p><a href="{{.Prefix}}/preferences?return={{.Path}}">Cookie preferences</a> · <a href="{{.Prefix}}/policy">Cookie policy</a> · <button type="button" data-consent-open>Cookie settings</button></p></footer>
{{.Tags.Body}}
</body></html>{{end}}

{{define "home"}}{{template "top" (title . "Courses")}}
<h1>Learn Go, the careful way</h1>
{{range .Data}}<div class="card"><h2><a href="/courses/{{.Slug}}">{{.Title}}</a></h2><p>{{.Summary}}</p><p>{{.Lessons}} lessons</p></div>
{{end}}{{template "bottom" .}}{{end}}

{{define "course"}}{{template "top" (title . .Data.Title)}}
<h1>{{.Data.Title}}</h1>
<p>{{.Data.Summary}}</p>
<h2>Trailer</h2>
{{.Tags.Video}}
<p><a href="/signin">Sign in</a> to enrol.</p>
{{template "bottom" .}}{{end}}

{{define "signin"}}{{template "top" (title . "Sign in")}}
<h1>Sign in</h1>
<form method="post" action="/signin"><p><label>E-mail <input type="email" name="email" autocomplete="email" required></label></p>
<p><label>Password <input type="password" name="password" autocomplete="current-password" required></label></p>
<button type="submit">Sign in</button></form>
<p>Signing in sets the essential <code>session</code> cookie, which needs no consent.</p>
{{template "bottom" .}}{{end}}

{{define "trackers"}}{{template "top" (title . "Tracker log")}}
<h1>What the fake third parties received</h1>
<p>Each fake tracker is a real server on its own port. Every request one received is listed here, newest first.</p>
{{if .Data}}<table><thead><tr><th>Time</th><th>Tracker</th><th>Request</th><th>Cookies it got</th></tr></thead><tbody>
{{range .Data}}<tr><td>{{.Time.Format "15:04:05.000"}}</td><td>{{.Tracker}}</td><td><code>{{.Method}} {{.Path}}</code></td><td>{{.Cookies}}</td></tr>
{{end}}</tbody></table>{{else}}<p><strong>No tracker has been contacted.</strong></p>{{end}}
{{template "bottom" .}}{{end}}

{{define "ledger"}}{{template "top" (title . "Consent ledger")}}
<h1>The consent ledger</h1>
<p>Every decision the consent endpoint accepts is recorded here before the consent cookie is set: the cookie is in your
hands and proves nothing, the ledger is the site's proof of consent (GDPR Art. 7(1)). Below are the last 20 decisions
of the past day, newest first{{with .Data.You}}; yours (consent ID <code>{{.}}</code>) are highlighted{{end}}.
The IP address is kept as its network only, the User-Agent as a hash.</p>
{{if not .Data.On}}<p><strong>No ledger:</strong> this run records nothing (it was started with <code>-ledger off</code>).</p>
{{else if .Data.Err}}<p><strong>{{.Data.Err}}</strong></p>
{{else if .Data.Records}}<table><thead><tr><th>Time (UTC)</th><th>Consent ID</th><th>Action</th><th>Granted</th><th>Refused</th><th>Via</th><th>IP</th><th>Page</th></tr></thead><tbody>
{{range .Data.Records}}<tr{{if eq .ConsentID $.Data.You}} class="you"{{end}}><td>{{.Time.Format "2006-01-02 15:04:05"}}</td><td><code>{{.ConsentID}}</code>{{if eq .ConsentID $.Data.You}} (you){{end}}</td><td>{{.Action}}{{if .GPC}} (GPC){{end}}</td><td>{{categories .Granted}}</td><td>{{categories .Refused}}</td><td>{{.Channel}}</td><td>{{.IP}}</td><td>{{.Path}}</td></tr>
{{end}}</tbody></table>{{else}}<p><strong>No decision recorded in the past day.</strong> Make a choice in the banner, then come back.</p>{{end}}
{{template "bottom" .}}{{end}}

{{define "notfound"}}{{template "top" (title . "Not found")}}
<h1>Page not found</h1><p><a href="/">Back to the courses</a></p>
{{template "bottom" .}}{{end}}
`))
