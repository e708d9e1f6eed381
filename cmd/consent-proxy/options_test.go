package main

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/consentgate/consent"
	"github.com/consentgate/consent/internal/syncbuf"
	"github.com/consentgate/consent/middleware"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A Spanish language file, as a site owner would write one.
const spanishFile = "language: es\ntexts:\n  banner.accept_all: Aceptar todo\n"

// Each new option's bad values fail before listening, exit 2, with one line
// naming the flag (and the variable or config file the value came from).
func TestBadOptionsExitTwoNamingTheFlag(t *testing.T) {
	const up = "http://127.0.0.1:1"
	base := []string{"-upstream", up, "-hash-key", testHash, "-block-key", testBlock}
	with := func(args ...string) []string { return append(append([]string{}, base...), args...) }
	tests := []struct {
		name  string
		args  []string
		env   map[string]string
		file  string // a file of this name, written to FILE in args…
		body  string // …holding this
		want  string // the start of the message
		wants string // and a part of it further on
	}{
		{name: "lifetime word", args: with("-cookie-lifetime", "soon"), want: `consent-proxy: -cookie-lifetime: must be days (180d)`, wants: `not "soon"`},
		{name: "lifetime fractional", args: with("-cookie-lifetime", "1.5y"), want: `consent-proxy: -cookie-lifetime: must be days`},
		{name: "lifetime session", args: with("-cookie-lifetime", "session"), want: `consent-proxy: -cookie-lifetime: must be days`},
		{name: "lifetime zero", args: with("-cookie-lifetime", "0s"), want: `consent-proxy: -cookie-lifetime: must be days`},
		{name: "lifetime under a minute", args: with("-cookie-lifetime", "30s"), want: `consent-proxy: -cookie-lifetime: must be days`, wants: "at least a minute"},
		{name: "lifetime from env", args: with(), env: map[string]string{"CONSENT_COOKIE_LIFETIME": "6 months"},
			want: `consent-proxy: -cookie-lifetime: must be days`, wants: "(from CONSENT_COOKIE_LIFETIME)"},
		{name: "cookie name with space", args: with("-cookie-name", "my consent"), want: `consent-proxy: -cookie-name: "my consent" is not a cookie name`},
		{name: "cookie name with separator", args: with("-cookie-name", "a;b"), want: `consent-proxy: -cookie-name: "a;b" is not a cookie name`},
		{name: "cookie name empty", args: with("-cookie-name="), want: `consent-proxy: -cookie-name: "" is not a cookie name`},
		{name: "cookie name from config", args: with("-config", "FILE"), file: "proxy.yaml", body: "cookie-name: a=b\n",
			want: `consent-proxy: -cookie-name: "a=b" is not a cookie name`, wants: "(from config file "},
		{name: "language file missing", args: with("-language-file", "/nonexistent/es.yaml"), want: "consent-proxy: -language-file: ", wants: "/nonexistent/es.yaml"},
		{name: "language file second missing", args: with("-language-file", "FILE,/nonexistent/fr.yaml"), file: "es.yaml", body: spanishFile,
			want: "consent-proxy: -language-file: ", wants: "/nonexistent/fr.yaml"},
		{name: "language file unknown text", args: with("-language-file", "FILE"), file: "es.yaml", body: "language: es\ntexts:\n  banner.accept_every: Aceptar\n",
			want: "consent-proxy: -language-file: ", wants: `unknown text ID "banner.accept_every"`},
		{name: "language file bad language", args: with("-language-file", "FILE"), file: "es.yaml", body: "language: es_ES_x!\ntexts: {}\n",
			want: "consent-proxy: -language-file: ", wants: "language"},
		{name: "language file from env", args: with(), env: map[string]string{"CONSENT_LANGUAGE_FILE": "/nonexistent/es.yaml"},
			want: "consent-proxy: -language-file: ", wants: "(from CONSENT_LANGUAGE_FILE)"},
		{name: "language malformed", args: with("-language", "en_US!"), want: `consent-proxy: -language: "en_US!" is not a language tag`},
		{name: "language without texts", args: with("-language", "es"), want: "consent-proxy: -language: ", wants: "has no texts: add a language file"},
		{name: "policy text unknown", args: with("-policy", "FILE"), file: "policy.yaml", body: policyWithTexts("banner.notise: Hello\n"),
			want: "consent-proxy: -policy: ", wants: `policy texts["banner.notise"]: unknown text ID`},
		{name: "policy text language", args: with("-policy", "FILE", "-language", "de"), file: "policy.yaml", body: policyWithTexts("\"x!:banner.notice\": Hallo\n"),
			want: "consent-proxy: -policy: ", wants: "policy.yaml"},
		{name: "policy catalog vendor unknown", args: with("-policy", "FILE"), file: "policy.yaml",
			body: "version: \"1\"\ncategories:\n  - {id: essential, name: Essential, required: true}\ncatalog:\n  uses: [no-such-vendor]\n",
			want: "consent-proxy: -policy: ", wants: `policy.yaml: catalog.uses[0]: no vendor "no-such-vendor" in the catalog`},
		{name: "trusted origin without scheme", args: with("-trusted-origins", "shop.example.com"),
			want: `consent-proxy: -trusted-origins: "shop.example.com" is not an origin such as https://shop.example.com`},
		{name: "trusted origin with path", args: with("-trusted-origins", "https://a.example.com,https://b.example.com/shop"),
			want: `consent-proxy: -trusted-origins: "https://b.example.com/shop" is not an origin`},
		{name: "undeclared category unknown", args: with("-undeclared-category", "advertising"),
			want: `consent-proxy: -undeclared-category: "advertising" is not a category of the policy (essential, `},
		{name: "undeclared category from env", args: with(), env: map[string]string{"CONSENT_UNDECLARED_CATEGORY": "Essential"},
			want: `consent-proxy: -undeclared-category: "Essential" is not a category`, wants: "(from CONSENT_UNDECLARED_CATEGORY)"},
		{name: "beacons", args: with("-beacons=maybe"), want: `consent-proxy: -beacons: must be true or false, not "maybe"`},
		{name: "settings control", args: with(), env: map[string]string{"CONSENT_SETTINGS_CONTROL": "no way"},
			want: `consent-proxy: -settings-control: must be true or false, not "no way" (from CONSENT_SETTINGS_CONTROL)`},
		{name: "asset files", args: with("-config", "FILE"), file: "proxy.json", body: `{"asset-files": "sometimes"}`,
			want: `consent-proxy: -asset-files: must be true or false, not "sometimes" (from config file `},
		{name: "max form bytes unit", args: with("-max-form-bytes", "16KiB"), want: `consent-proxy: -max-form-bytes: must be a whole number of bytes from 256`},
		{name: "max form bytes small", args: with("-max-form-bytes", "100"), want: `consent-proxy: -max-form-bytes: must be a whole number of bytes from 256`, wants: `not "100"`},
		{name: "max form bytes large", args: with("-max-form-bytes", "1073741824"), want: `consent-proxy: -max-form-bytes: must be a whole number of bytes from 256 to 1048576, not "1073741824"`},
		{name: "max form bytes from config", args: with("-config", "FILE"), file: "proxy.yaml", body: "max-form-bytes: -1\n",
			want: `consent-proxy: -max-form-bytes: must be a whole number`, wants: "(from config file "},
		{name: "consent mode map missing", args: with("-consent-mode-map", "/nonexistent/map.yaml"), want: "consent-proxy: -consent-mode-map: "},
		{name: "consent mode map extension", args: with("-consent-mode-map", "FILE"), file: "map.txt", body: "x",
			want: "consent-proxy: -consent-mode-map: ", wants: `unknown extension ".txt"`},
		{name: "consent mode map syntax", args: with("-consent-mode-map", "FILE"), file: "map.json", body: `{"ad_storage": "targeting"}`,
			want: "consent-proxy: -consent-mode-map: ", wants: "want an object of consent types, each a list of category IDs"},
		{name: "consent mode map trailing", args: with("-consent-mode-map", "FILE"), file: "map.json", body: `{"ad_storage": ["targeting"]} {}`,
			want: "consent-proxy: -consent-mode-map: ", wants: "trailing data"},
		{name: "consent mode map empty", args: with("-consent-mode-map", "FILE"), file: "map.yaml", body: "{}\n",
			want: "consent-proxy: -consent-mode-map: ", wants: "maps no consent type"},
		{name: "consent mode map unknown type", args: with("-consent-mode-map", "FILE"), file: "map.yaml", body: "ads_storage: [targeting]\n",
			want: "consent-proxy: -consent-mode-map: ", wants: `"ads_storage" is not a Consent Mode v2 type (ad_personalization, ad_storage,`},
		{name: "consent mode map security", args: with("-consent-mode-map", "FILE"), file: "map.yaml", body: "security_storage: [essential]\n",
			want: "consent-proxy: -consent-mode-map: ", wants: "security_storage is always granted"},
		{name: "consent mode map no category", args: with("-consent-mode-map", "FILE"), file: "map.yaml", body: "ad_storage: []\n",
			want: "consent-proxy: -consent-mode-map: ", wants: "ad_storage: no category"},
		{name: "consent mode map unknown category", args: with("-consent-mode-map", "FILE"), file: "map.yaml", body: "analytics_storage: [analytics]\nad_storage: [advertising]\n",
			want: "consent-proxy: -consent-mode-map: ", wants: `ad_storage: "advertising" is not a category of the policy`},
		{name: "banner template missing", args: with("-banner-template", "/nonexistent/banner.tmpl"), want: "consent-proxy: -banner-template: ", wants: "/nonexistent/banner.tmpl"},
		{name: "banner template syntax", args: with("-banner-template", "FILE"), file: "banner.tmpl", body: `{{define "banner"}}<div>{{.Nope</div>{{end}}`,
			want: "consent-proxy: -banner-template: ", wants: "banner.tmpl: banner: bad texts: banner template: "},
		{name: "banner template without settings", args: with("-banner-template", "FILE"), file: "banner.tmpl", body: `{{define "banner"}}<div>Cookies?</div>{{end}}`,
			want: "consent-proxy: -banner-template: ", wants: `no {{define "settings"}}`},
		{name: "consent mode map from env", args: with(), env: map[string]string{"CONSENT_CONSENT_MODE_MAP": "/nonexistent/map.yaml"},
			want: "consent-proxy: -consent-mode-map: ", wants: "(from CONSENT_CONSENT_MODE_MAP)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{}, tt.args...)
			if tt.file != "" {
				path := writeFile(t, tt.file, tt.body)
				for i, a := range args {
					args[i] = strings.ReplaceAll(a, "FILE", path)
				}
			}
			vars := map[string]string{"CONSENT_LISTEN": "127.0.0.1:0"}
			for k, v := range tt.env {
				vars[k] = v
			}
			var stderr syncbuf.Buffer
			ctx, cancel := context.WithCancel(context.Background())
			cancel() // should a case wrongly pass, the proxy stops at once with 0
			code := run(ctx, args, env{getenv: mapEnv(vars), stderr: &stderr})
			out := stderr.String()
			assert.Equal(t, exitUsage, code, out)
			assert.True(t, strings.HasPrefix(out, tt.want), "stderr %q does not start with %q", out, tt.want)
			assert.Contains(t, out, tt.wants)
			assert.Equal(t, 1, strings.Count(out, "\n"), "one line: %q", out)
		})
	}
}

