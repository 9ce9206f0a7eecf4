package notifications_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/controlplane"
	"github.com/roundhouse/roundhouse/controlplane/cptest"
	"github.com/roundhouse/roundhouse/controlplane/delivery"
	"github.com/roundhouse/roundhouse/controlplane/delivery/deliverytest"
	"github.com/roundhouse/roundhouse/controlplane/executions"
	"github.com/roundhouse/roundhouse/controlplane/executions/executionstest"
	"github.com/roundhouse/roundhouse/controlplane/notifications"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// receiver records the notifications it gets and checks their signature.
type receiver struct {
	mu     sync.Mutex
	secret string
	got    []state.RunNotificationBody
	bad    int
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if r.Header.Get(delivery.SignatureHeader) != delivery.Sign(rc.secret, body) {
		rc.bad++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var b state.RunNotificationBody
	_ = json.Unmarshal(body, &b)
	rc.got = append(rc.got, b)
}

func (rc *receiver) events() map[string]int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	out := map[string]int{}
	for _, b := range rc.got {
		out[b.Event+" "+b.Status]++
	}
	return out
}

// runFixture is a control plane with one fake engine that fails the runs
// of the task ID stored in failTask.
type runFixture struct {
	srv      *cptest.Server
	c        *cptest.Client
	wsID     string
	failTask atomic.Value
}

func startRunFixture(t *testing.T, mutate func(*controlplane.Config)) *runFixture {
	t.Helper()
	dir := executionstest.NewDirectory()
	srv := cptest.Start(t, func(c *controlplane.Config) {
		c.Executions = executions.Config{Engines: dir, Minute: time.Minute, Rescan: 20 * time.Millisecond}
		if mutate != nil {
			mutate(c)
		}
	})
	c := srv.Client(cptest.AdminToken)
	envID, wsID, err := executionstest.SharedWorkspace(srv.URL, cptest.AdminToken)
	if err != nil {
		t.Fatal(err)
	}
	dir.AddEngine("engine-1", envID)
	f := &runFixture{srv: srv, c: c, wsID: wsID}
	f.failTask.Store("")
	eng := &executionstest.Engine{ID: "engine-1", Execs: srv.Executions(), Read: srv.Node().Read,
		Behave: func(x *state.Execution) executionstest.Behavior {
			if x.TaskID == f.failTask.Load().(string) {
				return executionstest.Behavior{Status: state.ExecFailed}
			}
			return executionstest.Behavior{}
		}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); eng.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return f
}

func (f *runFixture) run(t *testing.T, taskID string) string {
	t.Helper()
	var out state.ExecutionCreated
	f.c.Must(t, 201, "POST", "/processing/executions", map[string]any{"executable": taskID}, &out)
	return out.ExecutionID
}

