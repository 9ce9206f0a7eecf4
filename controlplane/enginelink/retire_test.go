package enginelink_test

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/quic-go/quic-go"

	"github.com/roundhouse/roundhouse/controlplane/enginelink"
	"github.com/roundhouse/roundhouse/controlplane/enginelink/enginelinktest"
	"github.com/roundhouse/roundhouse/protocol"
)

// helloAs opens a version-3 session saying agent version in its hello and
// returns the server's answer: nil when welcomed, else the error that
// closed the session.
func (e *testEngine) helloAs(t *testing.T, addr net.Addr, ca *protocol.CA, engineID, version string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cfg := &tls.Config{RootCAs: ca.Pool(), ServerName: protocol.ServerName, NextProtos: []string{protocol.ALPNEngine},
		Certificates: []tls.Certificate{*e.tlsCert()}}
	conn, err := quic.DialAddr(ctx, addr.String(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.CloseWithError(0, "") })
	str, err := conn.OpenStreamSync(ctx)
	if err != nil {
		t.Fatal(err)
	}
	hello := &protocol.Hello{EngineID: engineID, AgentVersion: version, Facts: protocol.HostFacts{EngineVersion: version}}
	if err := protocol.WriteMessage(str, hello); err != nil {
		t.Fatal(err)
	}
	_ = str.SetReadDeadline(time.Now().Add(5 * time.Second))
	m, err := protocol.ReadMessage(str)
	if err != nil {
		return err
	}
	if _, ok := m.(*protocol.Welcome); !ok {
		t.Fatalf("answer to the hello: %#v", m)
	}
	return nil
}

// toldToUpgrade checks that err is the close of an unsupported agent,
// naming the minimum and saying what to do.
func toldToUpgrade(t *testing.T, err error, minimum string) {
	t.Helper()
	var app *quic.ApplicationError
	if !errors.As(err, &app) || app.ErrorCode != protocol.CloseUnsupportedVersion ||
		!strings.Contains(app.ErrorMessage, "minimum "+minimum) || !strings.Contains(app.ErrorMessage, "upgrade roundhouse-engine on this host") {
		t.Fatalf("session ended with %v, want CloseUnsupportedVersion naming minimum %s and telling to upgrade", err, minimum)
	}
}

// An engine whose agent is older than the minimum is RETIRED with one
// write however often it retries, gets no session (no heartbeat, nothing
// registered for work), and is AVAILABLE again as soon as a supported
// agent connects.
func TestUnsupportedAgentIsRetiredUntilASupportedOneConnects(t *testing.T) {
	dir := enginelinktest.NewDirectory()
	beats := &beatLog{}
	srv := startServer(t, dir, beats, func(c *enginelink.Config) { c.MinEngineVersion = "1.4.0" })
	key := dir.AddEngine("eng-1", time.Hour)
	e := newTestEngine(t)
	e.pair(t, srv.Addr(), key.String(), dir.Authority)

	for attempt := range 3 { // an agent retrying with its back-off
		toldToUpgrade(t, e.helloAs(t, srv.Addr(), dir.Authority, "eng-1", "1.2.0"), "1.4.0")
		eventually(t, 2*time.Second, "engine RETIRED", func() bool { return dir.Engine("eng-1").Retired })
		if n := dir.RetirementWrites(); n != 1 {
			t.Fatalf("attempt %d: %d retirement writes, want 1", attempt+1, n)
		}
	}
	if srv.Connected("eng-1") || beats.count("eng-1") != 0 || dir.Engine("eng-1").Available {
		t.Fatal("an unsupported agent got a session, a heartbeat or AVAILABLE")
	}

	if err := e.helloAs(t, srv.Addr(), dir.Authority, "eng-1", "1.4.2"); err != nil {
		t.Fatalf("upgraded agent refused: %v", err)
	}
	if got := dir.Engine("eng-1"); got.Retired || !got.Available {
		t.Fatalf("after an upgraded agent connected: %+v, want AVAILABLE", got)
	}
	eventually(t, 5*time.Second, "session registered", func() bool { return srv.Connected("eng-1") })
	eventually(t, 5*time.Second, "the session's first heartbeat recorded", func() bool { return beats.count("eng-1") >= 1 })
	if beats.count("eng-1") != 1 || dir.RetirementWrites() != 2 {
		t.Fatalf("%d heartbeats and %d retirement writes, want 1 and 2", beats.count("eng-1"), dir.RetirementWrites())
	}
}

// Which agents a node serves, by its minimum version.
func TestMinimumVersionDecidesWhichAgentsAreServed(t *testing.T) {
	tests := []struct {
		name, minimum, agent string
		served               bool
	}{
		{"no minimum: an old agent is fine", "", "0.1.0", true},
		{"no minimum: a dev build is fine", "", "dev", true},
		{"at the minimum", "1.4.0", "1.4.0", true},
		{"a build after the minimum's tag", "1.4.0", "v1.4.0-7-g0abc123", true},
		{"below the minimum", "1.4.0", "1.3.9", false},
		{"unparsable with a minimum", "1.4.0", "dev", false},
		{"no version with a minimum", "1.4.0", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := enginelinktest.NewDirectory()
			srv := startServer(t, dir, &beatLog{}, func(c *enginelink.Config) { c.MinEngineVersion = tt.minimum })
			key := dir.AddEngine("eng-1", time.Hour)
			e := newTestEngine(t)
			e.pair(t, srv.Addr(), key.String(), dir.Authority)
			err := e.helloAs(t, srv.Addr(), dir.Authority, "eng-1", tt.agent)
			if tt.served {
				if err != nil || dir.Engine("eng-1").Retired {
					t.Fatalf("agent %q refused (%v) or retired", tt.agent, err)
				}
				return
			}
			toldToUpgrade(t, err, tt.minimum)
			eventually(t, 2*time.Second, "engine RETIRED", func() bool { return dir.Engine("eng-1").Retired })
		})
	}
}

func TestBadMinimumVersionFailsAtStart(t *testing.T) {
	_, err := enginelink.New(enginelink.Config{Addr: "127.0.0.1:0", MinEngineVersion: "latest"}, enginelinktest.NewDirectory(), &beatLog{})
	if err == nil || !strings.Contains(err.Error(), "latest") {
		t.Fatalf("minimum %q: %v, want a clear error", "latest", err)
	}
}
