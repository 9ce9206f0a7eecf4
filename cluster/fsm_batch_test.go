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
	unknown := mustCommand(t, "kv.no-such", "f")
	unknown.Ignorable = true
	cmds := []Command{
		a,
		mustCommand(t, "kv.write-then-reject", "b"),
		mustCommand(t, "kv.create", "c"),
		mustCommand(t, "kv.write-then-fail", "d"),
		mustCommand(t, "kv.create", "e"),
		a,                                // a retry: answered from the dedupe table
		mustCommand(t, "kv.create", "c"), // a duplicate key: rejected by the handler
		unknown,                          // unknown but ignorable: an error, nothing written
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

// groupLogs packs cmds into log entries of the given sizes, as the
// proposer does: an entry of one command is a plain one.
func groupLogs(t *testing.T, cmds []Command, sizes []int) []*raft.Log {
	t.Helper()
	var logs []*raft.Log
	for start := 0; len(sizes) > 0; sizes = sizes[1:] {
		var parts [][]byte
		for _, c := range cmds[start : start+sizes[0]] {
			data, err := encodeCommand(c)
			if err != nil {
				t.Fatal(err)
			}
			parts = append(parts, data)
		}
		start += sizes[0]
		data := parts[0]
		if len(parts) > 1 {
			data = encodeGroup(parts)
		}
		logs = append(logs, &raft.Log{Index: uint64(len(logs) + 1), Type: raft.LogCommand, Data: data})
	}
	return logs
}

// flatten lists the per-command results of entries applied in one batch.
func flatten(t *testing.T, out []any) []*applyResult {
	t.Helper()
	var res []*applyResult
	for _, o := range out {
		switch r := o.(type) {
		case *applyResult:
			res = append(res, r)
		case []*applyResult:
			res = append(res, r...)
		default:
			t.Fatalf("unexpected FSM answer %T", o)
		}
	}
	return res
}

// TestGroupedCommandsApplyAsSeparateEntries packs the same commands into
// group entries differently: each command gets the outcome it gets in an
// entry of its own, a failed one leaves nothing behind, and each gets a
// distinct, increasing Tx.Index.
func TestGroupedCommandsApplyAsSeparateEntries(t *testing.T) {
	a := mustCommand(t, "kv.create", "a")
	unknown := mustCommand(t, "kv.no-such", "f")
	unknown.Ignorable = true
	cmds := []Command{
		a,
		mustCommand(t, "kv.write-then-reject", "b"),
		mustCommand(t, "kv.create", "c"),
		mustCommand(t, "kv.write-then-fail", "d"),
		a, // a retry inside the same group: answered from the dedupe table
		mustCommand(t, "kv.create", "c"),
		mustCommand(t, "kv.create", "e"),
	}
	for name, sizes := range map[string][]int{
		"one per entry": {1, 1, 1, 1, 1, 1, 1},
		"one group":     {7},
		"mixed":         {3, 1, 3},
	} {
		t.Run(name, func(t *testing.T) {
			spec := batchSpec(t)
			seqs := map[string]uint64{} // the last run of each: a replay runs a handler again
			spec.Handlers["kv.create"] = func(tx *Tx, cmd Command) (any, error) {
				var in kv
				if err := cmd.Decode(&in); err != nil {
					return nil, err
				}
				if raw, _ := tx.First("kv", "id", in.ID); raw != nil {
					return nil, Reject(CodeConflict, "key %q exists", in.ID)
				}
				seqs[in.ID] = tx.Index
				return in, tx.Insert("kv", &in)
			}
			f, err := newFSM(spec, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err != nil {
				t.Fatal(err)
			}
			res := flatten(t, f.ApplyBatch(groupLogs(t, cmds, sizes)))
			if got, want := kvKeys(f), []string{"a", "c", "e"}; !slices.Equal(got, want) {
				t.Fatalf("rows %v, want %v", got, want)
			}
			if res[1].Rejection == nil || res[5].Rejection == nil || res[3].Err == nil {
				t.Errorf("outcomes lost: %+v %+v %+v", res[1], res[5], res[3])
			}
			if string(res[4].Result) != string(res[0].Result) || res[4].Err != nil {
				t.Errorf("retry answered %q, first answer %q", res[4].Result, res[0].Result)
			}
			if !(seqs["a"] < seqs["c"] && seqs["c"] < seqs["e"]) {
				t.Errorf("Tx.Index of the applied commands %v: want distinct and increasing", seqs)
			}
			if f.applied.Load() != uint64(len(sizes)) {
				t.Errorf("applied index %d, want %d", f.applied.Load(), len(sizes))
			}
		})
	}
}

func TestSplitGroupRefusesBadFraming(t *testing.T) {
	good := encodeGroup([][]byte{{encodingV1, '{', '}'}, {encodingV1, '{', '}'}})
	tests := map[string][]byte{
		"empty group":         {encodingGroup},
		"length past the end": {encodingGroup, 0x05, encodingV1},
		"truncated":           good[:len(good)-1],
	}
	for name, data := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := splitGroup(data); err == nil {
				t.Fatal("accepted")
			}
		})
	}
	if cmds, err := splitGroup(good); err != nil || len(cmds) != 2 {
		t.Fatalf("good group: %d commands, %v", len(cmds), err)
	}
}
