package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// versionCommand runs `consent-proxy version` (and -version): the module
// version and the Go release that built the binary, on standard output.
func versionCommand(_ context.Context, args []string, e env) int {
	if len(args) > 0 {
		fmt.Fprintf(e.stderr, "consent-proxy: version takes no arguments, not %q\n", args[0])
		return exitUsage
	}
	fmt.Fprintln(e.stdout, versionLine(debug.ReadBuildInfo()))
	return exitOK
}

// versionLine describes a build: "consent-proxy v1.4.0 go1.27.3
// linux/amd64", with the commit when the binary records one. A binary built
// inside the module's working tree has the version "(devel)"; `go install
// …/cmd/consent-proxy@v1.4.0` records v1.4.0.
func versionLine(bi *debug.BuildInfo, ok bool) string {
	version, goVersion := "(unknown)", runtime.Version()
	var revision, modified string
	if ok {
		version, goVersion = bi.Main.Version, bi.GoVersion
		if version == "" {
			version = "(devel)"
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				revision = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					modified = "+modified"
				}
			}
		}
	}
	line := fmt.Sprintf("consent-proxy %s %s %s/%s", version, goVersion, runtime.GOOS, runtime.GOARCH)
	if revision != "" {
		line += " commit " + revision + modified
	}
	return line
}

// helpCommand runs `consent-proxy help [COMMAND]`: the usage of the proxy or
// of one command, on standard output.
func helpCommand(_ context.Context, args []string, e env) int {
	topic := ""
	if len(args) > 0 {
		topic = args[0]
	}
	var write func(io.Writer)
	switch topic {
	case "", "serve":
		write = usage
	case "ledger":
		write = exportUsage
	case "inventory":
		write = draftUsage
	case "catalog":
		write = catalogUsage
	case "version", "help":
		fmt.Fprintf(e.stdout, "Usage: consent-proxy %s\n", topic)
		return exitOK
	default:
		fmt.Fprintf(e.stderr, "consent-proxy: help: unknown command %q (commands: %s)\n", topic, commandNames())
		return exitUsage
	}
	write(e.stdout)
	return exitOK
}
