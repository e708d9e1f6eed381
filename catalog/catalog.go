package catalog

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/consentgate/consent"
	"go.yaml.in/yaml/v3"
)

// Category is a standard category of the catalog. A policy maps each to one
// of its own consent categories.
type Category string

// The standard categories.
const (
	// Analytics: audience measurement and product analytics.
	Analytics Category = "analytics"
	// SessionReplay: heatmaps, session recordings and form analytics.
	SessionReplay Category = "session-replay"
	// ErrorMonitoring: error and performance monitoring that reports what
	// visitors do (and often records sessions).
	ErrorMonitoring Category = "error-monitoring"
	// TagManager: tag managers and customer data platforms that load or
	// feed other tools.
	TagManager Category = "tag-manager"
	// Advertising: ad serving, ad exchanges, retargeting, audience data
	// and identity graphs, conversion pixels of ad networks.
	Advertising Category = "advertising"
	// Social: social networks' pixels, share buttons and widgets.
	Social Category = "social"
	// ContentRecommendation: sponsored and recommended content widgets.
	ContentRecommendation Category = "content-recommendation"
	// Affiliate: affiliate networks that credit sales to partners.
	Affiliate Category = "affiliate"
	// ABTesting: experiments and on-site personalisation.
	ABTesting Category = "ab-testing"
	// CustomerChat: live chat, chatbots and help widgets.
	CustomerChat Category = "customer-chat"
	// MarketingAutomation: marketing automation, email, CRM tracking and
	// web push.
	MarketingAutomation Category = "marketing-automation"
	// Feedback: surveys, feedback and review widgets.
	Feedback Category = "feedback"
	// ConsentSharing: other consent managers and consent-string sharing.
	ConsentSharing Category = "consent-sharing"
	// Video: video players and video embeds.
	Video Category = "video"
	// Maps: map embeds.
	Maps Category = "maps"
)

// Categories lists the standard categories, in the order the catalog's
// files and pages show them.
func Categories() []Category {
	return []Category{Analytics, SessionReplay, ErrorMonitoring, TagManager, Advertising, Social,
		ContentRecommendation, Affiliate, ABTesting, CustomerChat, MarketingAutomation, Feedback,
		ConsentSharing, Video, Maps}
}

// Valid reports whether c is a standard category.
func (c Category) Valid() bool { return slices.Contains(Categories(), c) }

// Embed says whether a vendor's element can be replaced by a click-to-load
// placeholder, and what it shows.
type Embed string

// The kinds of embed.
const (
	// NoEmbed: not an embed (the default).
	NoEmbed Embed = ""
	// VideoEmbed: a video player.
	VideoEmbed Embed = "video"
	// MapEmbed: a map.
	MapEmbed Embed = "map"
	// SocialEmbed: a social post, timeline or comment thread.
	SocialEmbed Embed = "social"
	// AudioEmbed: an audio player or podcast.
	AudioEmbed Embed = "audio"
	// WidgetEmbed: another interactive widget (reviews, calendars, forms).
	WidgetEmbed Embed = "widget"
)

// Party says whose domain a cookie lives on.
type Party string

// The parties of a cookie.
const (
	// FirstParty: set on the site's own domain (by the vendor's script or
	// by the site's server), so the middleware can filter and expire it.
	FirstParty Party = "first"
	// ThirdParty: set on the vendor's domain; only not loading the vendor
	// prevents it.
	ThirdParty Party = "third"
)

// Vendor is one third party of the catalog.
type Vendor struct {
	// ID is the vendor's stable identifier: lowercase letters, digits and
	// '-' ("google-analytics"). Policies name vendors by it.
	ID string `yaml:"id" json:"id"`
	// Name is the product as visitors know it ("Google Analytics").
	Name string `yaml:"name" json:"name"`
	// Company runs the product ("Google LLC"); optional.
	Company string `yaml:"company,omitempty" json:"company,omitempty"`
	// Category is the vendor's standard category.
	Category Category `yaml:"category" json:"category"`
	// Purpose says, in a visitor's words, what the vendor does on a site.
	Purpose string `yaml:"purpose" json:"purpose"`
	// Docs links to the vendor's own privacy or cookie documentation, the
	// source of the entry's facts (https).
	Docs string `yaml:"docs" json:"docs"`
	// Hosts are the host names the vendor loads from and sends to; each
	// covers its subdomains.
	Hosts []string `yaml:"hosts,omitempty" json:"hosts,omitempty"`
	// URLs are host+path prefixes ("www.google.com/pagead/") where a host
	// also serves content that is not the vendor's tracking. A vendor needs
	// Hosts or URLs.
	URLs []string `yaml:"urls,omitempty" json:"urls,omitempty"`
	// Cookies are the cookies the vendor sets, as its documentation lists
	// them.
	Cookies []Cookie `yaml:"cookies,omitempty" json:"cookies,omitempty"`
	// Embed is set for vendors whose element (a frame, a player) can be
	// replaced by a click-to-load placeholder.
	Embed Embed `yaml:"embed,omitempty" json:"embed,omitempty"`
}

