package enginelink_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/controlplane/enginelink/enginelinktest"
	"github.com/roundhouse/roundhouse/protocol"
	"github.com/roundhouse/roundhouse/protocol/enginesession"
)

// The engine side of the protocol that agents, fakes and simulated
// engines share pairs with this server, holds a version-3 session on it,
// has its heartbeats acknowledged and renews its certificate over it.
func TestEngineSessionLibraryAgainstTheLink(t *testing.T) {
	dir := enginelinktest.NewDirectory()
	beats := &beatLog{}
	srv := startServer(t, dir, beats, nil)
	key := dir.AddEngine("eng-1", time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	pr := enginesession.PairRequest{Key: key.String(), Facts: protocol.HostFacts{Hostname: "host-1"}, Timeout: 5 * time.Second}
	creds, err := enginesession.Pair(ctx, srv.Addr().String(), pr)
	if err != nil || creds.EngineID != "eng-1" {
		t.Fatalf("pair: %+v, %v", creds, err)
	}

	s, welcome, err := enginesession.Open(ctx, srv.Addr().String(), &protocol.Hello{EngineID: creds.EngineID, AgentVersion: "test"},
		enginesession.Options{TLS: enginesession.SessionTLS(creds.Roots(), creds.TLSCertificate), Timeout: 5 * time.Second})
	if err != nil || welcome.HeartbeatIntervalMillis <= 0 {
		t.Fatalf("open: %+v, %v", welcome, err)
	}
	defer s.Close(protocol.CloseNormal, "")
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, func(protocol.Message) {}) }()
	for seq := uint64(1); seq <= 3; seq++ {
		if err := s.Heartbeat(ctx, &protocol.Heartbeat{Seq: seq}, 5*time.Second); err != nil {
			t.Fatalf("heartbeat %d: %v", seq, err)
		}
	}
	if n := beats.count("eng-1"); n < 3 {
		t.Fatalf("the link saw %d heartbeats, want 3", n)
	}
	newKey, cert, err := s.Renew(ctx, creds.EngineID, 5*time.Second)
	if err != nil {
		t.Fatalf("renew: %v", err)
	}
	if id, _, err := protocol.EngineIdentity(cert); err != nil || id != "eng-1" || !newKey.PublicKey.Equal(cert.PublicKey) {
		t.Fatalf("renewed certificate is for %q (%v), or not for the new key", id, err)
	}
	s.Close(protocol.CloseNormal, "")
	<-served
}

// A pairing the control plane refuses, or one with a server of another
// cluster, fails with an error that says which.
func TestEngineSessionPairingRefusals(t *testing.T) {
	dir := enginelinktest.NewDirectory()
	srv := startServer(t, dir, &beatLog{}, nil)
	used := dir.AddEngine("eng-used", time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := enginesession.Pair(ctx, srv.Addr().String(), enginesession.PairRequest{Key: used.String(), Timeout: 5 * time.Second}); err != nil {
		t.Fatal(err)
	}
	other, _ := protocol.NewPairKey([32]byte{9}) // a key of another cluster's CA
	tests := []struct {
		name     string
		key      string
		wantCode string
		wantErr  error
	}{
		{"a used key", used.String(), protocol.CodeKeyUsed, nil},
		{"a key of another cluster", other.String(), "", enginesession.ErrCAMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := enginesession.Pair(ctx, srv.Addr().String(), enginesession.PairRequest{Key: tt.key, Timeout: 5 * time.Second})
			var refusal *enginesession.PairError
			switch {
			case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
				t.Fatalf("got %v, want %v", err, tt.wantErr)
			case tt.wantCode != "" && (!errors.As(err, &refusal) || refusal.Code != tt.wantCode):
				t.Fatalf("got %v, want a refusal %s", err, tt.wantCode)
			}
		})
	}
}
