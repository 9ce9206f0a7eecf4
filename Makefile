# Roundhouse — the set-up commands of README.md.
GO        ?= go
BIN       ?= bin
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X main.version=$(VERSION)
GOTESTFLAGS ?= -race -timeout 25m

.PHONY: build run test bench vet fmt clean

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/roundhouse ./cmd/roundhouse
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/roundhouse-engine ./cmd/roundhouse-engine

run: build
	./scripts/run-embedded.sh

vet:
	$(GO) vet ./...

test: build vet
	$(GO) test $(GOTESTFLAGS) ./...

bench: build
	$(GO) run ./bench/cmd/benchall

clean:
	rm -rf $(BIN)
