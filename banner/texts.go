package banner

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/consentgate/consent"
	"go.yaml.in/yaml/v3"
	"golang.org/x/text/language"
)

//go:embed i18n/*.json
var i18nFS embed.FS

// ErrTexts is wrapped by every error about texts: an unknown text ID in a
// policy or a language file, or an unreadable language file.
var ErrTexts = errors.New("banner: bad texts")

// DefaultLanguage is the fallback language when none is configured.
const DefaultLanguage = "en"

// Catalog holds every text the visitor can read, in every language the
// site offers: the built-in English, German and French, languages added from
// files, and the policy's own texts on top. It picks a language from a
// request's Accept-Language. Build it once; it is safe for concurrent use.
type Catalog struct {
	fallback language.Tag
	tags     []language.Tag // offered languages, fallback first
	texts    []map[string]string
	matcher  language.Matcher

	mu    sync.RWMutex
	cache map[string]int // Accept-Language value → index in tags
}

// CatalogOption configures NewCatalog.
type CatalogOption func(*catalogConfig)

type catalogConfig struct {
	fallback string
	files    []string
}

// Fallback sets the language used when the visitor accepts none the site
// offers, and the language of the policy's unqualified texts. Default "en".
func Fallback(lang string) CatalogOption { return func(c *catalogConfig) { c.fallback = lang } }

// LanguageFile adds a language, or replaces texts of a built-in one, from a
// JSON or YAML file: {"language": "es", "texts": {"banner.notice": "…"}}.
// Texts it leaves out come from the fallback language. Default none.
func LanguageFile(path string) CatalogOption {
	return func(c *catalogConfig) { c.files = append(c.files, path) }
}

// languageFile is the format of a language file.
type languageFile struct {
	Language string            `json:"language" yaml:"language"`
	Texts    map[string]string `json:"texts" yaml:"texts"`
}

// NewCatalog builds the catalog for policy. The policy's Texts replace
// built-in texts: a key "banner.notice" is the text in the fallback
// language, "de:banner.notice" the German one. Every key must name a known
// text ID, so that a typo fails here rather than silently showing the
// built-in text.
func NewCatalog(policy *consent.Policy, opts ...CatalogOption) (*Catalog, error) {
	cfg := catalogConfig{fallback: DefaultLanguage}
	for _, o := range opts {
		o(&cfg)
	}
	fallback, err := language.Parse(cfg.fallback)
	if err != nil {
		return nil, fmt.Errorf("%w: fallback language %q: %w", ErrTexts, cfg.fallback, err)
	}
	byLang := map[language.Tag]map[string]string{}
	add := func(tag language.Tag, texts map[string]string, origin string) error {
		m := byLang[tag]
		if m == nil {
			m = map[string]string{}
			byLang[tag] = m
		}
		ids := make([]string, 0, len(texts))
		for id := range texts {
			ids = append(ids, id)
		}
		sort.Strings(ids) // so that the error names the same ID every time
		known := builtinIDs()
		for _, id := range ids {
			if _, ok := known[id]; !ok && !policyPurpose(policy, id) {
				return fmt.Errorf("%w: %s: unknown text ID %q", ErrTexts, origin, id)
			}
			if text := texts[id]; text != "" {
				m[id] = text
			}
		}
		return nil
	}
	entries, err := i18nFS.ReadDir("i18n")
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrTexts, err)
	}
	for _, e := range entries {
		lang := strings.TrimSuffix(e.Name(), ".json")
		texts, err := builtin(lang)
		if err != nil {
			return nil, err
		}
		if err := add(language.MustParse(lang), texts, "built-in "+e.Name()); err != nil {
			return nil, err
		}
	}
	for _, file := range cfg.files {
		lf, err := readLanguageFile(file)
		if err != nil {
			return nil, err
		}
		tag, err := language.Parse(lf.Language)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: language %q: %w", ErrTexts, file, lf.Language, err)
		}
		if err := add(tag, lf.Texts, file); err != nil {
			return nil, err
		}
	}
	// The policy's texts, in key order so that errors are stable.
	keys := make([]string, 0, len(policy.Texts))
	for k := range policy.Texts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		tag, id := fallback, k
		if lang, rest, ok := strings.Cut(k, ":"); ok {
			if tag, err = language.Parse(lang); err != nil {
				return nil, fmt.Errorf("%w: policy texts[%q]: language %q: %w", ErrTexts, k, lang, err)
			}
			id = rest
		}
		if err := add(tag, map[string]string{id: policy.Texts[k]}, fmt.Sprintf("policy texts[%q]", k)); err != nil {
			return nil, err
		}
	}
	if _, ok := byLang[fallback]; !ok {
		return nil, fmt.Errorf("%w: fallback language %q has no texts: add a language file for it", ErrTexts, cfg.fallback)
	}

	c := &Catalog{fallback: fallback, cache: map[string]int{}}
	c.tags = append(c.tags, fallback)
	others := make([]language.Tag, 0, len(byLang))
	for tag := range byLang {
		if tag != fallback {
			others = append(others, tag)
		}
	}
	sort.Slice(others, func(i, j int) bool { return others[i].String() < others[j].String() })
	c.tags = append(c.tags, others...)
	// Every language is complete: what it lacks comes from the fallback,
	// then from English.
	en := byLang[language.English]
	for _, tag := range c.tags {
		full := make(map[string]string, len(en))
		for id, text := range en {
			full[id] = text
		}
		for id, text := range byLang[fallback] {
			full[id] = text
		}
		for id, text := range byLang[tag] {
			full[id] = text
		}
		fillPurposes(full, policy)
		c.texts = append(c.texts, full)
	}
	c.matcher = language.NewMatcher(c.tags)
	return c, nil
}

