//go:build e2e

// Package e2e drives a real Chromium with chromedp against sites wrapped by
// the ConsentGate middleware: what a visitor sees and can do with the
// banner, with and without JavaScript, and which tracker requests leave the
// browser before and after a choice. Run with `make e2e` (or `go test -tags
// e2e ./internal/e2e/`); it needs Debian's chromium and no network beyond
// loopback.
package e2e

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Time limits. Every browser action runs under a deadline, so that a hung
// browser fails a test instead of hanging the run.
const (
	startTimeout = 30 * time.Second // starting Chromium
	tabTimeout   = 45 * time.Second // everything one test does in its tab
)

// browser is the shared browser of the package: one Chromium process, with a
// new browser context (own cookies and cache) and tab for each test.
var browser struct {
	ctx        context.Context // nil when there is no browser
	skipReason string
}

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	path, err := findChromium()
	if err != nil {
		// CI installs chromium, so there a missing browser is a broken
		// setup, not a reason to pass without testing anything.
		if os.Getenv("CI") != "" {
			fmt.Fprintln(os.Stderr, "e2e: CI is set but", err)
			return 1
		}
		browser.skipReason = err.Error()
		fmt.Fprintln(os.Stderr, "e2e: skipping the browser tests:", err)
		return m.Run()
	}

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Headless,
		chromedp.NoSandbox, // CI runs as root, where Chromium's sandbox cannot start
		chromedp.DisableGPU,
		// The machine has no network: without these Chromium keeps trying
		// Google's services and floods the log with refused connections.
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-features", "Translate,MediaRouter,OptimizationHints"),
		chromedp.Flag("force-color-profile", "srgb"),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("mute-audio", true),
		// The Reporting API (CSP report-to) batches reports for a minute;
		// this sends them within 100 ms, as the web platform tests do. It
		// delivers only to HTTPS sites, so the report tests serve over TLS
		// with httptest's self-signed certificate, which the browser takes.
		chromedp.Flag("short-reporting-delay", true),
		chromedp.Flag("ignore-certificate-errors", true),
		chromedp.WindowSize(1280, 800),
		// No UserDataDir: the allocator then makes a fresh temporary
		// profile for the run and removes it when the browser stops.
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(allocCtx)
	defer cancel()

	// The first Run ties the browser's life to its context, so it cannot
	// get a deadline of its own: a timer cancels a start that hangs.
	hung := time.AfterFunc(startTimeout, cancel)
	err = chromedp.Do(ctx)
	hung.Stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: cannot start %s: %v\n", path, err)
		return 1
	}
	browser.ctx = ctx
	code := m.Run()

	closeCtx, cancelClose := context.WithTimeout(ctx, 10*time.Second)
	defer cancelClose()
	if err := chromedp.Cancel(closeCtx); err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(os.Stderr, "e2e: closing the browser:", err)
	}
	return code
}

// findChromium returns the browser to drive: $E2E_CHROMIUM, else Debian's
// chromium on the PATH or in /usr/bin.
func findChromium() (string, error) {
	if p := os.Getenv("E2E_CHROMIUM"); p != "" {
		if _, err := exec.LookPath(p); err != nil {
			return "", fmt.Errorf("E2E_CHROMIUM=%s is not an executable: %w", p, err)
		}
		return p, nil
	}
	for _, name := range []string{"chromium", "/usr/bin/chromium"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("chromium not found (looked for $E2E_CHROMIUM, chromium on the PATH, /usr/bin/chromium): install Debian's chromium with `apt-get install chromium`")
}
