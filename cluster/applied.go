package cluster

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/raft"
)

// maxSkippedEntries bounds how many log entries waitApplied reads to see
// that none of them needs the FSM.
const maxSkippedEntries = 64

// waitApplied blocks until the local state reflects every log entry up to
// idx. Raft hands only commands to the FSM: a leader's no-op and barriers
// never move the FSM's applied index, and a commit index (a read index)
// often names one of them. So idx is reached when the FSM applied it, or
// when raft has dispatched every entry up to idx and none after the FSM's
// last one is a command.
func (n *Node) waitApplied(ctx context.Context, idx uint64) error {
	for {
		n.fsm.mu.Lock()
		advanced := n.fsm.advance
		n.fsm.mu.Unlock()
		applied := n.fsm.applied.Load()
		if applied >= idx || n.onlyNonCommands(applied+1, idx) {
			return nil
		}
		t := time.NewTimer(20 * time.Millisecond) // raft's dispatch of a no-op has no signal
		select {
		case <-advanced:
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("wait for index %d (applied %d): %w", idx, n.fsm.applied.Load(), ctx.Err())
		}
		t.Stop()
	}
}

// onlyNonCommands reports whether raft dispatched every entry from..to and
// none of them is a command.
func (n *Node) onlyNonCommands(from, to uint64) bool {
	if to-from >= maxSkippedEntries || n.raft.AppliedIndex() < to {
		return false
	}
	var l raft.Log
	for i := from; i <= to; i++ {
		if err := n.store.GetLog(i, &l); err != nil || l.Type == raft.LogCommand {
			return false
		}
	}
	return true
}
