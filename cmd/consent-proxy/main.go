package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"github.com/consentgate/consent/catalog"
	"github.com/consentgate/consent/store"
)

// Exit statuses.
const (
	exitOK    = 0
	exitError = 1 // a failure while running
	exitUsage = 2 // bad flags or configuration, found before listening
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// After the first signal starts the graceful shutdown, a second one
	// kills the process at once, as without the handler.
	context.AfterFunc(ctx, stop)
	os.Exit(run(ctx, os.Args[1:], env{getenv: os.Getenv, stdout: os.Stdout, stderr: os.Stderr}))
}

// env is what a run takes from its surroundings besides its arguments, so
// that tests can supply their own.
type env struct {
	getenv func(string) string
	// stdout is where `ledger export` writes without -o, and where help
	// and the version go.
	stdout io.Writer
	stderr io.Writer
	// ready, when set, is called with the bound address once the proxy
	// listens: with -listen 127.0.0.1:0, tests learn the port this way.
	ready func(addr net.Addr)
	// adminReady, when set, is called with the bound -admin address, before
	// ready, so that a test waiting for ready knows both ports.
	adminReady func(addr net.Addr)
	// ledgerOptions are added to the ledger's options when serving: tests
	// shorten the SQLite busy timeout with them, so that a locked ledger
	// fails in milliseconds rather than the default seconds.
	ledgerOptions []store.LedgerOption
	// timeouts, when set, replace the server's read and idle timeouts:
	// tests shorten them to see a slow client cut off in a second rather
	// than in minutes.
	timeouts *serverTimeouts
	// catalog, when set, replaces the built-in catalog of the catalog
	// commands: tests give them a small one of their own.
	catalog *catalog.Catalog
}

// commands are the subcommands, named by the first argument when it is not
// a flag. Without one, consent-proxy serves.
var commands = map[string]func(ctx context.Context, args []string, e env) int{
	"serve":     serve,
	"ledger":    ledgerCommand,
	"inventory": inventoryCommand,
	"catalog":   catalogCommand,
	"version":   versionCommand,
}

// help joins the commands at init: it names them in its errors, which a
// map literal referring to it could not.
func init() { commands["help"] = helpCommand }

// commandNames lists the commands for a message, sorted.
func commandNames() string {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// run dispatches to a subcommand and returns the exit status. The context
// ending (SIGINT or SIGTERM in main) shuts a running proxy down gracefully.
func run(ctx context.Context, args []string, e env) int {
	if len(args) > 0 && (args[0] == "-version" || args[0] == "--version") {
		return versionCommand(ctx, args[1:], e)
	}
	if len(args) > 0 && args[0] != "" && !strings.HasPrefix(args[0], "-") {
		cmd, ok := commands[args[0]]
		if !ok {
			fmt.Fprintf(e.stderr, "consent-proxy: unknown command %q (commands: %s)\n", args[0], commandNames())
			return exitUsage
		}
		return cmd(ctx, args[1:], e)
	}
	return serve(ctx, args, e)
}

// failUsage reports a configuration problem on one line.
func failUsage(e env, err error) int {
	if errors.Is(err, errHelp) {
		usage(e.stdout) // asked for: standard output, like `help`
		return exitOK
	}
	fmt.Fprintf(e.stderr, "consent-proxy: %s\n", oneLine(err.Error()))
	return exitUsage
}

// oneLine joins the lines of a message (YAML errors list one per line), so
// that each failure is one line of the log.
func oneLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return strings.Join(lines, " ")
}
