package cluster

import (
	"errors"
	"io"
	"log/slog"
	"slices"
	"testing"

	"github.com/hashicorp/raft"
)

// batchSpec has handlers that write and then fail, to check that a failed
// command inside a batch leaves nothing behind.
func batchSpec(t *testing.T) Spec {
	t.Helper()
	spec := kvSpec()
	write := func(tx *Tx, cmd Command) (kv, error) {
		var in kv
		if err := cmd.Decode(&in); err != nil {
			return in, err
		}
		return in, tx.Insert("kv", &in)
	}
	spec.Handlers["kv.write-then-reject"] = func(tx *Tx, cmd Command) (any, error) {
		if _, err := write(tx, cmd); err != nil {
			return nil, err
		}
		return nil, Reject(CodeConflict, "refused after writing")
	}
	spec.Handlers["kv.write-then-fail"] = func(tx *Tx, cmd Command) (any, error) {
		if _, err := write(tx, cmd); err != nil {
			return nil, err
		}
		return nil, errors.New("internal failure after writing")
	}
	full, err := builtinSpec().merged(spec)
	if err != nil {
		t.Fatal(err)
	}
	return full
}

func batchLogs(t *testing.T, cmds []Command) []*raft.Log {
	t.Helper()
	var logs []*raft.Log
	for i, c := range cmds {
		data, err := encodeCommand(c)
		if err != nil {
			t.Fatal(err)
		}
		logs = append(logs, &raft.Log{Index: uint64(i + 1), Type: raft.LogCommand, Data: data})
	}
	return logs
}

func mustCommand(t *testing.T, typ, id string) Command {
	t.Helper()
	c, err := NewCommand(typ, Meta{}, kv{ID: id, Value: "v-" + id})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func kvKeys(f *fsm) []string {
	var keys []string
	it, _ := f.db.Load().Txn(false).Get("kv", "id")
	for raw := it.Next(); raw != nil; raw = it.Next() {
		keys = append(keys, raw.(*kv).ID)
	}
	return keys
}

// TestBatchOutcomeIsIndependentOfBatchBoundaries applies the same log
// split into batches differently (as leader and followers may): results
// and state must match one-command-per-batch, and a failed command must
// leave nothing behind.
func TestBatchOutcomeIsIndependentOfBatchBoundaries(t *testing.T) {
	a := mustCommand(t, "kv.create", "a")
	cmds := []Command{
		a,
		mustCommand(t, "kv.write-then-reject", "b"),
		mustCommand(t, "kv.create", "c"),
		mustCommand(t, "kv.write-then-fail", "d"),
		mustCommand(t, "kv.create", "e"),
		a,                                 // a retry: answered from the dedupe table
		mustCommand(t, "kv.create", "c"),  // a duplicate key: rejected by the handler
		mustCommand(t, "kv.no-such", "f"), // unknown type: an error, nothing written
		mustCommand(t, "kv.create", "g"),
	}
	splits := map[string][]int{
		"one per batch": {1, 1, 1, 1, 1, 1, 1, 1, 1},
		"all in one":    {9},
		"uneven":        {2, 3, 4},
		"fail first":    {1, 8},
	}
	for name, sizes := range splits {
		t.Run(name, func(t *testing.T) {
			f, err := newFSM(batchSpec(t), slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err != nil {
				t.Fatal(err)
			}
			logs := batchLogs(t, cmds)
			var out []any
			for start := 0; len(sizes) > 0; sizes = sizes[1:] {
				out = append(out, f.ApplyBatch(logs[start:start+sizes[0]])...)
				start += sizes[0]
			}
			if got, want := kvKeys(f), []string{"a", "c", "e", "g"}; !slices.Equal(got, want) {
				t.Fatalf("rows %v, want %v", got, want)
			}
			res := func(i int) *applyResult { return out[i].(*applyResult) }
			if res(1).Rejection == nil || res(6).Rejection == nil {
				t.Errorf("rejections lost: %+v %+v", res(1), res(6))
			}
			if res(3).Err == nil || res(7).Err == nil {
				t.Errorf("failures lost: %+v %+v", res(3), res(7))
			}
			if string(res(5).Result) != string(res(0).Result) || res(5).Err != nil {
				t.Errorf("retry answered %q, first answer %q", res(5).Result, res(0).Result)
			}
			if f.applied.Load() != uint64(len(cmds)) {
				t.Errorf("applied index %d, want %d", f.applied.Load(), len(cmds))
			}
			// A retried rejection gets the same answer and still writes nothing.
			again := f.ApplyBatch(batchLogs(t, []Command{cmds[1]}))[0].(*applyResult)
			if again.Rejection == nil || slices.Contains(kvKeys(f), "b") {
				t.Errorf("retried rejection: %+v, rows %v", again, kvKeys(f))
			}
		})
	}
}
