package enginelink_test

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/quic-go/quic-go"

	"github.com/roundhouse/roundhouse/controlplane/enginelink"
	"github.com/roundhouse/roundhouse/controlplane/enginelink/enginelinktest"
	"github.com/roundhouse/roundhouse/protocol"
)

// A node that crashes (its socket gone, no CONNECTION_CLOSE sent) and
// comes back on the same address with the same stateless reset key
// answers the agent's next packet with a stateless reset: the agent
// learns at once that its session is gone, instead of waiting out its
// heartbeat-ack timeout.
func TestRestartedNodeResetsSessionsOfItsCrashedRun(t *testing.T) {
	dir := enginelinktest.NewDirectory()
	key := dir.AddEngine("eng-1", time.Hour)
	var resetKey quic.StatelessResetKey
	copy(resetKey[:], "a key that stays across restarts")

	crashed, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := crashed.LocalAddr().String()
	first, _ := serve(t, enginelink.Config{NodeID: "n1", PacketConn: crashed, StatelessResetKey: &resetKey,
		HeartbeatInterval: 200 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)}, dir, &beatLog{}) // its Serve ends with the closed socket
	e := newTestEngine(t)
	e.pair(t, first.Addr(), key.String(), dir.Authority)
	conn, _, err := e.session(t, first.Addr(), dir.Authority, e.tlsCert(), "eng-1")
	if err != nil {
		t.Fatal(err)
	}
	_ = crashed.Close() // the crash: the session's state is gone with the process

	startServer(t, dir, &beatLog{}, func(c *enginelink.Config) {
		c.Addr, c.StatelessResetKey = addr, &resetKey
	})
	sent := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if str, err := conn.OpenStreamSync(ctx); err == nil {
		_ = protocol.WriteMessage(str, &protocol.Heartbeat{Seq: 1})
	}
	select {
	case <-conn.Context().Done():
	case <-ctx.Done():
		t.Fatal("the restarted node did not reset the crashed run's session")
	}
	var reset *quic.StatelessResetError
	if cause := context.Cause(conn.Context()); !errors.As(cause, &reset) {
		t.Fatalf("session ended with %v, want a stateless reset", cause)
	}
	t.Logf("session reset %s after the first packet to the restarted node", time.Since(sent).Round(time.Millisecond))
}
