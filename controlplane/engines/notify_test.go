package engines_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/controlplane"
	"github.com/roundhouse/roundhouse/controlplane/cptest"
	"github.com/roundhouse/roundhouse/controlplane/delivery"
	"github.com/roundhouse/roundhouse/controlplane/delivery/deliverytest"
	"github.com/roundhouse/roundhouse/controlplane/enginelink"
	"github.com/roundhouse/roundhouse/controlplane/engines"
	"github.com/roundhouse/roundhouse/protocol"
)

// receiver is a webhook endpoint that fails its first call, to prove
// retries, and records the rest.
type receiver struct {
	mu     sync.Mutex
	calls  int
	events []map[string]any
	bad    int // bodies whose signature did not verify
	secret string
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.calls++
	if rc.calls == 1 {
		http.Error(w, "not yet", http.StatusServiceUnavailable)
		return
	}
	if r.Header.Get(delivery.SignatureHeader) != delivery.Sign(rc.secret, body) {
		rc.bad++
	}
	var ev map[string]any
	_ = json.Unmarshal(body, &ev)
	rc.events = append(rc.events, ev)
	w.WriteHeader(http.StatusNoContent)
}

func (rc *receiver) got() ([]string, int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var out []string
	for _, e := range rc.events {
		out = append(out, e["event"].(string))
	}
	return out, rc.bad
}

func TestUnavailableAndDeletedEnginesAreNotifiedBySignedWebhook(t *testing.T) {
	srv := cptest.Start(t)
	c := srv.Client(cptest.AdminToken)
	rc := &receiver{}
	hook := httptest.NewServer(rc)
	defer hook.Close()
	var sub struct{ ID, Secret string }
	c.Must(t, 201, "POST", "/processing/runtimes/engine-notification-subscriptions",
		map[string]any{"events": []string{"ENGINE_UNAVAILABLE", "ENGINE_DELETED"}, "url": hook.URL}, &sub)
	rc.mu.Lock()
	rc.secret = sub.Secret
	rc.mu.Unlock()
	c.MustFail(t, 400, "POST", "/processing/runtimes/engine-notification-subscriptions", map[string]any{"events": []string{"BOOM"}, "url": hook.URL})

	e := pairedEngineGoesDown(t, srv, c, "watched")
	c.Must(t, 204, "DELETE", "/processing/runtimes/remote-engines/"+e.ID, nil, nil)

	deadline := time.Now().Add(10 * time.Second)
	for {
		events, bad := rc.got()
		if len(events) == 2 {
			if events[0] != "ENGINE_UNAVAILABLE" || events[1] != "ENGINE_DELETED" || bad != 0 {
				t.Fatalf("events %v, %d bad signatures", events, bad)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("notifications not delivered: %v", events)
		}
		time.Sleep(50 * time.Millisecond)
	}
	var subs []map[string]any
	c.Must(t, 200, "GET", "/processing/runtimes/engine-notification-subscriptions", nil, &subs)
	if len(subs) != 1 || subs[0]["secret"] != nil {
		t.Fatalf("listing shows %v", subs)
	}
	c.Must(t, 204, "DELETE", "/processing/runtimes/engine-notification-subscriptions/"+sub.ID, nil, nil)
}

func TestUnavailableEngineIsMailedToTheProfileEmail(t *testing.T) {
	mail := deliverytest.StartSMTP(t, deliverytest.SMTPOptions{})
	srv := cptest.Start(t, func(c *controlplane.Config) {
		c.Mail = delivery.Mailer{Addr: mail.Addr, From: "Roundhouse <roundhouse@example.com>", TLSConfig: mail.ClientTLS}
	})
	c := srv.Client(cptest.AdminToken)
	c.Must(t, 201, "POST", "/processing/runtimes/engine-notification-subscriptions",
		map[string]any{"events": []string{"ENGINE_UNAVAILABLE"}}, nil)
	pairedEngineGoesDown(t, srv, c, "edge-7")
	msg := mail.Wait(t, 1, 10*time.Second)[0]
	if len(msg.To) != 1 || msg.To[0] != "admin@localhost" || !bytes.Contains(msg.Data, []byte("Subject: Roundhouse: remote engine edge-7 is not available")) {
		t.Fatalf("mail to %v:\n%s", msg.To, msg.Data)
	}
}

func TestMailSubscriptionNeedsAMailServer(t *testing.T) {
	c := cptest.Start(t).Client(cptest.AdminToken)
	c.MustFail(t, 400, "POST", "/processing/runtimes/engine-notification-subscriptions",
		map[string]any{"events": []string{"ENGINE_UNAVAILABLE"}})
}

// pairedEngineGoesDown creates and pairs an engine, then records it
// AVAILABLE and NOT_AVAILABLE, as the heartbeat monitor would.
func pairedEngineGoesDown(t *testing.T, srv *cptest.Server, c *cptest.Client, name string) engineBody {
	t.Helper()
	var e engineBody
	c.Must(t, 201, "POST", "/processing/runtimes/remote-engines", map[string]any{"name": name, "environmentId": defaultEnv(t, c)}, &e)
	dir := engines.NewDirectory(srv.Node())
	key, _ := protocol.ParsePairKey(e.PreAuthorizedKey)
	serial, _ := protocol.NewSerial()
	ctx := context.Background()
	if _, err := dir.Pair(ctx, enginelink.PairRequest{KeyID: key.ID, SecretHash: key.SecretHash(), CertSerial: protocol.SerialString(serial), Now: time.Now()}); err != nil {
		t.Fatal(err)
	}
	for _, up := range []bool{true, false} {
		if _, err := dir.SetAvailability(ctx, []enginelink.AvailabilityChange{{EngineID: e.ID, Available: up}}); err != nil {
			t.Fatal(err)
		}
	}
	return e
}
