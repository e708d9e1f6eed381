# Build, test and CI tooling for github.com/consentgate/consent.
#
# `make` (or `make help`) lists the targets. Every target meant for people
# carries a `## description` comment on its rule line; `help` greps them.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-builtin-rules
.DELETE_ON_ERROR:

GO    ?= go
GOFMT ?= gofmt

# ---- Toolchain --------------------------------------------------------------
# Every target runs on the Go release go.mod's toolchain line names: the go
# command downloads it through the module proxy on first use, whatever Go is
# installed, so tests, vet, staticcheck, govulncheck and the consent-proxy
# binary that `make vuln` scans all see the same standard library. A
# GOTOOLCHAIN set in the environment wins (GOTOOLCHAIN=local: the installed
# Go); one set only with `go env -w` does not.
GO_TOOLCHAIN := $(shell awk '$$1 == "toolchain" {print $$2}' go.mod)
export GOTOOLCHAIN ?= $(GO_TOOLCHAIN)

# ---- Pinned tool versions ---------------------------------------------------
# staticcheck v0.8.2 is the newest release (its go.mod says go 1.26.0).
STATICCHECK_VERSION := v0.8.2
GOVULNCHECK_VERSION := v1.9.0
# golang.org/x/vulndb snapshot that the offline vulnerability database is built from.
VULNDB_VERSION      := v0.0.0-20261105234957-e22db6528018

TOOLS_BIN   := $(CURDIR)/.tools/bin
STATICCHECK := $(TOOLS_BIN)/staticcheck
GOVULNCHECK := $(TOOLS_BIN)/govulncheck
# Outside the checkout, so that every clone on a machine (CI's included)
# shares one build of it per version: building it takes minutes.
VULNDB_DIR  ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/consentgate/vulndb-$(VULNDB_VERSION)
VULNDB_STAMP := $(VULNDB_DIR)/.built-$(VULNDB_VERSION)
# The consent-proxy binary that `make vuln` scans (-mode binary).
VULN_BIN    := $(CURDIR)/.cache/vuln/consent-proxy