// waitFinished waits until the execution reports a final status.
func (f *runFixture) waitFinished(t *testing.T, id string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		var e struct {
			FinishTimestamp *time.Time `json:"finishTimestamp"`
		}
		f.c.Must(t, 200, "GET", "/processing/executions/"+id, nil, &e)
		if e.FinishTimestamp != nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("execution %s not finished", id)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestTaskAndPlanRunsNotifySubscribersWithASignature(t *testing.T) {
	f := startRunFixture(t, nil)
	srv, c, wsID := f.srv, f.c, f.wsID
	rc := &receiver{}
	hook := httptest.NewServer(rc)
	t.Cleanup(hook.Close)
	var sub notifications.SubscriptionView
	c.Must(t, 201, "POST", "/account/notification-subscriptions", map[string]any{"url": hook.URL,
		"events": []string{"TASK_FAILED", "TASK_SUCCESSFUL", "PLAN_SUCCESSFUL"}}, &sub)
	rc.mu.Lock()
	rc.secret = sub.Secret
	rc.mu.Unlock()
	var list []notifications.SubscriptionView
	c.Must(t, 200, "GET", "/account/notification-subscriptions", nil, &list)
	if len(list) != 1 || list[0].Secret != "" {
		t.Fatalf("list shows %+v", list)
	}
	c.MustFail(t, 400, "POST", "/account/notification-subscriptions", map[string]any{"url": "ftp://x", "events": []string{"TASK_FAILED"}})
	c.MustFail(t, 400, "POST", "/account/notification-subscriptions", map[string]any{"url": hook.URL, "events": []string{"SOMETIMES"}})
	// No url means mail, and this control plane has no mail server.
	c.MustFail(t, 400, "POST", "/account/notification-subscriptions", map[string]any{"events": []string{"TASK_FAILED"}})

	good, bad := publish(t, srv, c, "good"), publish(t, srv, c, "bad")
	f.failTask.Store(bad)
	f.run(t, good)
	f.run(t, bad)
	waitEvents(t, rc, map[string]int{"TASK_SUCCESSFUL EXECUTION_SUCCESS": 1, "TASK_FAILED EXECUTION_FAILED": 1})

	var plan state.Plan
	c.Must(t, 201, "POST", "/orchestration/executables/plans", map[string]any{"name": "p", "workspaceId": wsID,
		"steps": []map[string]any{{"name": "s", "taskIds": []string{good}}}}, &plan)
	c.Must(t, 201, "POST", "/processing/executions/plans", map[string]any{"executable": plan.ID}, nil)
	waitEvents(t, rc, map[string]int{"TASK_SUCCESSFUL EXECUTION_SUCCESS": 2, "TASK_FAILED EXECUTION_FAILED": 1, "PLAN_SUCCESSFUL SUCCEEDED": 1})
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.bad != 0 {
		t.Fatalf("%d deliveries with a bad signature", rc.bad)
	}
}

func waitEvents(t *testing.T, rc *receiver, want map[string]int) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		got := rc.events()
		same := len(got) == len(want)
		for k, v := range want {
			same = same && got[k] == v
		}
		if same {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("notifications %v, want %v", got, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func publish(t *testing.T, srv *cptest.Server, c *cptest.Client, name string) string {
	t.Helper()
	archive, err := executionstest.Archive(executionstest.JobManifest(name, "1.0.0"), map[string]string{"run.sh": "#!/bin/sh\n"})
	if err != nil {
		t.Fatal(err)
	}
	_, raw, err := srv.Client(cptest.AdminToken).Send("POST", "/orchestration/artifacts", "application/gzip", archive)
	if err != nil {
		t.Fatal(err)
	}
	var pub state.ArtifactPublishResult
	if err := json.Unmarshal(raw, &pub); err != nil {
		t.Fatal(err)
	}
	c.Must(t, 204, "PUT", "/orchestration/executables/tasks/"+pub.TaskID+"/run-config", map[string]any{
		"runtime": map[string]any{"type": "REMOTE_ENGINE", "id": "engine-1"}, "parallelExecutionAllowed": true}, nil)
	return pub.TaskID
}

func TestRunNotificationsAreMailedToTheProfileEmail(t *testing.T) {
	mail := deliverytest.StartSMTP(t, deliverytest.SMTPOptions{User: "rh", Password: "pw"})
	f := startRunFixture(t, func(c *controlplane.Config) {
		c.Mail = delivery.Mailer{Addr: mail.Addr, From: "roundhouse@example.com", Username: "rh", Password: "pw", TLSConfig: mail.ClientTLS}
	})
	f.c.Must(t, 201, "POST", "/account/notification-subscriptions", map[string]any{"events": []string{"TASK_FAILED"}}, nil)
	good, bad := publish(t, f.srv, f.c, "good"), publish(t, f.srv, f.c, "nightly-load")
	f.failTask.Store(bad)
	f.waitFinished(t, f.run(t, good)) // a success: not asked for, so never mailed
	f.run(t, bad)
	msgs := mail.Wait(t, 1, 15*time.Second)
	if len(msgs[0].To) != 1 || msgs[0].To[0] != "admin@localhost" {
		t.Fatalf("mailed to %v, want the admin's profile email", msgs[0].To)
	}
	if !bytes.Contains(msgs[0].Data, []byte("Subject: Roundhouse: nightly-load task failed")) {
		t.Fatalf("message:\n%s", msgs[0].Data)
	}
	if n := len(mail.Messages()); n != 1 {
		t.Fatalf("%d mails: only TASK_FAILED was asked for", n)
	}
}
