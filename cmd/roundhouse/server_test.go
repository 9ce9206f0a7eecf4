package main

import (
	"testing"

	"github.com/roundhouse/roundhouse/controlplane"
)

// The server's flags show the defaults the control plane declares (its
// own, the engine link's, raft's), so help and behaviour cannot disagree.
func TestServerFlagsShowTheDeclaredDefaults(t *testing.T) {
	def := controlplane.DefaultConfig()
	flags := newServerCmd().Flags()
	for _, c := range []struct{ flag, want string }{
		{"data-dir", def.DataDir},
		{"http-addr", def.HTTPAddr},
		{"engine-heartbeat-interval", def.EngineHeartbeatInterval.String()},
		{"engine-heartbeat-timeout", def.EngineHeartbeatTimeout.String()},
		{"engine-summary-interval", def.EngineSummaryInterval.String()},
		{"access-token-ttl", def.AccessTokenTTL.String()},
		{"raft-heartbeat-timeout", def.Raft.HeartbeatTimeout.String()},
		{"raft-election-timeout", def.Raft.ElectionTimeout.String()},
		{"raft-snapshot-interval", def.Raft.SnapshotCheckInterval.String()},
		{"write-timeout", def.Raft.ApplyTimeout.String()},
		{"engine-heartbeat-timeout", "3m0s"},
		{"raft-heartbeat-timeout", "500ms"},
	} {
		f := flags.Lookup(c.flag)
		if f == nil {
			t.Fatalf("no --%s flag", c.flag)
		}
		if f.DefValue != c.want {
			t.Errorf("--%s defaults to %s, want %s", c.flag, f.DefValue, c.want)
		}
	}
}