# ---- Knobs ------------------------------------------------------------------
BENCH       ?= .
BENCHTIME   ?= 1s
BENCH_COUNT ?= 1
FUZZTIME    ?= 30s
# Minimizing a new input can outlast a short FUZZTIME, which Go reports as a
# failure ("context deadline exceeded"): keep it brief.
FUZZMINTIME ?= 2s
DEMO_FLAGS  ?=
LOAD_DURATION    ?= 30s
LOAD_CONCURRENCY ?= 64
# Examples that are modules of their own (a web framework in the core go.mod
# would be every user's requirement): test and lint visit each.
EXAMPLE_MODULES := $(patsubst %/go.mod,%,$(wildcard examples/*/go.mod))
# The demo site (examples/demo) replaces examples/stdlib as soon as it exists.
DEMO_PKG := $(if $(wildcard examples/demo/*.go),./examples/demo,./examples/stdlib)

.PHONY: help toolchain test caddy demo bench load lint vuln keys fuzz e2e tools vulndb clean

help: ## Show this help
	@echo 'Usage: make TARGET [VAR=value ...]'
	@echo
	@grep -hE '^[a-zA-Z0-9_-]+:.*## ' $(MAKEFILE_LIST) \
		| awk 'BEGIN {FS = ":.*## "} {printf "  %-9s %s\n", $$1, $$2}'
	@echo
	@echo 'Variables: BENCH=$(BENCH) BENCHTIME=$(BENCHTIME) BENCH_COUNT=$(BENCH_COUNT)'
	@echo '           FUZZTIME=$(FUZZTIME) FUZZMINTIME=$(FUZZMINTIME) DEMO_FLAGS=$(DEMO_FLAGS) (demo package: $(DEMO_PKG))'
	@echo '           LOAD_DURATION=$(LOAD_DURATION) LOAD_CONCURRENCY=$(LOAD_CONCURRENCY)'

toolchain: ## Print the Go release the targets use (go.mod's toolchain line, downloaded on first use)
	$(GO) version

test: ## Run all unit tests with the race detector (the example modules too)
	$(GO) test -race -count=1 ./...
	@for m in $(EXAMPLE_MODULES); do \
		echo "cd $$m && $(GO) test -race -count=1 ./..."; \
		(cd "$$m" && $(GO) test -race -count=1 ./...) || exit 1; \
	done

# The Caddy module (caddy/) is a Go module of its own, so that the core
# module does not depend on Caddy; compiling Caddy is most of its cost.
caddy: ## Vet and test the Caddy module (caddy/, its own Go module) with Caddy in-process
	cd caddy && $(GO) vet ./... && $(GO) test -count=1 ./...

demo: ## Run the demo site (examples/demo, else examples/stdlib); pass DEMO_FLAGS
	$(GO) run $(DEMO_PKG) $(DEMO_FLAGS)

bench: ## Run benchmarks matching BENCH (raw, benchstat-ready output in .bench/latest.txt)
	@mkdir -p .bench
	$(GO) test -run='^$$' -bench='$(BENCH)' -benchmem -benchtime=$(BENCHTIME) \
		-count=$(BENCH_COUNT) ./... | tee .bench/latest.txt
	@cp .bench/latest.txt .bench/bench-$$(date -u +%Y%m%dT%H%M%SZ).txt
	@echo 'saved .bench/latest.txt (compare: benchstat OLD.txt .bench/latest.txt)'
	@echo
	@$(GO) run ./internal/benchtable < .bench/latest.txt
	@$(GO) test -count=1 -run='^TestMemoryPer(Compressed)?HTMLResponseIsBounded$$' -v ./middleware/ | sed -n \
		-e 's/^ *memory_test.go:[0-9]*: /memory per in-flight HTML response (target ≤ 64 KiB): /p' \
		-e 's/^ *memory_compressed_test.go:[0-9]*: /memory per in-flight compressed HTML response, /p'

# The server runs in the load test's own process, so that it can read its
# heap and goroutines; the demo and the bare pages each get LOAD_DURATION.
load: ## Load-test the demo (middleware vs bare pages) for LOAD_DURATION at LOAD_CONCURRENCY; fails on any error or leak
	$(GO) run ./internal/loadtest -duration=$(LOAD_DURATION) -concurrency=$(LOAD_CONCURRENCY)

lint: tools ## gofmt check, go vet and staticcheck
	@unformatted=$$($(GOFMT) -l .); \
	if [ -n "$$unformatted" ]; then \
		echo 'gofmt: these files need formatting (run gofmt -w):'; \
		echo "$$unformatted"; \
		exit 1; \
	fi
	$(GO) vet ./...
	$(STATICCHECK) ./...
	@for m in $(EXAMPLE_MODULES); do \
		echo "cd $$m && $(GO) vet ./... && staticcheck ./..."; \
		(cd "$$m" && $(GO) vet ./... && $(STATICCHECK) ./...) || exit 1; \
	done

# The source scan finds what the module's code reaches; the binary scan
# checks what is actually shipped: the consent-proxy binary, with the
# standard library and module versions recorded in it by the Go that built it.
# The example modules (EXAMPLE_MODULES) are not scanned: they ship nothing,
# and Echo v4 carries advisories that only Echo v5 fixes (see README).
vuln: tools vulndb ## govulncheck (offline database) on the source and on the built consent-proxy binary
	$(GO) version
	$(GOVULNCHECK) -db file://$(VULNDB_DIR) ./...
	@mkdir -p '$(dir $(VULN_BIN))'
	$(GO) build -o '$(VULN_BIN)' ./cmd/consent-proxy
	$(GO) version '$(VULN_BIN)'
	$(GOVULNCHECK) -db file://$(VULNDB_DIR) -mode binary '$(VULN_BIN)'

keys: ## Print a fresh CONSENT_HASH_KEY and CONSENT_BLOCK_KEY (32 bytes hex each)
	@rand_hex32() { \
		if command -v openssl >/dev/null 2>&1; then openssl rand -hex 32; \
		else head -c32 /dev/urandom | od -An -tx1 | tr -d ' \n'; echo; fi; \
	}; \
	echo "CONSENT_HASH_KEY=$$(rand_hex32)"; \
	echo "CONSENT_BLOCK_KEY=$$(rand_hex32)"

fuzz: ## Run every native fuzz target for FUZZTIME each, one after another
	@n=0; \
	for pkg in $$($(GO) list -f '{{if or .TestGoFiles .XTestGoFiles}}{{.ImportPath}}{{end}}' ./...); do \
		for target in $$($(GO) test -list '^Fuzz' "$$pkg" | awk '/^Fuzz/'); do \
			echo "== $$pkg $$target ($(FUZZTIME))"; \
			$(GO) test -run='^$$' -fuzz="^$$target\$$" -fuzztime=$(FUZZTIME) -fuzzminimizetime=$(FUZZMINTIME) "$$pkg" || exit 1; \
			n=$$((n + 1)); \
		done; \
	done; \
	echo "fuzz: ran $$n fuzz target(s)"

# The browser tests live in internal/e2e (build tag e2e); `make test` runs the
# rest. -v lists each test (and says why they skip without chromium), and the
# screenshot paths the tests log.
e2e: ## Run end-to-end (browser) tests, build tag e2e, Debian chromium
	$(GO) test -tags e2e -count=1 -v -timeout 10m ./internal/e2e/...

tools: ## Install pinned staticcheck and govulncheck into .tools/bin (if missing or outdated)
	@# Both type-check the standard library of the Go they analyse with, so
	@# both are built by that release: a go1.26 build cannot parse go1.27's
	@# stdlib.
	@$(call go-install,staticcheck,honnef.co/go/tools/cmd/staticcheck,$(STATICCHECK_VERSION))
	@$(call go-install,govulncheck,golang.org/x/vuln/cmd/govulncheck,$(GOVULNCHECK_VERSION))

vulndb: $(VULNDB_STAMP) ## Build the offline vulnerability database in ~/.cache/consentgate (once per version and machine)

$(VULNDB_STAMP):
	@echo 'vulndb: building database from golang.org/x/vulndb@$(VULNDB_VERSION)'
	rm -rf '$(VULNDB_DIR)' '$(VULNDB_DIR).tmp'
	mkdir -p "$$(dirname '$(VULNDB_DIR)')"
	@# Run outside this module, so that go.mod/go.sum are never touched.
	src=$$(cd / && GOWORK=off $(GO) mod download -json golang.org/x/vulndb@$(VULNDB_VERSION) \
		| sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$$/\1/p'); \
	test -d "$$src/data/osv"; \
	cd "$$src" && GOWORK=off $(GO) run ./cmd/indexdb -vulns data/osv -out '$(VULNDB_DIR).tmp'
	mv '$(VULNDB_DIR).tmp' '$(VULNDB_DIR)'
	touch '$@'

clean: ## Remove .tools, .cache and .bench
	rm -rf .tools .cache .bench

# $(call go-install,BINARY,PACKAGE,VERSION): go install PACKAGE@VERSION into
# $(TOOLS_BIN), built by the Go release this module's go commands run on (go
# env GOVERSION here), unless the binary there already is VERSION built by
# that release (both read back with `go version -m`). The release is passed
# as GOTOOLCHAIN because `go install pkg@version` would otherwise pick the Go
# of the tool's own go.mod.
define go-install
	want_go=$$($(GO) env GOVERSION); \
	info=$$($(GO) version -m '$(TOOLS_BIN)/$(1)' 2>/dev/null || true); \
	have=$$(awk '$$1 == "mod" {print $$3}' <<<"$$info"); \
	have_go=$$(awk 'NR == 1 {print $$2}' <<<"$$info"); \
	if [ "$$have" = '$(3)' ] && [ "$$have_go" = "$$want_go" ]; then \
		echo "$(1) $(3) ($$have_go) is installed"; \
	else \
		echo "installing $(2)@$(3) into $(TOOLS_BIN) with $$want_go"; \
		GOTOOLCHAIN="$$want_go" GOBIN='$(TOOLS_BIN)' $(GO) install '$(2)@$(3)'; \
	fi
endef
