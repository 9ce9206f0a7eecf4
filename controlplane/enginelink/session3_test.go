package enginelink_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net"
	"testing"
	"time"

	"github.com/quic-go/quic-go"

	"github.com/roundhouse/roundhouse/controlplane/enginelink"
	"github.com/roundhouse/roundhouse/controlplane/enginelink/enginelinktest"
	"github.com/roundhouse/roundhouse/protocol"
)

// sessionV3 opens a version-3 session, as agents do: the hello and
// everything after it on one stream, which it returns.
func (e *testEngine) sessionV3(t *testing.T, addr net.Addr, ca *protocol.CA, engineID string) (*quic.Conn, *quic.Stream) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cfg := &tls.Config{RootCAs: ca.Pool(), ServerName: protocol.ServerName, NextProtos: []string{protocol.ALPNEngine},
		Certificates: []tls.Certificate{*e.tlsCert()}}
	qc := &quic.Config{InitialStreamReceiveWindow: 64 << 10, MaxStreamReceiveWindow: 64 << 10,
		InitialConnectionReceiveWindow: 16 << 20, MaxConnectionReceiveWindow: 16 << 20}
	conn, err := quic.DialAddr(ctx, addr.String(), cfg, qc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.CloseWithError(0, "") })
	str, err := conn.OpenStreamSync(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := protocol.WriteMessage(str, &protocol.Hello{EngineID: engineID}); err != nil {
		t.Fatal(err)
	}
	if _, ok := next(t, str).(*protocol.Welcome); !ok {
		t.Fatal("no welcome on the session stream")
	}
	return conn, str
}

// pairedV3 pairs eng-1 with a link serving work and opens its v3 session.
func pairedV3(t *testing.T, work *fakeWork, beats *beatLog) (*enginelink.Server, *enginelinktest.Directory, *quic.Conn, *quic.Stream) {
	t.Helper()
	dir := enginelinktest.NewDirectory()
	srv := startServer(t, dir, beats, func(c *enginelink.Config) { c.Work = work })
	key := dir.AddEngine("eng-1", time.Hour)
	e := newTestEngine(t)
	if _, ok := e.pair(t, srv.Addr(), key.String(), dir.Authority).(*protocol.PairResponse); !ok {
		t.Fatal("pairing failed")
	}
	conn, str := e.sessionV3(t, srv.Addr(), dir.Authority, "eng-1")
	return srv, dir, conn, str
}

func send(t *testing.T, str *quic.Stream, m protocol.Message) {
	t.Helper()
	if err := protocol.WriteMessage(str, m); err != nil {
		t.Fatalf("send %T: %v", m, err)
	}
}

// nextOf reads the session stream until a message of type T arrives.
func nextOf[T protocol.Message](t *testing.T, str *quic.Stream) T {
	t.Helper()
	for {
		if m, ok := next(t, str).(T); ok {
			return m
		}
	}
}

// One stream carries a whole session: heartbeats (recorded, acked by
// sequence), renewals, assignments, statuses and their acks.
func TestSessionStreamCarriesHeartbeatsRenewalsAndWork(t *testing.T) {
	work := newFakeWork()
	start := &protocol.StartExecution{ExecutionID: "x1", Attempt: 1, Artifact: protocol.ArtifactRef{Digest: "sha256:00"}}
	work.set(enginelink.Assignment{ExecutionID: "x1", Attempt: 1, Start: start})
	beats := &beatLog{}
	_, dir, _, str := pairedV3(t, work, beats)

	send(t, str, &protocol.Heartbeat{Seq: 7})
	if ack := nextOf[*protocol.HeartbeatAck](t, str); ack.Seq != 7 {
		t.Fatalf("ack for seq %d, want 7", ack.Seq)
	}
	if beats.count("eng-1") < 2 { // the hello and the heartbeat
		t.Fatalf("%d beats recorded, want 2", beats.count("eng-1"))
	}

	send(t, str, &protocol.WorkOpen{Known: []protocol.ExecutionRef{}})
	if m := nextOf[*protocol.StartExecution](t, str); m.ExecutionID != "x1" {
		t.Fatalf("assigned %s, want x1", m.ExecutionID)
	}
	send(t, str, &protocol.ExecutionStatus{ExecutionID: "x1", Attempt: 1, Status: protocol.ExecSuccess})
	if ack := nextOf[*protocol.StatusAck](t, str); ack.ExecutionID != "x1" {
		t.Fatalf("status ack for %s, want x1", ack.ExecutionID)
	}

	renewed := newTestEngine(t)
	csr, _ := protocol.NewCSR(renewed.key, "x")
	send(t, str, &protocol.RenewRequest{CSR: csr})
	r := nextOf[*protocol.RenewResponse](t, str)
	cert, _ := x509ParseOrFail(t, r.Certificate)
	if got := dir.Engine("eng-1").Serial; got != protocol.SerialString(cert.SerialNumber) {
		t.Fatalf("directory holds serial %s, want the renewed %s", got, protocol.SerialString(cert.SerialNumber))
	}
	send(t, str, &protocol.RenewRequest{CSR: []byte("garbage")})
	if e := nextOf[*protocol.Error](t, str); e.Code != protocol.CodeBadRequest {
		t.Fatalf("bad renewal answered %s, want %s", e.Code, protocol.CodeBadRequest)
	}
	send(t, str, &protocol.Heartbeat{Seq: 8})
	if ack := nextOf[*protocol.HeartbeatAck](t, str); ack.Seq != 8 {
		t.Fatalf("ack for seq %d after renewals, want 8", ack.Seq)
	}
}

