# Roundhouse — the set-up commands of README.md.
GO        ?= go
BIN       ?= bin
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X main.version=$(VERSION)
GOTESTFLAGS ?= -race -timeout 25m

.PHONY: build run test soak bench vet fmt clean

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/roundhouse ./cmd/roundhouse
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/roundhouse-engine ./cmd/roundhouse-engine

run: build
	./scripts/run-embedded.sh

vet:
	$(GO) vet ./...

test: build vet
	$(GO) test $(GOTESTFLAGS) ./...

# The robustness check for 30 minutes instead of make test's one minute;
# ROUNDHOUSE_ROBUSTNESS_SEED=N replays a run.
soak: build
	ROUNDHOUSE_ROBUSTNESS_DURATION=$${ROUNDHOUSE_ROBUSTNESS_DURATION:-30m} $(GO) test -race -count=1 -timeout 60m -v \
		-run TestRegistersLinearizableUnderFaults ./e2e/robustness/

bench: build
	$(GO) run ./bench/cmd/benchall

clean:
	rm -rf $(BIN)
