# Roundhouse — the set-up commands of README.md.
GO        ?= go
BIN       ?= bin
# A release's semantic version comes from the VERSION file; the commit
# (and ".dirty" for uncommitted changes) is semver build metadata, which
# version comparison ignores: 0.9.0+abc1234 is a 0.9.0.
COMMIT    := $(shell c=$$(git rev-parse --short HEAD 2>/dev/null) && { git diff --quiet HEAD || c=$$c.dirty; echo $$c; })
VERSION   ?= $(shell cat VERSION)$(if $(COMMIT),+$(COMMIT))
LDFLAGS   := -s -w -X main.version=$(VERSION)
GOTESTFLAGS ?= -race -timeout 25m

.PHONY: build engine version run test soak bench vet fmt clean

build: engine
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/roundhouse ./cmd/roundhouse

engine:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/roundhouse-engine ./cmd/roundhouse-engine

# version prints the version the binaries are stamped with.
version:
	@echo $(VERSION)

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
