package cluster

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/raft"
)

// applyUntilStop applies logs as one batch and returns the *NodeStop the
// FSM stopped with, nil if it applied them all.
func applyUntilStop(f *fsm, logs []*raft.Log) (stop *NodeStop) {
	defer func() {
		if v := recover(); v != nil {
			s, ok := v.(*NodeStop)
			if !ok {
				panic(v)
			}
			stop = s
		}
	}()
	f.ApplyBatch(logs)
	return nil
}

// TestUnknownCommandStopsTheNode: a command type this node has no handler
// for, unless marked ignorable, stops the node before anything of its
// batch is visible; a node that skipped it would drift from the replicas
// that applied it.
func TestUnknownCommandStopsTheNode(t *testing.T) {
	f := historyFSM(t)
	unknown := mustCommand(t, "kv.from-a-newer-version", "b")
	logs := batchLogs(t, []Command{mustCommand(t, "kv.create", "a"), unknown, mustCommand(t, "kv.create", "c")})
	stop := applyUntilStop(f, logs)
	if stop == nil {
		t.Fatal("the node went on applying after an unknown command type")
	}
	if stop.Index != 2 || stop.Type != unknown.Type || !strings.Contains(stop.Error(), "unknown command type") {
		t.Errorf("stopped with %v (index %d, type %q), want entry 2 of type %q", stop, stop.Index, stop.Type, unknown.Type)
	}
	if keys := kvKeys(f); len(keys) != 0 || f.applied.Load() != 0 {
		t.Errorf("the stopped batch is visible: rows %v, applied index %d", keys, f.applied.Load())
	}

	// The same command marked ignorable is skipped with an error instead.
	unknown.Ignorable = true
	g := historyFSM(t)
	out := g.ApplyBatch(batchLogs(t, []Command{mustCommand(t, "kv.create", "a"), unknown, mustCommand(t, "kv.create", "c")}))
	if res := out[1].(*applyResult); res.Err == nil {
		t.Errorf("ignorable unknown command: no error in %+v", res)
	}
	if keys := kvKeys(g); !slices.Equal(keys, []string{"a", "c"}) {
		t.Errorf("rows %v after an ignorable unknown command, want [a c]", keys)
	}
}

// TestReadErrorInApplyStopsTheNode: a command whose reads fail on this
// node's disk stops the node, whether its handler returns the error or
// carries on as if the row were missing (and would refuse what the other
// replicas accept).
func TestReadErrorInApplyStopsTheNode(t *testing.T) {
	cases := []struct {
		name    string
		handler Handler
	}{
		{"handler returns the error", func(tx *Tx, cmd Command) (any, error) {
			return nil, tx.ReadHistory(func(v *HistoryView) error {
				_, err := v.Get("done", []byte("x"), new(kv))
				return err
			})
		}},
		{"handler takes it for not found", func(tx *Tx, cmd Command) (any, error) {
			found := false
			_ = tx.ReadHistory(func(v *HistoryView) error {
				var err error
				found, err = v.Get("done", []byte("x"), new(kv))
				return err
			})
			if !found {
				return nil, Reject(CodeNotFound, "x not found")
			}
			return nil, nil
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := historyFSM(t)
			f.spec.Handlers["kv.needs-history"] = tc.handler
			if err := f.history.db.Close(); err != nil { // the disk is gone
				t.Fatal(err)
			}
			logs := batchLogs(t, []Command{mustCommand(t, "kv.create", "a"), mustCommand(t, "kv.needs-history", "b")})
			stop := applyUntilStop(f, logs)
			if stop == nil {
				t.Fatal("the node went on applying after a failed read")
			}
			var storeErr *StoreError
			if stop.Index != 2 || !errors.As(stop, &storeErr) || storeErr.Op != "read" {
				t.Errorf("stopped with %v (index %d), want a read error at entry 2", stop, stop.Index)
			}
			if keys := kvKeys(f); len(keys) != 0 || f.applied.Load() != 0 {
				t.Errorf("the stopped batch is visible: rows %v, applied index %d", keys, f.applied.Load())
			}
		})
	}
}

// TestNodeRefusesToProposeUnknownCommand: a command type the proposing
// node does not know never reaches the log, where it would stop every
// node; the node goes on serving writes.
func TestNodeRefusesToProposeUnknownCommand(t *testing.T) {
	n := startNode(t, "n1", t.TempDir(), freeAddr(t), true)
	waitFor(t, "leadership", 5*time.Second, n.IsLeader)
	ctx := context.Background()
	cmd, err := NewCommand("kv.no-such", Meta{}, kv{ID: "a", Value: "v"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Apply(ctx, cmd, nil); err == nil || !strings.Contains(err.Error(), "unknown command type") {
		t.Fatalf("apply of an unknown command type: %v, want a refusal", err)
	}
	if err := put(ctx, n.Node, "b", "v"); err != nil {
		t.Fatalf("write after the refusal: %v", err)
	}
}

// TestUnknownCommandInTheLogEndsTheProcess runs a node in a child process
// and puts a command of an unknown type in its log behind the proposer's
// check (as a newer leader would): the process must exit, saying why.
func TestUnknownCommandInTheLogEndsTheProcess(t *testing.T) {
	if os.Getenv("ROUNDHOUSE_STOP_CHILD") == "1" {
		runNodeThatMeetsUnknownCommand(t)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestUnknownCommandInTheLogEndsTheProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), "ROUNDHOUSE_STOP_CHILD=1")
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("child node did not fail (err %v):\n%s", err, out)
	}
	if !strings.Contains(string(out), "stopping the node") || !strings.Contains(string(out), "kv.from-a-newer-version") {
		t.Fatalf("child exited (%v) without saying it stopped for the unknown command:\n%s", err, out)
	}
}

func runNodeThatMeetsUnknownCommand(t *testing.T) {
	n := startNode(t, "n1", t.TempDir(), freeAddr(t), true)
	waitFor(t, "leadership", 10*time.Second, n.IsLeader)
	cmd := mustCommand(t, "kv.from-a-newer-version", "a")
	data, err := encodeCommand(cmd)
	if err != nil {
		t.Fatal(err)
	}
	f := n.raft.Apply(data, 5*time.Second)
	_ = f.Error() // the process ends while applying it
	t.Fatalf("the node applied an unknown command type and went on (%v)", f.Error())
}