// Downloads go on streams announced on the session stream; heartbeats
// on the session stream stay answered while downloads stall open.
func TestAnnouncedStreamsServeDownloadsBesideHeartbeats(t *testing.T) {
	work := newFakeWork()
	big := bytes.Repeat([]byte("roundhouse"), 100_000) // 1 MB: over MaxFrameSize
	work.blobs["sha256:big"] = big
	work.blobs["sha256:stall"] = make([]byte, 4<<20) // over the client's stream window
	_, _, conn, str := pairedV3(t, work, &beatLog{})
	download := func(digest string) (*quic.Stream, protocol.Message) {
		send(t, str, &protocol.StreamOpen{})
		d, err := conn.OpenStreamSync(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.CancelRead(0); _ = d.Close() })
		send(t, d, &protocol.ArtifactRequest{Digest: digest})
		return d, next(t, d)
	}
	d, m := download("sha256:big")
	h, ok := m.(*protocol.ArtifactHeader)
	if !ok || h.Size != int64(len(big)) {
		t.Fatalf("got %#v, want a header of %d bytes", m, len(big))
	}
	if got, err := io.ReadAll(io.LimitReader(d, h.Size)); err != nil || !bytes.Equal(got, big) {
		t.Fatalf("read %d bytes (%v), want the archive", len(got), err)
	}
	if _, m := download("sha256:missing"); func() bool { e, ok := m.(*protocol.Error); return !ok || e.Code != protocol.CodeArtifactNotFound }() {
		t.Fatalf("unknown digest answered %#v, want %s", m, protocol.CodeArtifactNotFound)
	}
	for i := range 6 {
		if _, m := download("sha256:stall"); func() bool { _, ok := m.(*protocol.ArtifactHeader); return !ok }() {
			t.Fatalf("download %d did not start: %#v", i, m)
		}
	}
	send(t, str, &protocol.Heartbeat{Seq: 1})
	if ack := nextOf[*protocol.HeartbeatAck](t, str); ack.Seq != 1 {
		t.Fatalf("ack for seq %d, want 1", ack.Seq)
	}
}

// Deleting an engine closes its version-3 session with CloseRevoked, and
// a heartbeat of a session whose engine is gone is not acknowledged.
func TestSessionStreamOfADeletedEngineIsClosed(t *testing.T) {
	for _, tt := range []struct {
		name  string
		close func(*enginelink.Server)
	}{
		{"closed by the node", func(s *enginelink.Server) { s.CloseEngine("eng-1", "engine deleted") }},
		{"found at its next heartbeat", func(*enginelink.Server) {}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv, dir, conn, str := pairedV3(t, newFakeWork(), &beatLog{})
			eventually(t, time.Second, "session registered", func() bool { return srv.Connected("eng-1") })
			dir.DeleteEngine("eng-1")
			tt.close(srv)
			_ = protocol.WriteMessage(str, &protocol.Heartbeat{Seq: 1}) // fails once the close arrived
			_ = str.SetReadDeadline(time.Now().Add(3 * time.Second))
			if m, err := protocol.ReadMessage(str); err == nil {
				t.Fatalf("deleted engine got %#v", m)
			}
			<-conn.Context().Done()
			if code, _ := closeCode(context.Cause(conn.Context())); code != protocol.CloseRevoked {
				t.Fatalf("closed with %v, want CloseRevoked", context.Cause(conn.Context()))
			}
		})
	}
}
