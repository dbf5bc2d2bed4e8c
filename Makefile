# Developer and CI entry points. CI runs `make test` through .ci/run.

GO       ?= go
FUZZTIME ?= 20s
BENCH    ?= .

# bash with pipefail, so that a failing `go test -list` fails `make fuzz`.
SHELL       := bash
.SHELLFLAGS := -euo pipefail -c

.PHONY: test fuzz build demo bench layout

test:
	$(GO) vet ./...
	$(GO) test -race -count=1 ./...

# Runs every fuzz target for FUZZTIME, one at a time (go test -fuzz takes one
# target in one package). Targets are discovered, so new ones join by themselves.
fuzz:
	@$(GO) test -list '^Fuzz' ./... \
	  | awk '/^Fuzz/ { t[n++] = $$1; next } /^ok/ { for (i = 0; i < n; i++) print $$2, t[i]; n = 0 }' \
	  | while read -r pkg target; do \
	      echo "== $$target ($$pkg, $(FUZZTIME))"; \
	      $(GO) test -run '^$$' -fuzz "^$$target\$$" -fuzztime $(FUZZTIME) "$$pkg" </dev/null; \
	    done

build:
	$(GO) build ./...
	$(GO) build -o intakebot ./cmd/intakebot

demo:
	$(GO) run ./cmd/intakebot demo

bench:
	$(GO) test -run '^$$' -bench '$(BENCH)' -benchmem ./...

# Measures the layout (package size, methods per type and interface, the
# Telegram edge, import direction) and fails on a rule broken.
layout:
	$(GO) run ./cmd/layoutcheck
