package cluster

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// Below the free-space floor a node refuses writes at once with
// ErrCannotPersist naming the cause, proposes nothing (no leader step-down),
// and without a floor (-1) it writes.
func TestWritesBelowTheFreeSpaceFloorAreRefused(t *testing.T) {
	tests := []struct {
		name     string
		minFree  int64
		refused  bool
		wantText string
	}{
		{"floor above the disk's free space", 1 << 62, true, "no space left on device"},
		{"no check", -1, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := openNode(t, "s1", t.TempDir(), freeAddr(t), func(c *Config) { c.MinFreeBytes = tt.minFree })
			if err := n.Start(context.Background(), true); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "leadership", 10*time.Second, n.IsLeader)
			before := n.raft.LastIndex()
			start := time.Now()
			err := put(context.Background(), n.Node, "k", "v")
			if !tt.refused {
				if err != nil {
					t.Fatalf("write: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrCannotPersist) || !strings.Contains(err.Error(), tt.wantText) {
				t.Fatalf("write: %v, want ErrCannotPersist naming %q", err, tt.wantText)
			}
			if took := time.Since(start); took > time.Second {
				t.Errorf("the refusal took %s", took)
			}
			if n.raft.LastIndex() != before || !n.IsLeader() {
				t.Errorf("log %d → %d, leader %v: a refused write must propose nothing", before, n.raft.LastIndex(), n.IsLeader())
			}
			if n.StorageError() == nil {
				t.Error("StorageError is nil below the floor")
			}
		})
	}
}
