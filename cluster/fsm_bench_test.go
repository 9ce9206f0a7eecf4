package cluster

import (
	"fmt"
	"io"
	"log/slog"
	"testing"

	"github.com/hashicorp/raft"
)

// BenchmarkFSMApply measures the FSM's own cost per command (decode,
// dedupe, handler, commit), without raft or disk.
func BenchmarkFSMApply(b *testing.B) {
	full, _ := builtinSpec().merged(kvSpec())
	f, err := newFSM(full, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	logs := make([]*raft.Log, b.N)
	for i := range logs {
		cmd, _ := NewCommand("kv.create", Meta{}, kv{ID: fmt.Sprintf("k%09d", i), Value: "v"})
		data, _ := encodeCommand(cmd)
		logs[i] = &raft.Log{Index: uint64(i + 1), Type: raft.LogCommand, Data: data}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for _, l := range logs {
		f.Apply(l)
	}
}