// policyWithTexts is the built-in policy as YAML with the given texts
// section lines (indented by two spaces here).
func policyWithTexts(lines string) string {
	return `version: "1"
categories:
  - {id: essential, name: Essential, required: true}
  - {id: analytics, name: Analytics}
texts:
  ` + lines
}

// Good values of each new option, from a flag, a variable or the config
// file, reach the middleware's settings.
func TestOptionsGoodValues(t *testing.T) {
	es := writeFile(t, "es.yaml", spanishFile)
	fr := writeFile(t, "fr.yaml", "language: fr\ntexts:\n  banner.accept_all: Tout accepter\n")
	mapYAML := writeFile(t, "map.yaml", "analytics_storage: [analytics]\nad_storage: [targeting, partner]\n")
	mapJSON := writeFile(t, "map.json", `{"analytics_storage": ["functionality"]}`)
	cfgFile := writeFile(t, "proxy.yaml", "cookie-name: cg\ncookie-lifetime: 1y\nlanguage-file: ["+es+", "+fr+"]\n"+
		"trusted-origins:\n  - https://shop.example.com\n  - https://blog.example.com\nundeclared-category: essential\n"+
		"beacons: false\nsettings-control: false\nasset-files: true\nmax-form-bytes: 4096\nconsent-mode-map: "+mapYAML+"\n")
	const tmplText = `{{define "banner"}}<div>Cookies?</div>{{end}}{{define "settings"}}<a>Cookies</a>{{end}}`
	tmpl := writeFile(t, "banner.tmpl", tmplText)
	day := 24 * time.Hour
	defaults := options{cookieName: "consent", lifetime: 180 * day, beacons: true, settingsControl: true, maxFormBytes: 16384}
	src := "config file " + cfgFile
	fromFile := options{cookieName: "cg", lifetime: 365 * day, languageFiles: []string{es, fr}, languageFileSrc: src,
		trustedOrigins: []string{"https://shop.example.com", "https://blog.example.com"}, undeclared: consent.Essential, undeclaredSrc: src,
		maxFormBytes: 4096, assetFiles: true, consentModeFile: mapYAML, consentModeSrc: src,
		consentModeMap: middleware.ConsentModeMap{"analytics_storage": {consent.Analytics}, "ad_storage": {consent.Targeting, consent.Partner}}}
	tests := []struct {
		name   string
		args   []string
		env    map[string]string
		change func(*options)
		mode   bool // -consent-mode ends up on
	}{
		{name: "defaults", change: func(*options) {}},
		{name: "lifetime days", args: []string{"-cookie-lifetime", "90d"}, change: func(o *options) { o.lifetime = 90 * day }},
		{name: "lifetime weeks", args: []string{"-cookie-lifetime", "26w"}, change: func(o *options) { o.lifetime = 26 * 7 * day }},
		{name: "lifetime months", args: []string{"-cookie-lifetime", "6mo"}, change: func(o *options) { o.lifetime = 180 * day }},
		{name: "lifetime year", args: []string{"-cookie-lifetime", "1y"}, change: func(o *options) { o.lifetime = 365 * day }},
		{name: "lifetime duration", args: []string{"-cookie-lifetime", "4320h"}, change: func(o *options) { o.lifetime = 180 * day }},
		{name: "lifetime a minute", args: []string{"-cookie-lifetime", "1m"}, change: func(o *options) { o.lifetime = time.Minute }},
		{name: "cookie name", args: []string{"-cookie-name", "cg_consent"}, change: func(o *options) { o.cookieName = "cg_consent" }},
		{name: "language file repeated", args: []string{"-language-file", es, "-language-file", fr}, change: func(o *options) { o.languageFiles = []string{es, fr} }},
		{name: "language files comma-separated", args: []string{"-language-file", es + ", " + fr}, change: func(o *options) { o.languageFiles = []string{es, fr} }},
		{name: "language file from env", env: map[string]string{"CONSENT_LANGUAGE_FILE": es}, change: func(o *options) {
			o.languageFiles, o.languageFileSrc = []string{es}, "CONSENT_LANGUAGE_FILE"
		}},
		{name: "trusted origins", args: []string{"-trusted-origins", "https://shop.example.com,http://localhost:3000", "-trusted-origins", "https://blog.example.com"},
			change: func(o *options) {
				o.trustedOrigins = []string{"https://shop.example.com", "http://localhost:3000", "https://blog.example.com"}
			}},
		{name: "undeclared essential", args: []string{"-undeclared-category", "essential"}, change: func(o *options) { o.undeclared = consent.Essential }},
		{name: "beacons off", args: []string{"-beacons=false"}, change: func(o *options) { o.beacons = false }},
		{name: "settings control off from env", env: map[string]string{"CONSENT_SETTINGS_CONTROL": "false"}, change: func(o *options) { o.settingsControl = false }},
		{name: "asset files", args: []string{"-asset-files"}, change: func(o *options) { o.assetFiles = true }},
		{name: "max form bytes", args: []string{"-max-form-bytes", "256"}, change: func(o *options) { o.maxFormBytes = 256 }},
		{name: "consent mode map yaml", args: []string{"-consent-mode-map", mapYAML}, mode: true, change: func(o *options) {
			o.consentModeMap = middleware.ConsentModeMap{"analytics_storage": {consent.Analytics}, "ad_storage": {consent.Targeting, consent.Partner}}
			o.consentModeFile = mapYAML
		}},
		{name: "consent mode map json", args: []string{"-consent-mode-map", mapJSON}, mode: true, change: func(o *options) {
			o.consentModeMap = middleware.ConsentModeMap{"analytics_storage": {consent.Functionality}}
			o.consentModeFile = mapJSON
		}},
		{name: "banner template", env: map[string]string{"CONSENT_BANNER_TEMPLATE": tmpl}, change: func(o *options) {
			o.bannerTemplate, o.templateFile, o.templateSrc = tmplText, tmpl, "CONSENT_BANNER_TEMPLATE"
		}},
		{name: "config file keys", args: []string{"-config", cfgFile}, mode: true, change: func(o *options) { *o = fromFile }},
		{name: "flag over config file", args: []string{"-config", cfgFile, "-cookie-name", "flagged", "-beacons"}, mode: true, change: func(o *options) {
			*o = fromFile
			o.cookieName, o.beacons = "flagged", true
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := resolve(append([]string{"-upstream", "http://127.0.0.1:3000", "-hash-key", testHash}, tt.args...), mapEnv(tt.env))
			require.NoError(t, err)
			c, err := parseConfig(v)
			require.NoError(t, err)
			want := defaults
			tt.change(&want)
			assert.Equal(t, want, c.options)
			assert.Equal(t, tt.mode, c.consentMode, "-consent-mode")
			require.NoError(t, c.checkPolicyOptions(consent.DefaultPolicy()))
		})
	}
}

// The README's flag table and the package doc list every setting with its
// variable, so that a new flag cannot go undocumented.
func TestEverySettingDocumented(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	doc, err := os.ReadFile("doc.go")
	require.NoError(t, err)
	for _, s := range settings {
		assert.True(t, strings.Contains(string(readme), "| `-"+s.name+"` | `"+envName(s.name)+"` |"), "README's flag table lacks -%s", s.name)
		assert.True(t, strings.Contains(string(doc), "//\t-"+s.name+" "), "doc.go lacks -%s", s.name)
		assert.True(t, strings.Contains(string(doc), "("+envName(s.name)+")"), "doc.go lacks %s", envName(s.name))
	}
}
