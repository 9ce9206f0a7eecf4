package schedulefire_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/controlplane/schedule"
	"github.com/roundhouse/roundhouse/controlplane/schedulefire"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// post calls a webhook URL with no token.
func post(t *testing.T, url, contentType, body string) int {
	t.Helper()
	resp, err := http.Post(url, contentType, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func (f *fixture) webhook(task string, threshold, duration int) string {
	f.t.Helper()
	var out schedulefire.WebhookCreated
	f.c.Must(f.t, 201, "POST", "/orchestration/executables/tasks/"+task+"/webhook",
		map[string]any{"windowThreshold": threshold, "windowDuration": duration}, &out)
	if !strings.Contains(out.URL, schedulefire.WebhookPathPrefix) {
		f.t.Fatalf("webhook url %q", out.URL)
	}
	return out.URL
}

func payloadOf(t *testing.T, params map[string]string) []schedule.WebhookCall {
	t.Helper()
	var calls []schedule.WebhookCall
	if err := json.Unmarshal([]byte(params[schedule.PayloadParameter]), &calls); err != nil {
		t.Fatalf("payload parameter %q: %v", params[schedule.PayloadParameter], err)
	}
	return calls
}

func TestWebhookBatchesByThreshold(t *testing.T) {
	f := start(t)
	task := f.jobTask("hooked")
	url := f.webhook(task, 2, 3600)
	if c := post(t, url, "application/json", `{"param":"1"}`); c != 204 {
		t.Fatalf("first call: %d", c)
	}
	f.settle(task, 0)
	if c := post(t, url, "application/x-www-form-urlencoded", `{"param":"2"}`); c != 204 {
		t.Fatalf("second call: %d", c)
	}
	runs := f.waitExecutions(task, 1)
	calls := payloadOf(t, runs[0].Parameters)
	if runs[0].ExecutionType != "WEBHOOK" || len(calls) != 2 || calls[0].Type != "application/json" ||
		string(calls[0].Data) != `{"param":"1"}` || calls[1].Type != "application/x-www-form-urlencoded" {
		t.Fatalf("run %s with payload %+v", runs[0].ExecutionType, calls)
	}
	post(t, url, "text/plain", "three")
	f.settle(task, 1) // a new window is open
}

func TestWebhookBatchesByDuration(t *testing.T) {
	f := start(t)
	task := f.jobTask("windowed")
	url := f.webhook(task, 10, 30)
	post(t, url, "text/xml", "<a>1</a>")
	f.clock.Set(f.clock.Now().Add(29 * time.Second))
	f.settle(task, 0)
	f.clock.Set(f.clock.Now().Add(2 * time.Second))
	runs := f.waitExecutions(task, 1)
	calls := payloadOf(t, runs[0].Parameters)
	var data string
	if len(calls) != 1 || json.Unmarshal(calls[0].Data, &data) != nil || data != "<a>1</a>" || calls[0].Type != "text/xml" {
		t.Fatalf("payload %+v", calls)
	}
}

func TestWebhookRefusesBadCallsAndKeepsTheWindow(t *testing.T) {
	f := start(t)
	task := f.jobTask("strict")
	url := f.webhook(task, 2, 3600)
	for _, tc := range []struct {
		name, ct, body string
		want           int
	}{
		{"oversized", "text/plain", strings.Repeat("x", schedule.MaxPayloadBytes+1), 413},
		{"malformed json", "application/json", `{"param":`, 400},
		{"malformed xml", "application/xml", `<a>`, 400},
		{"unsupported type", "image/png", "x", 415},
	} {
		if got := post(t, url, tc.ct, tc.body); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
	if got := post(t, url[:len(url)-4]+"beef", "text/plain", "x"); got != 404 {
		t.Errorf("wrong secret: %d, want 404", got)
	}
	// None of the refused calls counted: one good call does not fire.
	post(t, url, "text/plain", "ok")
	f.settle(task, 0)
	// A webhook is the only trigger: no schedule beside it, and the reverse.
	today := f.clock.Now().Format("2006-01-02")
	f.c.MustFail(t, 409, "PUT", "/orchestration/executables/tasks/"+task+"/schedule", map[string]any{"triggers": []map[string]any{
		{"type": "CRON", "startDate": today, "expression": "0 9 * * ?"}}})
	f.c.MustFail(t, 400, "POST", "/orchestration/executables/tasks/"+task+"/webhook", map[string]any{"windowThreshold": 0, "windowDuration": 30})
	// Paused: the webhook refuses runs.
	f.c.Must(t, 200, "POST", "/orchestration/executables/tasks/"+task+"/pause", nil, nil)
	if got := post(t, url, "text/plain", "x"); got != 405 {
		t.Errorf("paused task webhook: %d, want 405", got)
	}
	// The secret is stored hashed.
	secret := url[strings.LastIndex(url, "/")+1:]
	row := state.WebhookOf(f.srv.Node().Read(), state.OwnerTask, task)
	if row == nil || row.ID != schedulefire.HashSecret(secret) || strings.Contains(row.ID, secret) {
		t.Fatalf("webhook row %+v", row)
	}
}
