package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"time"

	"github.com/roundhouse/roundhouse/bench/benchkit"
	"github.com/roundhouse/roundhouse/controlplane"
)

// profileWrites runs a 3-node control plane inside this process and puts
// the write load of the API benchmark on its leader, recording one CPU
// profile of the measured window: the three servers' CPU together, as
// the 2-core host spends it. The load generator's goroutines carry the
// pprof label role=client (drop them with -tagignore role=client).
func profileWrites(ctx context.Context, o options, path string) error {
	dir, err := os.MkdirTemp("", "roundhouse-bench-prof-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	var stops []func()
	defer func() {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
	}()
	var addrs []string
	for i := 1; i <= 3; i++ {
		cfg := controlplane.Config{DataDir: filepath.Join(dir, fmt.Sprintf("n%d", i)), NodeID: fmt.Sprintf("prof-n%d", i)}
		if i == 1 {
			cfg.BootstrapToken = benchToken
		} else {
			cfg.Join, cfg.JoinToken = addrs[0], benchToken
		}
		srv, stop, err := benchkit.RunServer(cfg)
		if err != nil {
			return fmt.Errorf("in-process node %d: %w", i, err)
		}
		stops = append(stops, stop)
		addrs = append(addrs, srv.Addr())
		n := &node{ID: cfg.NodeID, HTTPAddr: srv.Addr()}
		if _, err := n.waitLeader(ctx, 15*time.Second); err != nil {
			return err
		}
	}
	c := newClient(1)
	defer c.close()
	err = benchkit.WaitUntil(ctx, "a write accepted by the 3-node cluster", 30*time.Second, func() bool {
		return c.createEnvironment(ctx, addrs[0], fmt.Sprintf("prof-warm-%d", time.Now().UnixNano())) == nil
	})
	if err != nil {
		return err
	}
	clients := o.clients[len(o.clients)-1]
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("cpu profile: %w", err)
	}
	defer f.Close()
	go func() {
		sleepCtx(ctx, o.warmup)
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "cpu profile:", err)
		}
	}()
	targets, where := addrs[:1], "on the leader"
	if o.profileSpread {
		targets, where = addrs, "spread over all 3"
	}
	r := writeLoad(ctx, targets, []int{os.Getpid()}, clients, o.rate, o.warmup, o.measure, "prof")
	pprof.StopCPUProfile()
	fmt.Printf("in-process 3 nodes, %d clients %s: %.0f writes/s, p50 %s, p99 %s, CPU per write (servers and load generator) %s, failed %d\n",
		clients, where, r.perSecond(), ms(r.quantile(0.5)), ms(r.quantile(0.99)), us(r.cpuPerWrite()), r.failed)
	if r.firstErr != nil {
		return errors.Join(fmt.Errorf("first failed write"), r.firstErr)
	}
	return nil
}