// Text IDs of the banner's list of purposes.
const (
	noticeID          = "banner.notice"
	noticeEssentialID = "banner.notice_essential"
	purposePrefix     = "banner.purpose."
	listAndID         = "banner.list_and"
	purposesSlot      = "{purposes}"
)

// policyPurpose reports whether id is "banner.purpose." and the ID of one of the
// policy's categories: the words the notice uses for it, which a policy or
// a language file may set for its own categories as for the built-in ones.
func policyPurpose(policy *consent.Policy, id string) bool {
	cat, ok := strings.CutPrefix(id, purposePrefix)
	if !ok {
		return false
	}
	_, ok = policy.Category(consent.CategoryID(cat))
	return ok
}

// fillPurposes writes into one language's banner notice the purposes the
// policy really has: the refusable categories, each as its "banner.purpose.<id>"
// text in that language, or else as the category's name, so that a policy
// without advertising never says it advertises. A notice without the
// {purposes} slot (a site's own words) is left as written; a policy whose
// every category is required gets banner.notice_essential instead.
func fillPurposes(texts map[string]string, policy *consent.Policy) {
	notice := texts[noticeID]
	if !strings.Contains(notice, purposesSlot) {
		return
	}
	var names []string
	for _, c := range policy.Categories {
		if c.Required {
			continue
		}
		name := texts[purposePrefix+string(c.ID)]
		if name == "" {
			name = c.Name
		}
		if name = strings.TrimSpace(name); name != "" && !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		texts[noticeID] = texts[noticeEssentialID]
		return
	}
	texts[noticeID] = strings.ReplaceAll(notice, purposesSlot, joinList(names, texts[listAndID]))
}

// joinList joins names as the built-in languages write a list: commas, and
// the conjunction before the last ("a, b and c"; "a, b und c"; "a, b et c").
func joinList(names []string, and string) string {
	if and = strings.TrimSpace(and); and == "" {
		and = ","
	} else {
		and = " " + and
	}
	switch len(names) {
	case 1:
		return names[0]
	case 2:
		if and == "," {
			return names[0] + ", " + names[1]
		}
		return names[0] + and + " " + names[1]
	}
	return strings.Join(names[:len(names)-1], ", ") + and + " " + names[len(names)-1]
}

func readLanguageFile(file string) (languageFile, error) {
	var lf languageFile
	data, err := os.ReadFile(file)
	if err != nil {
		return lf, fmt.Errorf("%w: %w", ErrTexts, err)
	}
	// Unknown keys are errors, as in policy files: a misspelt "texts" would
	// otherwise leave the language silently in the fallback's words.
	switch strings.ToLower(path.Ext(file)) {
	case ".json":
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		err = dec.Decode(&lf)
	default:
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err = dec.Decode(&lf); errors.Is(err, io.EOF) {
			err = nil // an empty file: reported below as having no language
		}
	}
	if err != nil {
		return lf, fmt.Errorf("%w: %s: %w", ErrTexts, file, err)
	}
	if lf.Language == "" {
		return lf, fmt.Errorf("%w: %s: no language", ErrTexts, file)
	}
	return lf, nil
}

