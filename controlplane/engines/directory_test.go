package engines

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/cluster"
	"github.com/roundhouse/roundhouse/controlplane/enginelink"
	"github.com/roundhouse/roundhouse/controlplane/state"
	"github.com/roundhouse/roundhouse/protocol"
)

// openNode starts a real single-node cluster with the control plane's
// state, bootstrapped with the default environment.
func openNode(t *testing.T) (*cluster.Node, string) {
	t.Helper()
	raftLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	raftAddr := raftLn.Addr().String()
	raftLn.Close()
	n, err := cluster.Open(cluster.Config{
		DataDir: filepath.Join(t.TempDir(), "raft"), NodeID: "n1", RaftAddr: raftAddr, APIAddr: "127.0.0.1:1",
		HeartbeatTimeout: 300 * time.Millisecond, ElectionTimeout: 300 * time.Millisecond, ApplyTimeout: 5 * time.Second,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}, state.Spec())
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Start(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = n.Shutdown() })
	envID := state.NewObjectID()
	admin := state.User{ID: state.NewUUID(), Login: "admin", Email: "admin@localhost"}
	cmd, _ := cluster.NewCommand(state.CmdBootstrap, cluster.Meta{}, state.BootstrapRequest{
		AccountName: "test", EnvironmentID: envID, SharedWorkspaceID: state.NewObjectID(),
		PersonalWorkspaceID: state.NewObjectID(), Admin: admin,
		Token: state.AccessToken{ID: state.NewObjectID(), Name: "t", Hash: "h"},
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := n.Apply(context.Background(), cmd, nil)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("bootstrap: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return n, envID
}

// createEngine creates an engine with a key of the given lifetime.
func createEngine(t *testing.T, n *cluster.Node, d *Directory, envID, name string, ttl time.Duration) (string, protocol.PairKey) {
	t.Helper()
	ca, err := d.CA(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	key, _ := protocol.NewPairKey(ca.Fingerprint())
	id := state.NewObjectID()
	cmd, _ := cluster.NewCommand(state.CmdEngineCreate, cluster.Meta{}, state.EngineCreateRequest{
		Engine: state.Engine{ID: id, Name: name, EnvironmentID: envID},
		Key:    state.PairKeyRecord{ID: key.ID, SecretHash: key.SecretHash(), ExpiresAt: time.Now().Add(ttl)},
	})
	if _, err := n.Apply(context.Background(), cmd, nil); err != nil {
		t.Fatal(err)
	}
	return id, key
}

func pairReq(k protocol.PairKey) enginelink.PairRequest {
	serial, _ := protocol.NewSerial()
	return enginelink.PairRequest{KeyID: k.ID, SecretHash: k.SecretHash(), CertSerial: protocol.SerialString(serial), Now: time.Now()}
}

func TestPairingThroughTheReplicatedState(t *testing.T) {
	n, envID := openNode(t)
	d := NewDirectory(n)
	id, key := createEngine(t, n, d, envID, "racer", time.Hour)

	// Eight agents race with one key: exactly one wins, the rest see it used.
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins, used := 0, 0
	for range 8 {
		wg.Go(func() {
			res, err := d.Pair(context.Background(), pairReq(key))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil && res.EngineID == id:
				wins++
			case errors.Is(err, protocol.ErrPairKeyUsed):
				used++
			default:
				t.Errorf("unexpected result %v %v", res, err)
			}
		})
	}
	wg.Wait()
	if wins != 1 || used != 7 {
		t.Fatalf("%d wins and %d used refusals, want 1 and 7", wins, used)
	}
	e := state.EngineByID(n.Read(), id)
	if e.Status != state.EnginePaired || d.EngineAuthorized(context.Background(), id, e.CertSerial) != nil {
		t.Fatalf("engine after pairing: %+v", e)
	}

	expiredID, expired := createEngine(t, n, d, envID, "expired", -time.Second)
	wrong := key
	wrong.ID = expired.ID
	for name, tc := range map[string]struct {
		req  enginelink.PairRequest
		want error
	}{
		"expired":      {pairReq(expired), protocol.ErrPairKeyExpired},
		"wrong secret": {pairReq(wrong), protocol.ErrPairKeyInvalid},
		"unknown":      {pairReq(protocol.PairKey{ID: "0011223344556677"}), protocol.ErrPairKeyUnknown},
	} {
		if _, err := d.Pair(context.Background(), tc.req); !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", name, err, tc.want)
		}
	}
	if e := state.EngineByID(n.Read(), expiredID); e.Status != state.EngineNotPaired {
		t.Fatal("a refused key paired its engine")
	}
}

func TestAvailabilityAndRevocationThroughTheReplicatedState(t *testing.T) {
	n, envID := openNode(t)
	d := NewDirectory(n)
	id, key := createEngine(t, n, d, envID, "e", time.Hour)
	req := pairReq(key)
	if _, err := d.Pair(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	if skipped, err := d.SetAvailability(context.Background(), []enginelink.AvailabilityChange{{EngineID: id, Available: true}}); err != nil || len(skipped) != 0 {
		t.Fatalf("availability: skipped %v, %v", skipped, err)
	}
	if live, _ := d.PairedEngines(); len(live) != 1 || !live[0].Available {
		t.Fatalf("paired engines %+v", live)
	}
	// Renewal keeps the session's certificate valid as the previous one.
	next, _ := protocol.NewSerial()
	if err := d.RenewCertificate(context.Background(), id, req.CertSerial, protocol.SerialString(next)); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{req.CertSerial, protocol.SerialString(next)} {
		if d.EngineAuthorized(context.Background(), id, s) != nil {
			t.Fatalf("serial %s refused after renewal", s)
		}
	}
	del, _ := cluster.NewCommand(state.CmdEngineDelete, cluster.Meta{}, state.IDRequest{ID: id})
	if _, err := n.Apply(context.Background(), del, nil); err != nil {
		t.Fatal(err)
	}
	if d.EngineAuthorized(context.Background(), id, protocol.SerialString(next)) == nil {
		t.Fatal("a deleted engine is still authorized")
	}
	if skipped, err := d.SetAvailability(context.Background(), []enginelink.AvailabilityChange{{EngineID: id}}); err != nil || len(skipped) != 1 || skipped[0] != id {
		t.Fatalf("availability of a deleted engine: skipped %v, %v", skipped, err)
	}
}
