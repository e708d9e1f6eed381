package main

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/consentgate/consent"
)

// requestTimeout bounds each request, so that a stuck server fails the run
// instead of hanging it.
const requestTimeout = 10 * time.Second

// visitor is one browser: its own cookie jar and its consent as the load
// test last set it. A visitor makes one request at a time, as a browser
// navigating does, so that its state is what the server sees.
type visitor struct {
	mu     sync.Mutex
	client *http.Client
	state  state
}

// pool holds the visitors of one server. The undecided never post a
// decision, so they stay undecided through the run; the decided change
// their minds with each consent POST.
type pool struct {
	base      string // http://127.0.0.1:PORT
	undecided []*visitor
	decided   []*visitor
}

// newPool makes n visitors of base, half of them undecided, sharing tr.
func newPool(base string, tr http.RoundTripper, n int) *pool {
	p := &pool{base: base}
	for i := range n {
		jar, _ := cookiejar.New(nil) // never fails without options
		v := &visitor{client: &http.Client{Transport: tr, Jar: jar, Timeout: requestTimeout,
			// Each response is checked as it comes: a redirect is the
			// answer of a consent POST, not a page to load.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
		if i%2 == 0 {
			p.undecided = append(p.undecided, v)
		} else {
			p.decided = append(p.decided, v)
		}
	}
	return p
}

// pick locks and returns a random visitor of group, preferring one that is
// not busy; the caller unlocks it.
func pick(r *rand.Rand, group []*visitor) *visitor {
	for range len(group) {
		if v := group[r.IntN(len(group))]; v.mu.TryLock() {
			return v
		}
	}
	v := group[r.IntN(len(group))]
	v.mu.Lock()
	return v
}

// choice is a consent form a visitor posts and the state it leads to.
type choice struct {
	form url.Values
	to   state
}

var choices = []choice{
	{url.Values{"action": {"accept-all"}}, accepted},
	{url.Values{"action": {"reject-all"}}, rejected},
	{url.Values{"action": {"save"}, "category": {string(consent.Analytics)}}, custom},
}

// pageRequest is a visitor's GET of pg.
func (p *pool) pageRequest(pg page) *http.Request {
	req, _ := http.NewRequest(http.MethodGet, p.base+pg.path, nil) // the URL is well formed
	req.Header.Set("Accept", "text/html")
	req.Header.Set("Accept-Language", "en")
	return req
}

// decisionRequest is the consent form c posted from page pg, with the
// headers a browser sends on a same-origin form post (the endpoint refuses
// cross-origin ones).
func (p *pool) decisionRequest(c choice, pg page) *http.Request {
	form := url.Values{"return": {pg.path}}
	for k, v := range c.form {
		form[k] = v
	}
	req, _ := http.NewRequest(http.MethodPost, p.base+"/consent", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", p.base)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Accept-Language", "en")
	return req
}

// checkDecision checks the answer to a consent POST from pg: back to pg.
func checkDecision(resp *http.Response, pg page) error {
	if resp.StatusCode != http.StatusSeeOther {
		return fmt.Errorf("consent POST: status %d, want 303", resp.StatusCode)
	}
	if loc := resp.Header.Get("Location"); loc != pg.path {
		return fmt.Errorf("consent POST from %s: Location %q", pg.path, loc)
	}
	return nil
}