var (
	builtinOnce sync.Once
	builtinSets map[string]map[string]string
	builtinErr  error
)

// builtin returns the embedded texts of lang.
func builtin(lang string) (map[string]string, error) {
	builtinOnce.Do(func() {
		builtinSets = map[string]map[string]string{}
		entries, err := i18nFS.ReadDir("i18n")
		if err != nil {
			builtinErr = err
			return
		}
		for _, e := range entries {
			data, err := i18nFS.ReadFile("i18n/" + e.Name())
			if err != nil {
				builtinErr = err
				return
			}
			m := map[string]string{}
			if err := json.Unmarshal(data, &m); err != nil {
				builtinErr = fmt.Errorf("%s: %w", e.Name(), err)
				return
			}
			builtinSets[strings.TrimSuffix(e.Name(), ".json")] = m
		}
	})
	if builtinErr != nil {
		return nil, fmt.Errorf("%w: built-in texts: %w", ErrTexts, builtinErr)
	}
	return builtinSets[lang], nil
}

// builtinIDs returns the set of text IDs: those of the built-in English
// texts. The set is shared: callers must not change it.
var builtinIDs = sync.OnceValue(func() map[string]struct{} {
	en, _ := builtin("en")
	ids := make(map[string]struct{}, len(en))
	for id := range en {
		ids[id] = struct{}{}
	}
	return ids
})

// TextIDs returns every text ID a policy or language file can set, sorted.
func TextIDs() []string {
	ids := make([]string, 0, 64)
	for id := range builtinIDs() {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// Languages returns the languages the catalog offers, the fallback first.
func (c *Catalog) Languages() []string {
	out := make([]string, len(c.tags))
	for i, t := range c.tags {
		out[i] = t.String()
	}
	return out
}

// maxCachedHeaders bounds the Accept-Language cache.
const maxCachedHeaders = 1024

// Pick returns the index of the language for an Accept-Language header
// value, for Texts and for the banner's per-language markup.
func (c *Catalog) Pick(acceptLanguage string) int {
	if acceptLanguage == "" {
		return 0
	}
	c.mu.RLock()
	i, ok := c.cache[acceptLanguage]
	c.mu.RUnlock()
	if ok {
		return i
	}
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil {
		tags = parseLeniently(acceptLanguage)
	}
	i = 0
	if len(tags) > 0 {
		_, i, _ = c.matcher.Match(tags...)
	}
	if len(acceptLanguage) <= 256 {
		c.mu.Lock()
		if len(c.cache) >= maxCachedHeaders {
			clear(c.cache)
		}
		c.cache[acceptLanguage] = i
		c.mu.Unlock()
	}
	return i
}

// maxLanguageEntries bounds the entries of a malformed Accept-Language
// header that are parsed one by one.
const maxLanguageEntries = 32

// parseLeniently parses an Accept-Language header entry by entry, skipping
// the malformed ones that make language.ParseAcceptLanguage reject it
// whole: "de, x_!" still asks for German.
func parseLeniently(header string) []language.Tag {
	type weighted struct {
		tag language.Tag
		q   float32
	}
	var ws []weighted
	n := 0
	for entry := range strings.SplitSeq(header, ",") {
		if n++; n > maxLanguageEntries {
			break
		}
		tags, qs, err := language.ParseAcceptLanguage(entry)
		if err == nil && len(tags) == 1 {
			ws = append(ws, weighted{tags[0], qs[0]})
		}
	}
	sort.SliceStable(ws, func(a, b int) bool { return ws[a].q > ws[b].q })
	tags := make([]language.Tag, len(ws))
	for i, w := range ws {
		tags[i] = w.tag
	}
	return tags
}

// Texts returns the texts of the language at index i (see Pick).
func (c *Catalog) Texts(i int) Texts {
	if i < 0 || i >= len(c.tags) {
		i = 0
	}
	return Texts{lang: c.tags[i].String(), texts: c.texts[i]}
}

// Texts are the texts of one language.
type Texts struct {
	lang  string
	texts map[string]string
}

// Lang is the language's BCP 47 tag ("de").
func (t Texts) Lang() string { return t.lang }

// T returns the text with the given ID, or the ID itself if there is none.
func (t Texts) T(id string) string {
	if s, ok := t.texts[id]; ok {
		return s
	}
	return id
}
