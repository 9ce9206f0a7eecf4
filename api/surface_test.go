package api_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/api"
	"github.com/roundhouse/roundhouse/controlplane/executions/executionstest"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// The identity, access and audit calls decode what the node answers.
func TestIdentityAndAccessCalls(t *testing.T) {
	_, c := client(t)
	ctx := ctx(t)
	perms, err := c.Roles().Permissions(ctx)
	if err != nil || !slices.Contains(perms, "TMC_OPERATOR") {
		t.Fatalf("permissions = %v, %v", perms, err)
	}
	name, rolePerms := "ops", []string{"TMC_OPERATOR"}
	role, err := c.Roles().Create(ctx, api.RoleInput{Name: &name, Permissions: &rolePerms})
	if err != nil || role.ID == "" {
		t.Fatalf("role = %+v, %v", role, err)
	}
	u, err := c.Users().Create(ctx, api.UserCreate{Login: "ann@example.test", Email: "ann@example.test", Roles: []string{role.ID}, Password: "Ann-passw0rd!"})
	if err != nil || u.ID == "" || !slices.Contains(u.Roles, role.ID) {
		t.Fatalf("user = %+v, %v", u, err)
	}
	sess, err := c.Login(ctx, u.Login, "Ann-passw0rd!")
	if err != nil || sess.AccessToken == "" || sess.TokenType != "Bearer" {
		t.Fatalf("login = %+v, %v", sess, err)
	}
	pat, err := c.WithToken(sess.AccessToken).AccessTokens().Create(ctx, "laptop")
	if err != nil || pat.Token == "" {
		t.Fatalf("token = %+v, %v", pat, err)
	}
	if list, err := c.AccessTokens().List(ctx, true); err != nil || !slices.ContainsFunc(list, func(a api.AccessToken) bool { return a.ID == pat.ID && a.Token == "" }) {
		t.Fatalf("every token, no secret = %+v, %v", list, err)
	}
	groupName, members := "team", []string{u.ID}
	if g, err := c.Groups().Create(ctx, api.GroupInput{Name: &groupName, Members: &members}); err != nil || len(g.Members) != 1 {
		t.Fatalf("group = %+v, %v", g, err)
	}
	sa, err := c.ServiceAccounts().Create(ctx, api.ServiceAccountInput{Name: "ci", Permissions: []string{"TMC_OPERATOR"}})
	if err != nil || sa.Secret == "" {
		t.Fatalf("service account = %+v, %v", sa, err)
	}
	if tok, err := c.ServiceAccountToken(ctx, sa.ID, sa.Secret); err != nil || tok.AccessToken == "" {
		t.Fatalf("client credentials = %+v, %v", tok, err)
	}
	if _, err := c.ServiceAccountToken(ctx, sa.ID, "wrong"); api.StatusCode(err) != 401 {
		t.Fatalf("a wrong secret: %v, want 401", err)
	}
	on := true
	if al, err := c.IPAllowlist().Create(ctx, api.IPAllowlistInput{Enabled: &on, IPs: []api.IPEntry{{IP: "127.0.0.0/8", Description: "loopback"}}}); err != nil || !al.Enabled || len(al.IPs) != 1 {
		t.Fatalf("allowlist = %+v, %v", al, err)
	}
	var actions []string
	for e, err := range c.AuditEntries(ctx, 0, 2) {
		if err != nil {
			t.Fatal(err)
		}
		actions = append(actions, e.Action)
	}
	if len(actions) < 5 {
		t.Fatalf("audit entries walked in pages of 2: %v", actions)
	}
	members2, err := c.Cluster().Members(ctx)
	if err != nil || len(members2) != 1 || !members2[0].Leader {
		t.Fatalf("members = %+v, %v", members2, err)
	}
}

// Schedules, webhooks and plans decode what the node answers.
func TestSchedulesWebhooksAndPlans(t *testing.T) {
	c := jobNode(t, func(*state.Execution) executionstest.Behavior { return executionstest.Behavior{} })
	ctx := ctx(t)
	task := jobTask(t, c, "scheduled")
	trigger := api.Trigger{Type: "WEEKLY", StartDate: time.Now().UTC().Format("2006-01-02"), TimeZone: "UTC",
		AtDays: &api.AtDays{Type: "DAY_OF_WEEK", Days: api.Days{"MONDAY"}}, AtTimes: &api.AtTimes{Type: "AT_TIME", Time: "06:00"}}
	if err := c.TaskSchedules().Set(ctx, task, []api.Trigger{trigger}); err != nil {
		t.Fatal(err)
	}
	sched, err := c.TaskSchedules().Get(ctx, task)
	if err != nil || len(sched.Triggers) != 1 || len(sched.NextRuns) == 0 {
		t.Fatalf("schedule = %+v, %v", sched, err)
	}
	if err := c.TaskSchedules().Delete(ctx, task); err != nil { // a webhook must be the only trigger
		t.Fatal(err)
	}
	hook, err := c.TaskSchedules().CreateWebhook(ctx, task, api.WebhookCreate{WindowThreshold: 1, WindowDuration: 1})
	if err != nil || !strings.Contains(hook.URL, "/webhooks/") {
		t.Fatalf("webhook = %+v, %v", hook, err)
	}
	if err := c.CallWebhook(ctx, hook.URL, "application/json", strings.NewReader(`{"id":"42"}`)); err != nil {
		t.Fatalf("calling the webhook: %v", err)
	}
	wss, err := c.Workspaces().List(ctx, api.WorkspaceFilter{Type: "SHARED", EnvironmentName: "default"})
	if err != nil || len(wss) != 1 {
		t.Fatalf("Shared workspace: %+v, %v", wss, err)
	}
	plan, err := c.Plans().Create(ctx, api.PlanCreate{Name: "nightly", WorkspaceID: wss[0].ID,
		Steps: []api.PlanStep{{Name: "load", Condition: api.StepAllSucceeded, TaskIDs: []string{task}, OnFailure: api.PlanHandlers{TaskIDs: []string{}}}}})
	if err != nil || plan.ID == "" {
		t.Fatalf("plan = %+v, %v", plan, err)
	}
	run, err := c.Plans().Run(ctx, api.PlanRunRequest{Executable: plan.ID})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		pe, err := c.Plans().Execution(ctx, run.ExecutionID)
		if err != nil {
			t.Fatal(err)
		}
		if !pe.Active {
			if len(pe.Steps) != 1 || len(pe.Steps[0].Tasks) != 1 || pe.Steps[0].Tasks[0].TaskID != task {
				t.Fatalf("plan execution = %+v", pe)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("plan execution still active: %+v", pe)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
