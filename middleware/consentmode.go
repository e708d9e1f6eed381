package middleware

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"sync"

	"github.com/consentgate/consent"
)

// ConsentModeMap maps each Google Consent Mode v2 consent type
// ("analytics_storage", "ad_storage", …) to the categories that grant it: a
// type is granted when the visitor granted every one of its categories.
// Types the map leaves out, but security_storage, are always denied.
type ConsentModeMap map[string][]consent.CategoryID

// DefaultConsentModeMap is the mapping GoogleConsentMode uses by default:
// analytics → analytics_storage; targeting and partner → ad_storage,
// ad_user_data and ad_personalization; functionality →
// functionality_storage and personalization_storage.
func DefaultConsentModeMap() ConsentModeMap {
	return ConsentModeMap{
		"analytics_storage":       {consent.Analytics},
		"ad_storage":              {consent.Targeting, consent.Partner},
		"ad_user_data":            {consent.Targeting, consent.Partner},
		"ad_personalization":      {consent.Targeting, consent.Partner},
		"functionality_storage":   {consent.Functionality},
		"personalization_storage": {consent.Functionality},
	}
}

// consentModeTypes are the consent types Google Consent Mode v2 knows.
var consentModeTypes = []string{
	"ad_personalization", "ad_storage", "ad_user_data", "analytics_storage",
	"functionality_storage", "personalization_storage", "security_storage",
}

// consentMode renders the gtag consent calls for a visitor.
type consentMode struct {
	types  []string          // sorted
	needs  map[string]uint64 // type → category bits it needs
	cache  sync.Map          // granted bits → rendered calls (few distinct)
	header []byte            // the default call, the same for everyone
}

func newConsentMode(mm ConsentModeMap, catBit map[consent.CategoryID]uint8) (*consentMode, error) {
	cm := &consentMode{needs: map[string]uint64{}}
	for typ, cats := range mm {
		if !slices.Contains(consentModeTypes, typ) {
			return nil, fmt.Errorf("consent type %q is not one of %v", typ, consentModeTypes)
		}
		if typ == "security_storage" {
			return nil, fmt.Errorf("consent type security_storage is always granted: leave it out")
		}
		if len(cats) == 0 {
			return nil, fmt.Errorf("consent type %q: no category", typ)
		}
		var bits uint64
		for _, c := range cats {
			b, ok := catBit[c]
			if !ok {
				return nil, fmt.Errorf("consent type %q: %q is not a category of the policy", typ, c)
			}
			bits |= 1 << b
		}
		cm.needs[typ] = bits
		cm.types = append(cm.types, typ)
	}
	sort.Strings(cm.types)
	def := map[string]any{"wait_for_update": 500}
	for _, t := range consentModeTypes {
		def[t] = "denied"
	}
	def["security_storage"] = "granted"
	js, _ := json.Marshal(def)
	cm.header = fmt.Appendf(nil, "window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}gtag('consent','default',%s);", js)
	return cm, nil
}

// state is the update for a visitor who granted the given categories.
func (cm *consentMode) state(granted uint64) map[string]string {
	s := make(map[string]string, len(cm.types))
	for _, t := range cm.types {
		if granted&cm.needs[t] == cm.needs[t] {
			s[t] = "granted"
		} else {
			s[t] = "denied"
		}
	}
	return s
}

// script returns the inline script's text: the default call, then, for a
// visitor who decided, the update.
func (cm *consentMode) script(granted uint64, decided bool) []byte {
	if !decided {
		return cm.header
	}
	if js, ok := cm.cache.Load(granted); ok {
		return js.([]byte)
	}
	upd, _ := json.Marshal(cm.state(granted))
	js := fmt.Appendf(append([]byte(nil), cm.header...), "gtag('consent','update',%s);", upd)
	cm.cache.Store(granted, js)
	return js
}
