package cluster

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestConcurrentWritesShareLogEntries writes from many goroutines through
// the leader and both followers: every write gets its own answer (a
// duplicate key its own rejection), all are on every replica, and they
// took fewer log entries than writes.
func TestConcurrentWritesShareLogEntries(t *testing.T) {
	nodes := threeNodes(t)
	ctx := context.Background()
	start := nodes[0].raft.LastIndex()
	const writers, each = 48, 10
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := nodes[w%3].Node
			for i := range each {
				if err := put(ctx, n, fmt.Sprintf("w%d-%d", w, i), "v"); err != nil {
					errs <- fmt.Errorf("writer %d on %s: %w", w, n.ID(), err)
				}
				// Same key from every writer: all but one are rejected.
				if err := put(ctx, n, fmt.Sprintf("shared-%d", i), "v"); err != nil {
					if _, ok := AsRejection(err); !ok {
						errs <- err
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	entries := nodes[0].raft.LastIndex() - start
	t.Logf("%d writes in %d log entries", 2*writers*each, entries)
	if entries >= 2*writers*each {
		t.Errorf("%d writes took %d log entries: no write shared an entry", 2*writers*each, entries)
	}
	for _, n := range nodes {
		waitFor(t, "replication to "+n.ID(), 5*time.Second, func() bool { return n.AppliedIndex() >= nodes[0].AppliedIndex() })
		for w := range writers {
			for i := range each {
				if get(n.Node, fmt.Sprintf("w%d-%d", w, i)) == nil {
					t.Fatalf("acknowledged write w%d-%d missing on %s", w, i, n.ID())
				}
			}
		}
	}
}

// TestWriteBatchMaxOneKeepsAnEntryPerWrite checks the knob that turns
// grouping off.
func TestWriteBatchMaxOneKeepsAnEntryPerWrite(t *testing.T) {
	n := openNode(t, "solo", t.TempDir(), freeAddr(t), func(c *Config) { c.WriteBatchMax = 1 })
	if err := n.Start(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "leader", 5*time.Second, n.IsLeader)
	waitFor(t, "cluster records", 5*time.Second, func() bool { m, _ := readMeta(n.Read()); return m != nil })
	start := n.raft.LastIndex()
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 5 {
				if err := put(context.Background(), n.Node, fmt.Sprintf("w%d-%d", w, i), "v"); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	// At least: the node's own leader loop may write meanwhile.
	if got := n.raft.LastIndex() - start; got < 80 {
		t.Errorf("80 writes took %d log entries, want one each", got)
	}
}
