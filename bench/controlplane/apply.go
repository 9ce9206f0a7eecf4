package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	memdb "github.com/hashicorp/go-memdb"

	"github.com/roundhouse/roundhouse/bench/benchkit"
	"github.com/roundhouse/roundhouse/cluster"
)

// The raw apply benchmark runs cluster.Node in this process with a
// one-table spec, so it measures raft, boltdb fsync and the FSM without
// HTTP, authentication or the product's handlers.

type kvRow struct {
	ID    string `json:"id"`
	Value string `json:"value"`
}

func kvSpec() cluster.Spec {
	return cluster.Spec{
		Tables: []cluster.Table{{
			Schema: &memdb.TableSchema{Name: "kv", Indexes: map[string]*memdb.IndexSchema{
				"id": {Name: "id", Unique: true, Indexer: &memdb.StringFieldIndex{Field: "ID"}},
			}},
			New: func() any { return new(kvRow) },
		}},
		Handlers: map[string]cluster.Handler{
			"kv.put": func(tx *cluster.Tx, cmd cluster.Command) (any, error) {
				var in kvRow
				if err := cmd.Decode(&in); err != nil {
					return nil, err
				}
				return nil, tx.Insert("kv", &in)
			},
		},
	}
}

// inProcessCluster is size cluster.Nodes with their peer HTTP endpoints.
type inProcessCluster struct {
	nodes []*cluster.Node
	srvs  []*http.Server
	dir   string
}

func openInProcess(ctx context.Context, size int) (*inProcessCluster, error) {
	dir, err := os.MkdirTemp("", "roundhouse-bench-raft-")
	if err != nil {
		return nil, err
	}
	c := &inProcessCluster{dir: dir}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	for i := 1; i <= size; i++ {
		if err := c.add(ctx, fmt.Sprintf("r%d", i), quiet, i == 1); err != nil {
			c.close()
			return nil, err
		}
	}
	leader := c.nodes[0]
	if err := benchkit.WaitUntil(ctx, "in-process leader", 10*time.Second, leader.IsLeader); err != nil {
		c.close()
		return nil, err
	}
	return c, nil
}

func (c *inProcessCluster) add(ctx context.Context, id string, logger *slog.Logger, bootstrap bool) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	raftAddr, err := freeAddr("tcp")
	if err != nil {
		ln.Close()
		return err
	}
	n, err := cluster.Open(cluster.Config{DataDir: filepath.Join(c.dir, id), NodeID: id,
		RaftAddr: raftAddr, APIAddr: ln.Addr().String(), Logger: logger}, kvSpec())
	if err != nil {
		ln.Close()
		return fmt.Errorf("open %s: %w", id, err)
	}
	mux := http.NewServeMux()
	mux.Handle(cluster.PeerPathPrefix, n.PeerHandler())
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln) //nolint:errcheck // ends with close
	c.nodes, c.srvs = append(c.nodes, n), append(c.srvs, srv)
	if err := n.Start(ctx, bootstrap); err != nil {
		return fmt.Errorf("start %s: %w", id, err)
	}
	if bootstrap {
		return nil
	}
	leader := c.nodes[0]
	if err := benchkit.WaitUntil(ctx, "in-process leader", 10*time.Second, leader.IsLeader); err != nil {
		return err
	}
	return leader.AddMember(ctx, cluster.Member{ID: id, RaftAddr: raftAddr, APIAddr: ln.Addr().String()})
}

func (c *inProcessCluster) close() {
	for i := len(c.nodes) - 1; i >= 0; i-- {
		c.srvs[i].Close()
		c.nodes[i].Shutdown()
	}
	os.RemoveAll(c.dir)
}

// applyRun is one raw apply measurement.
type applyRun struct {
	nodes, concurrency, ops int
	elapsed                 time.Duration
	lat                     []time.Duration // sorted
	cpu                     time.Duration   // this process (all nodes) during the run
}

// cpuPerApply is the CPU time per command, all replicas together.
func (r applyRun) cpuPerApply() time.Duration { return r.cpu / time.Duration(max(r.ops, 1)) }

func (r applyRun) perSecond() float64 { return float64(r.ops) / r.elapsed.Seconds() }

// applyOnLeader applies ops commands from concurrency goroutines and
// times each Apply until the FSM result is back.
func applyOnLeader(ctx context.Context, leader *cluster.Node, nodes, concurrency, ops int, prefix string) (applyRun, error) {
	run := applyRun{nodes: nodes, concurrency: concurrency, ops: ops}
	lats := make([][]time.Duration, concurrency)
	errs := make([]error, concurrency)
	var wg sync.WaitGroup
	start, cpu0 := time.Now(), selfCPU()
	for g := range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := g; i < ops; i += concurrency {
				cmd, err := cluster.NewCommand("kv.put", cluster.Meta{}, kvRow{ID: fmt.Sprintf("%s-%d", prefix, i), Value: "v"})
				if err != nil {
					errs[g] = err
					return
				}
				t0 := time.Now()
				if _, err := leader.Apply(ctx, cmd, nil); err != nil {
					errs[g] = fmt.Errorf("apply %d: %w", i, err)
					return
				}
				lats[g] = append(lats[g], time.Since(t0))
			}
		}()
	}
	wg.Wait()
	run.elapsed, run.cpu = time.Since(start), selfCPU()-cpu0
	if err := errors.Join(errs...); err != nil {
		return run, err
	}
	for _, l := range lats {
		run.lat = append(run.lat, l...)
	}
	slices.Sort(run.lat)
	return run, nil
}

// rawApply measures 1- and 3-node in-process clusters at each concurrency.
func rawApply(ctx context.Context, sizes, concurrencies []int, ops int) ([]applyRun, error) {
	var runs []applyRun
	for _, size := range sizes {
		c, err := openInProcess(ctx, size)
		if err != nil {
			return runs, fmt.Errorf("in-process %d-node cluster: %w", size, err)
		}
		for _, conc := range concurrencies {
			n := ops
			if conc == 1 {
				n = max(ops/10, 200) // one at a time is fsync-bound: fewer suffice
			}
			r, err := applyOnLeader(ctx, c.nodes[0], size, conc, n, fmt.Sprintf("s%d-c%d", size, conc))
			if err != nil {
				c.close()
				return runs, fmt.Errorf("%d nodes, %d concurrent: %w", size, conc, err)
			}
			runs = append(runs, r)
		}
		c.close()
	}
	return runs, nil
}
