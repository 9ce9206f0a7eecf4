package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/roundhouse/roundhouse/api"
	"github.com/roundhouse/roundhouse/bench/benchkit"
)

// adminToken is the bootstrap admin token of the node started here.
const adminToken = "rhp_bench-agentidle-token-0123456789abcdefghijklmn"

// binaries are the product executables measured.
type binaries struct {
	server, engine string // roundhouse, roundhouse-engine
	note           string // where they come from, for the report
}

// findBinaries returns those `make bench` built ($ROUNDHOUSE_BIN_DIR),
// else builds them into dir with the flags of `make build`: the agent's
// RSS is mostly its binary's pages, so it must be the binary that ships.
func findBinaries(ctx context.Context, dir string) (binaries, error) {
	if bin := os.Getenv("ROUNDHOUSE_BIN_DIR"); bin != "" {
		return binaries{server: filepath.Join(bin, "roundhouse"), engine: filepath.Join(bin, "roundhouse-engine"),
			note: "$ROUNDHOUSE_BIN_DIR (`make build`: -trimpath -s -w)"}, nil
	}
	b := binaries{server: filepath.Join(dir, "roundhouse"), engine: filepath.Join(dir, "roundhouse-engine"),
		note: "built now like `make build` (-trimpath -s -w)"}
	for out, pkg := range map[string]string{b.server: "./cmd/roundhouse", b.engine: "./cmd/roundhouse-engine"} {
		cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags", "-s -w", "-o", out, pkg)
		cmd.Dir = moduleRoot()
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if msg, err := cmd.CombinedOutput(); err != nil {
			return b, fmt.Errorf("go build %s: %w\n%s", pkg, err, msg)
		}
	}
	return b, nil
}

// moduleRoot is the nearest directory holding go.mod above the working
// directory (the working directory itself when there is none).
func moduleRoot() string {
	wd, _ := os.Getwd()
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return wd
		}
	}
}

// node is the started `roundhouse server` and how to reach it.
type node struct {
	*proc
	httpAddr, quicAddr string
	api                *api.Client
}

// startNode bootstraps a single-node control plane and waits until it
// answers with its default environment.
func startNode(ctx context.Context, ps *procs, bin string, o options) (*node, string, error) {
	n := &node{httpAddr: benchkit.FreeAddr("tcp"), quicAddr: benchkit.FreeAddr("udp")}
	args := []string{"server", "--data-dir", filepath.Join(ps.dir, "cp"), "--node-id", "n1",
		"--http-addr", n.httpAddr, "--raft-addr", benchkit.FreeAddr("tcp"), "--quic-addr", n.quicAddr,
		"--log-level", "warn", "--engine-heartbeat-interval", o.interval.String(),
		"--engine-heartbeat-timeout", (3 * o.interval).String()}
	p, err := ps.start("node", bin, []string{"ROUNDHOUSE_BOOTSTRAP_TOKEN=" + adminToken}, args...)
	if err != nil {
		return nil, "", err
	}
	n.proc = p
	n.api = benchkit.NewClient(n.httpAddr, adminToken, &http.Client{Timeout: 30 * time.Second})
	var envs []api.Environment
	err = benchkit.WaitUntil(ctx, "the node to serve its default environment", 30*time.Second, func() bool {
		envs, err = n.api.Environments().List(ctx, "default")
		return p.alive() && err == nil && len(envs) > 0
	})
	if err != nil {
		return nil, "", fmt.Errorf("%w (node log: %s)", err, p.logTail())
	}
	return n, envs[0].ID, nil
}

// engine is the created engine and its running agent.
type engine struct {
	id      string
	agent   *proc
	dataDir string
	pairing time.Duration // `roundhouse-engine pair`, start to exit
	ready   time.Duration // `run` started to AVAILABLE
}

// startEngine creates an engine through the API, pairs a real agent with
// `roundhouse-engine pair`, starts `run` and waits until it is AVAILABLE.
func startEngine(ctx context.Context, ps *procs, n *node, bin, envID string, agentEnv []string) (*engine, error) {
	created, err := n.api.Engines().Create(ctx, api.EngineCreate{Name: "agentidle", EnvironmentID: envID})
	if err != nil {
		return nil, fmt.Errorf("create engine: %w", err)
	}
	e := &engine{id: created.ID, dataDir: filepath.Join(ps.dir, "engine")}
	t0 := time.Now()
	pair := exec.CommandContext(ctx, bin, "pair", "--server", n.quicAddr, "--key", created.PreAuthorizedKey, "--data-dir", e.dataDir)
	if out, err := pair.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("pair engine %s: %w: %s", e.id, err, bytes.TrimSpace(out))
	}
	e.pairing = time.Since(t0)
	t0 = time.Now()
	agent, err := ps.start("agent", bin, agentEnv, "run", "--data-dir", e.dataDir, "--log-level", "warn")
	if err != nil {
		return nil, err
	}
	e.agent = agent
	err = benchkit.WaitUntil(ctx, "the engine to be AVAILABLE", 30*time.Second, func() bool {
		v, err := n.api.Engines().Get(ctx, e.id)
		return agent.alive() && err == nil && v.Availability == api.EngineAvailable
	})
	if err != nil {
		return nil, fmt.Errorf("%w (agent log: %s)", err, agent.logTail())
	}
	e.ready = time.Since(t0)
	return e, nil
}
