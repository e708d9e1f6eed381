package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
	"golang.org/x/text/language"

	"github.com/consentgate/consent"
	"github.com/consentgate/consent/banner"
	"github.com/consentgate/consent/middleware"
	"github.com/consentgate/consent/store"
)

// options are the settings that map one to one onto middleware options.
type options struct {
	cookieName      string
	lifetime        time.Duration
	languageFiles   []string
	languageFileSrc string
	trustedOrigins  []string
	undeclared      consent.CategoryID // "" leaves the middleware's default
	undeclaredSrc   string
	beacons         bool
	settingsControl bool
	assetFiles      bool
	maxFormBytes    int64
	consentModeMap  middleware.ConsentModeMap // nil: -consent-mode alone decides
	consentModeFile string
	consentModeSrc  string
	bannerTemplate  string // "" keeps the built-in markup
	templateFile    string
	templateSrc     string
}

// minFormBytes is middleware.New's lower bound of MaxFormBytes; maxFormBytes
// is ours: a consent form is a few hundred bytes, so a larger bound only
// lets a client make the proxy read more.
const (
	minFormBytes = 256
	maxFormBytes = 1 << 20
)

// maxFileBytes bounds a Consent Mode mapping file or a banner template: a
// few kilobytes in practice.
const maxFileBytes = 1 << 20

// parseOptions reads the settings checked without the policy; those that
// name categories are checked against it by checkPolicyOptions.
func (c *config) parseOptions(v values) error {
	c.cookieName = strings.TrimSpace(v.val["cookie-name"])
	// store.NewCodec checks the name too, but its message names the Go
	// option: tried here so that the error names the flag.
	if _, err := store.NewCodec(c.keys, store.CookieName(c.cookieName)); err != nil {
		return v.errorf("cookie-name", "%q is not a cookie name: it needs one character or more and no spaces or separators (;,=\"()<>@:\\/[]?{})", c.cookieName)
	}
	l, err := consent.ParseLifetime(v.val["cookie-lifetime"])
	if err != nil || l.Duration() < time.Minute {
		return v.errorf("cookie-lifetime", "must be days (180d), weeks (26w), months (6mo), years (1y) or a Go duration (4320h), at least a minute, not %q", v.val["cookie-lifetime"])
	}
	c.lifetime = l.Duration()

	c.languageFileSrc = v.src["language-file"]
	for f := range strings.SplitSeq(v.val["language-file"], ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		// Looked for here, so that a missing file fails with the other
		// settings, before the policy is loaded.
		if _, err := os.Stat(f); err != nil {
			return v.errorf("language-file", "%v", err)
		}
		c.languageFiles = append(c.languageFiles, f)
	}

	cop := http.NewCrossOriginProtection()
	for o := range strings.SplitSeq(v.val["trusted-origins"], ",") {
		if o = strings.TrimSpace(o); o == "" {
			continue
		}
		if err := cop.AddTrustedOrigin(o); err != nil {
			return v.errorf("trusted-origins", "%q is not an origin such as https://shop.example.com (scheme://host[:port], no path)", o)
		}
		c.trustedOrigins = append(c.trustedOrigins, o)
	}

	c.undeclared, c.undeclaredSrc = consent.CategoryID(strings.TrimSpace(v.val["undeclared-category"])), v.src["undeclared-category"]

	n, err := strconv.ParseInt(strings.TrimSpace(v.val["max-form-bytes"]), 10, 64)
	if err != nil || n < minFormBytes || n > maxFormBytes {
		return v.errorf("max-form-bytes", "must be a whole number of bytes from %d to %d, not %q", minFormBytes, maxFormBytes, v.val["max-form-bytes"])
	}
	c.maxFormBytes = n

	if path := strings.TrimSpace(v.val["banner-template"]); path != "" {
		data, err := readBounded(path)
		if err != nil {
			return v.errorf("banner-template", "%v", err)
		}
		c.bannerTemplate, c.templateFile, c.templateSrc = string(data), path, v.src["banner-template"]
	}

	if path := strings.TrimSpace(v.val["consent-mode-map"]); path != "" {
		m, err := readConsentModeMap(path)
		if err != nil {
			return v.errorf("consent-mode-map", "%v", err)
		}
		c.consentModeMap, c.consentModeFile, c.consentModeSrc = m, path, v.src["consent-mode-map"]
		c.consentMode = true
	}
	return nil
}