// Cookie is one cookie (or a family of cookies) a vendor sets.
type Cookie struct {
	// Name is the exact name, or a pattern where '*' stands for any run of
	// characters ("_ga_*").
	Name string `yaml:"name" json:"name"`
	// Lifetime is how long the cookie lives ("session", "2y", "13mo",
	// "24h"), as the vendor documents it.
	Lifetime consent.Lifetime `yaml:"lifetime" json:"lifetime"`
	// Party is FirstParty or ThirdParty.
	Party Party `yaml:"party" json:"party"`
	// Purpose says what the cookie is for.
	Purpose string `yaml:"purpose,omitempty" json:"purpose,omitempty"`
}

// Catalog is a validated, immutable set of vendors; safe for concurrent use.
type Catalog struct {
	vendors []Vendor
	byID    map[string]int
}

// ErrInvalid is wrapped by every error Parse returns for bad catalog data.
var ErrInvalid = errors.New("catalog: invalid")

//go:embed vendors/*.yaml
var vendorFiles embed.FS

// Default returns the built-in catalog, parsed once. It panics if the
// embedded data is invalid, which this package's tests rule out.
func Default() *Catalog { return defaultCatalog() }

var defaultCatalog = sync.OnceValue(func() *Catalog {
	c, err := parseFS(vendorFiles, "vendors")
	if err != nil {
		panic(err)
	}
	return c
})

// parseFS reads every .yaml file of dir, in name order.
func parseFS(fsys fs.FS, dir string) (*Catalog, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	var all []Vendor
	for _, e := range entries {
		if e.IsDir() || path.Ext(e.Name()) != ".yaml" {
			continue
		}
		data, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		vs, err := decode(data)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrInvalid, e.Name(), err)
		}
		all = append(all, vs...)
	}
	return build(all)
}

// Parse reads a catalog in the format of the built-in one: a YAML list of
// vendors. Unknown keys are errors.
func Parse(data []byte) (*Catalog, error) {
	vs, err := decode(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return build(vs)
}

func decode(data []byte) ([]Vendor, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var vs []Vendor
	if err := dec.Decode(&vs); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return vs, nil
}

func build(vs []Vendor) (*Catalog, error) {
	if err := validate(vs); err != nil {
		return nil, err
	}
	c := &Catalog{vendors: vs, byID: make(map[string]int, len(vs))}
	for i, v := range vs {
		c.byID[v.ID] = i
	}
	return c, nil
}

// Len returns the number of vendors.
func (c *Catalog) Len() int { return len(c.vendors) }

// Vendors returns every vendor, in file order. The slice and its vendors
// are shared: do not modify them.
func (c *Catalog) Vendors() []Vendor { return c.vendors }

// Vendor returns the vendor with the given ID.
func (c *Catalog) Vendor(id string) (Vendor, bool) {
	i, ok := c.byID[id]
	if !ok {
		return Vendor{}, false
	}
	return c.vendors[i], true
}

// Search returns the vendors whose ID, name, company, category or a host
// contains term, case-insensitively, in file order.
func (c *Catalog) Search(term string) []Vendor {
	term = strings.ToLower(strings.TrimSpace(term))
	var out []Vendor
	for _, v := range c.vendors {
		hay := []string{v.ID, v.Name, v.Company, string(v.Category)}
		hay = append(hay, v.Hosts...)
		hay = append(hay, v.URLs...)
		for _, h := range hay {
			if strings.Contains(strings.ToLower(h), term) {
				out = append(out, v)
				break
			}
		}
	}
	return out
}
