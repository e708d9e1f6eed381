package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/consentgate/consent"
)

const (
	// defaultAdminURL is where `inventory draft` looks without -admin or
	// CONSENT_ADMIN: the address the documentation suggests for -admin.
	defaultAdminURL = "http://127.0.0.1:9090"
	// draftTimeout bounds fetching the draft: the proxy answers it from
	// memory, so only a hung connection takes long.
	draftTimeout = 30 * time.Second
	// maxDraftBytes is the policy loader's own bound: a larger draft could
	// never be loaded.
	maxDraftBytes = 4 << 20
)

// inventoryCommand runs `consent-proxy inventory COMMAND`; draft is the
// only one.
func inventoryCommand(ctx context.Context, args []string, e env) int {
	if len(args) > 0 && args[0] == "draft" {
		return draftInventory(ctx, args[1:], e)
	}
	if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
		draftUsage(e.stdout)
		return exitOK
	}
	if len(args) == 0 {
		fmt.Fprintln(e.stderr, "consent-proxy: inventory: missing command (commands: draft)")
	} else {
		fmt.Fprintf(e.stderr, "consent-proxy: inventory: unknown command %q (commands: draft)\n", args[0])
	}
	return exitUsage
}

// draftConfig is the checked form of the draft's flags.
type draftConfig struct {
	admin *url.URL
	out   string // "" is stdout
}

// draftInventory fetches the policy a running proxy drafts from its
// inventory and writes it.
func draftInventory(ctx context.Context, args []string, e env) int {
	c, err := parseDraft(args, e.getenv)
	if errors.Is(err, errHelp) {
		draftUsage(e.stdout)
		return exitOK
	}
	if err != nil {
		return failUsage(e, err)
	}
	draft, err := fetchDraft(ctx, c.admin)
	if err == nil {
		write := func(w io.Writer) error { _, err := w.Write(draft); return err }
		if c.out == "" {
			err = write(e.stdout)
		} else {
			// 0644: a policy is what the banner shows every visitor,
			// and the proxy may run as another user than the one who
			// reviews the draft.
			err = writeFileAtomic(c.out, 0o644, write)
		}
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "consent-proxy: inventory draft: %s\n", oneLine(err.Error()))
		return exitError
	}
	if c.out != "" {
		msg := "wrote " + c.out
		if n := bytes.Count(draft, []byte("category: "+consent.Placeholder)); n > 0 {
			msg += fmt.Sprintf(": choose a category for each of its %d %q entries before loading it with -policy", n, consent.Placeholder)
		}
		fmt.Fprintf(e.stderr, "consent-proxy: inventory draft: %s\n", msg)
	}
	return exitOK
}

// parseDraft reads the draft's flags. -admin falls back to CONSENT_ADMIN,
// so that on the proxy's host the draft finds the proxy without repeating
// its address.
func parseDraft(args []string, getenv func(string) string) (*draftConfig, error) {
	fs := flag.NewFlagSet("consent-proxy inventory draft", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported on one line by the caller
	admin := fs.String("admin", "", "")
	out := fs.String("o", "", "")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q: every option is a flag", fs.Arg(0))
	}
	c := &draftConfig{out: *out}
	if c.out != "" {
		dir := filepath.Dir(c.out)
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			return nil, &flagError{flag: "o", msg: fmt.Sprintf("directory %s does not exist", dir)}
		}
	}
	raw, src := strings.TrimSpace(*admin), ""
	if raw == "" {
		raw, src = strings.TrimSpace(getenv(envName("admin"))), envName("admin")
	}
	if raw == "" {
		raw, src = defaultAdminURL, ""
	}
	u, err := parseAdminURL(raw)
	if err != nil {
		return nil, &flagError{flag: "admin", msg: err.Error(), src: src}
	}
	c.admin = u
	return c, nil
}

// parseAdminURL reads the admin address as an http(s) URL, or as the
// host:port the proxy's -admin takes, so that CONSENT_ADMIN serves both. A
// path is kept: behind an authenticating proxy the inventory may live
// below one.
func parseAdminURL(raw string) (*url.URL, error) {
	s := raw
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("must be the proxy's admin address, host:port or an http or https URL, not %q", raw)
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return nil, errors.New("must hold no query or fragment")
	}
	// An -admin of :9090 or 0.0.0.0:9090 listens on every interface,
	// loopback among them; it cannot be dialled as written.
	if host, port := u.Hostname(), u.Port(); port != "" {
		switch ip := net.ParseIP(host); {
		case host == "" || (ip != nil && ip.To4() != nil && ip.IsUnspecified()):
			u.Host = net.JoinHostPort("127.0.0.1", port)
		case ip != nil && ip.IsUnspecified():
			u.Host = net.JoinHostPort("::1", port)
		}
	}
	return u, nil
}

// fetchDraft asks the proxy's admin listener for its drafted policy.
func fetchDraft(ctx context.Context, admin *url.URL) ([]byte, error) {
	target := admin.JoinPath("inventory")
	target.RawQuery = "format=policy"
	name := target.Redacted() // a URL's password never reaches the terminal
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/yaml")
	client := &http.Client{Timeout: draftTimeout}
	resp, err := client.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // its message repeats the URL
		}
		return nil, fmt.Errorf("cannot reach the proxy's admin address %s: %v (is consent-proxy running with -admin there?)", name, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s answered %s, not a drafted policy (is it the proxy's -admin address?)", name, resp.Status)
	}
	// Anything else is most likely the site's page: -admin pointed at the
	// public listener, or at a login page in front of the admin one.
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "application/yaml" {
		return nil, fmt.Errorf("%s answered %q, not a drafted policy (is it the proxy's -admin address?)", name, resp.Header.Get("Content-Type"))
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxDraftBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading the draft from %s: %v", name, err)
	}
	if len(body) > maxDraftBytes {
		return nil, fmt.Errorf("%s answered more than %d bytes, more than a policy file may hold", name, maxDraftBytes)
	}
	return body, nil
}

// draftUsage writes the draft's flags.
func draftUsage(w io.Writer) {
	fmt.Fprint(w, `Usage: consent-proxy inventory draft [-admin URL] [-o FILE]

Fetches the policy a running consent-proxy drafts from what it has seen
(GET <admin>/inventory?format=policy): the -policy it runs with, plus every
cookie and third-party host it saw that the policy does not declare. Those
of a vendor of the catalog of known third parties name the vendor under
catalog.uses, with a comment giving its purpose and category; the others
have the category "undecided", which the policy loader refuses until each
is given a real one or removed.

  -admin URL   the proxy's -admin address, host:port or an http(s) URL
               (default: CONSENT_ADMIN, else http://127.0.0.1:9090)
  -o FILE      write to FILE (mode 0644, replaced once complete); default stdout
`)
}
