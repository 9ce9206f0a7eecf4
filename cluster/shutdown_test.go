package cluster

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"
)

// A leader loop busy writing must not hold up Shutdown: raft never resolves
// a future still queued in its apply channel when it shuts down.
func TestShutdownWhileLoopsApply(t *testing.T) {
	for round := 0; round < 20; round++ {
		n := openNode(t, "solo", t.TempDir(), freeAddr(t))
		var seq atomic.Int64
		for w := 0; w < 8; w++ {
			n.OnLeadership(fmt.Sprintf("writer-%d", w), func(ctx context.Context) {
				for ctx.Err() == nil {
					_ = put(ctx, n.Node, fmt.Sprintf("k%d", seq.Add(1)), "v")
				}
			})
		}
		if err := n.Start(context.Background(), true); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "writes under way", 5*time.Second, func() bool { return seq.Load() > 50 })
		done := make(chan struct{})
		go func() { n.stop(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("round %d: Shutdown hung with leader loops applying", round)
		}
	}
}
