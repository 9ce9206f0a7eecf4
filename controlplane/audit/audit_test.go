package audit_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/cluster"
	"github.com/roundhouse/roundhouse/controlplane/audit"
	"github.com/roundhouse/roundhouse/controlplane/cptest"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// Audit entries live in the node's history store; the retention prunes
// the oldest first, up to its batch size, and the list reads what is left.
func TestAuditRetentionPrunesOldestEntries(t *testing.T) {
	for _, tc := range []struct {
		name     string
		before   time.Duration // cutoff relative to now
		max      int
		wantLeft int // of the 5 entries written
	}{
		{"cutoff before every entry", -time.Hour, 1000, 5},
		{"batch of 2", time.Hour, 2, 3},
		{"everything old", time.Hour, 1000, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := cptest.Start(t)
			admin := srv.Client(cptest.AdminToken)
			for i := 0; i < 5; i++ {
				admin.Must(t, 201, "POST", "/orchestration/environments", map[string]string{"name": fmt.Sprintf("env-%d", i)}, nil)
			}
			var all []state.AuditEntry
			admin.Must(t, 200, "GET", "/account/audit-logs", nil, &all)
			cmd, err := cluster.NewCommand(state.CmdAuditPrune, cluster.Meta{}, state.AuditPruneRequest{Before: time.Now().Add(tc.before), Max: tc.max})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := srv.Node().Apply(context.Background(), cmd, nil); err != nil {
				t.Fatal(err)
			}
			var left []state.AuditEntry
			admin.Must(t, 200, "GET", "/account/audit-logs", nil, &left)
			envs := 0
			for _, e := range left {
				if e.Action == "environment.create" {
					envs++
				}
			}
			if envs != tc.wantLeft || (len(left) > 0 && left[len(left)-1] != all[len(all)-1]) {
				t.Fatalf("%d environment entries left of %d, want %d (newest kept)", envs, len(all), tc.wantLeft)
			}
		})
	}
}

func TestAuditRetentionLoopEmptiesTheLog(t *testing.T) {
	srv := cptest.Start(t)
	admin := srv.Client(cptest.AdminToken)
	admin.Must(t, 201, "POST", "/orchestration/environments", map[string]string{"name": "short-lived"}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		audit.Retention{Keep: time.Millisecond, Every: 20 * time.Millisecond, Store: srv.Node(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}.Loop(ctx)
	}()
	defer func() { cancel(); <-done }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		var left []state.AuditEntry
		admin.Must(t, 200, "GET", "/account/audit-logs", nil, &left)
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d entries left after the retention", len(left))
		}
		time.Sleep(20 * time.Millisecond)
	}
}
