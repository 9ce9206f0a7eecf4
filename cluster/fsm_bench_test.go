package cluster

import (
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/hashicorp/raft"
)

// BenchmarkFSMApply measures the FSM's own cost per command (decode,
// dedupe, handler, commit), without raft or disk. Commands are stamped
// 5 ms apart, so past 2 minutes of proposer time (24000 commands) the
// dedupe table is in its steady state, evicting as much as it remembers.
func BenchmarkFSMApply(b *testing.B) {
	for _, size := range []int{1, 16, 64} {
		b.Run(fmt.Sprintf("batch=%d", size), func(b *testing.B) { benchmarkFSMApply(b, size) })
	}
}

// benchmarkFSMApply applies b.N commands in raft batches of size.
func benchmarkFSMApply(b *testing.B, size int) {
	full, _ := builtinSpec().merged(kvSpec())
	f, err := newFSM(full, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	logs := make([]*raft.Log, b.N)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range logs {
		meta := Meta{Time: t0.Add(time.Duration(i) * 5 * time.Millisecond)}
		cmd, _ := NewCommand("kv.create", meta, kv{ID: fmt.Sprintf("k%09d", i), Value: "v"})
		data, _ := encodeCommand(cmd)
		logs[i] = &raft.Log{Index: uint64(i + 1), Type: raft.LogCommand, Data: data}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for start := 0; start < len(logs); start += size {
		f.ApplyBatch(logs[start:min(start+size, len(logs))])
	}
}