// readConsentModeMap reads a JSON or YAML object of consent types, each with
// the list of category IDs it needs, and checks the types (the categories
// need the policy: see checkPolicyOptions).
func readConsentModeMap(path string) (middleware.ConsentModeMap, error) {
	data, err := readBounded(path)
	if err != nil {
		return nil, err
	}
	var raw map[string][]string
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".json":
		dec := json.NewDecoder(bytes.NewReader(data))
		if err = dec.Decode(&raw); err == nil {
			if _, terr := dec.Token(); !errors.Is(terr, io.EOF) {
				err = errors.New("trailing data after the object")
			}
		}
	case ".yaml", ".yml":
		err = yaml.Unmarshal(data, &raw)
	default:
		return nil, fmt.Errorf("%s: unknown extension %q: want .json, .yaml or .yml", path, ext)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: want an object of consent types, each a list of category IDs: %w", path, err)
	}
	if len(raw) == 0 {
		return nil, fmt.Errorf("%s: maps no consent type", path)
	}
	known := middleware.DefaultConsentModeMap() // every type but security_storage
	types := make([]string, 0, len(raw))
	for t := range raw {
		types = append(types, t)
	}
	slices.Sort(types) // so that the error names the same type every time
	m := make(middleware.ConsentModeMap, len(raw))
	for _, t := range types {
		if t == "security_storage" {
			return nil, fmt.Errorf("%s: security_storage is always granted: leave it out", path)
		}
		if _, ok := known[t]; !ok {
			return nil, fmt.Errorf("%s: %q is not a Consent Mode v2 type (%s)", path, t, strings.Join(slices.Sorted(maps.Keys(known)), ", "))
		}
		if len(raw[t]) == 0 {
			return nil, fmt.Errorf("%s: %s: no category", path, t)
		}
		for _, id := range raw[t] {
			m[t] = append(m[t], consent.CategoryID(id))
		}
	}
	return m, nil
}

// readBounded reads a small file named by a setting, refusing one larger
// than maxFileBytes.
func readBounded(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxFileBytes {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, maxFileBytes)
	}
	return data, nil
}

// checkPolicyOptions checks the settings that depend on the policy, so that
// each error names its own flag: middleware.New would find the same
// problems but name the Go option, or (for texts) nothing at all.
func (c *config) checkPolicyOptions(policy *consent.Policy) error {
	ids := make([]string, len(policy.Categories))
	for i, cat := range policy.Categories {
		ids[i] = string(cat.ID)
	}
	if c.undeclared != "" {
		if _, ok := policy.Category(c.undeclared); !ok {
			return &flagError{flag: "undeclared-category", msg: fmt.Sprintf("%q is not a category of the policy (%s)", c.undeclared, strings.Join(ids, ", ")), src: c.undeclaredSrc}
		}
	}
	for _, t := range slices.Sorted(maps.Keys(c.consentModeMap)) {
		for _, id := range c.consentModeMap[t] {
			if _, ok := policy.Category(id); !ok {
				return &flagError{flag: "consent-mode-map", msg: fmt.Sprintf("%s: %s: %q is not a category of the policy (%s)", c.consentModeFile, t, id, strings.Join(ids, ", ")), src: c.consentModeSrc}
			}
		}
	}
	return c.checkTexts(policy)
}

// checkTexts builds the banner's texts step by step, so that an error
// names what is at fault: the -language itself, a -language-file, or the
// policy's texts.
func (c *config) checkTexts(policy *consent.Policy) error {
	if _, err := language.Parse(c.language); err != nil {
		return &flagError{flag: "language", msg: fmt.Sprintf("%q is not a language tag (en, de, fr, …)", c.language), src: c.languageSrc}
	}
	bare := *policy
	bare.Texts = nil
	for _, f := range c.languageFiles {
		if _, err := banner.NewCatalog(&bare, banner.LanguageFile(f)); err != nil {
			return &flagError{flag: "language-file", msg: err.Error(), src: c.languageFileSrc}
		}
	}
	opts := []banner.CatalogOption{banner.Fallback(c.language)}
	for _, f := range c.languageFiles {
		opts = append(opts, banner.LanguageFile(f))
	}
	if _, err := banner.NewCatalog(&bare, opts...); err != nil {
		return &flagError{flag: "language", msg: err.Error(), src: c.languageSrc}
	}
	texts, err := banner.NewCatalog(policy, opts...)
	if err != nil {
		if c.policyPath != "" {
			err = fmt.Errorf("%s: %w", c.policyPath, err)
		}
		return &flagError{flag: "policy", msg: err.Error(), src: c.policySrc}
	}
	if c.bannerTemplate != "" {
		if _, err := banner.NewBanner(texts, c.prefix, c.bannerTemplate); err != nil {
			return &flagError{flag: "banner-template", msg: fmt.Sprintf("%s: %v", c.templateFile, err), src: c.templateSrc}
		}
	}
	return nil
}
