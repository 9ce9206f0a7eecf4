package console_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/roundhouse/roundhouse/api"
	"github.com/roundhouse/roundhouse/controlplane/cptest"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// checkPermissions: the workspace page lists who holds which rights; a
// grant adds a row, a revoke (after its confirmation) removes it.
func checkPermissions(t *testing.T, b *browser, f fixture) {
	bob := f.srv.NewUser(t, state.PermOperator)
	b.open("/console/workspaces/" + f.sharedWS)
	b.run("the workspace lists the administrator's rights",
		chromedp.WaitVisible(`//tr[@data-holder="admin"]//span[.="MANAGE"]`))
	b.run("grant VIEW and EXECUTE to a user",
		chromedp.SetValue(chromedp.CSS("#grant-user"), bob.ID),
		chromedp.Click(chromedp.CSS("#right-execute")),
		chromedp.Click(chromedp.CSS("#grant")),
		chromedp.WaitVisible(`//tr[@data-holder="`+bob.Login+`"]//span[.="EXECUTE"]`))
	b.shot("workspace")
	b.run("revoke asks first", chromedp.Click(`//tr[@data-holder="`+bob.Login+`"]//a[contains(@class, "revoke")]`), chromedp.WaitVisible(chromedp.CSS("#confirm-action")))
	b.run("revoke", chromedp.Click(chromedp.CSS("#confirm-action")), chromedp.WaitVisible(chromedp.CSS("#grant-form")))
	gone := value(b, "look for the revoked user", chromedp.Evaluate[bool](`document.querySelector('tr[data-holder="`+bob.Login+`"]') === null`))
	if !gone {
		t.Fatal("the revoked user is still listed")
	}
	perm, err := f.srv.API(cptest.AdminToken).UserPermissions().Search(context.Background(), api.PermissionFilter{WorkspaceID: f.sharedWS, PrincipalID: bob.ID})
	if err != nil || len(perm) != 0 {
		t.Fatalf("after the revoke the API lists %v (%v)", perm, err)
	}
}

// checkNoGrantForm: a user without the right to manage permissions sees
// the workspace without the permissions card or the grant form, and a
// forged grant (with the session's CSRF token) is refused by the API.
func checkNoGrantForm(t *testing.T, b *browser, f fixture, userID string) {
	b.open("/console/workspaces/" + f.sharedWS)
	b.run("the workspace page shows its plans", chromedp.WaitVisible(chromedp.CSS("#plans")))
	if value(b, "look for the grant form", chromedp.Evaluate[bool](`document.querySelector("#grant-form, #permissions") !== null`)) {
		t.Fatal("a user who may not grant rights sees the grant form")
	}
	status := value(b, "forge a grant of MANAGE to oneself", chromedp.Evaluate[int](`fetch("/console/workspaces/`+f.sharedWS+`/permissions", {method: "POST",
		headers: {"Content-Type": "application/x-www-form-urlencoded", "X-CSRF-Token": document.querySelector("input[name=csrf]").value},
		body: "userId=`+userID+`&right=MANAGE"}).then(r => r.status)`, chromedp.EvalAwaitPromise))
	if status != 403 {
		t.Fatalf("a forged grant answered %d, want 403", status)
	}
	perm, err := f.srv.API(cptest.AdminToken).UserPermissions().Get(context.Background(), f.sharedWS, userID)
	if err != nil || slices.Contains(perm.Permissions, state.WsManage) {
		t.Fatalf("after the forged grant the user holds %v (%v)", perm, err)
	}
}

// newPlan creates, through the API, tasks on the engine and a plan of
// two steps (each task run once first, as plans require): extract, then load and report side by side, with cleanup
// as the failure handler.
func newPlan(t *testing.T, f fixture, engineID string) {
	ctx := context.Background()
	admin := f.srv.API(cptest.AdminToken)
	arts, err := admin.Artifacts().List(ctx, f.sharedWS)
	if err != nil || len(arts) == 0 {
		t.Fatalf("artifacts: %v %v", arts, err)
	}
	ids := map[string]string{}
	for _, name := range []string{"extract", "load", "report", "cleanup"} {
		task, err := admin.Tasks().Create(ctx, api.TaskCreate{Name: name, WorkspaceID: f.sharedWS,
			Artifact: api.ArtifactRef{ID: arts[0].ID}, AlwaysLatest: true, Parameters: map[string]string{"GREETING": name}})
		if err != nil {
			t.Fatalf("create task %s: %v", name, err)
		}
		if err := admin.Tasks().SetRunConfig(ctx, task.ID, api.RunConfig{
			Runtime: api.TaskRuntime{Type: "REMOTE_ENGINE", ID: engineID}, LogLevel: "INFO"}); err != nil {
			t.Fatalf("run config of %s: %v", name, err)
		}
		ids[name] = task.ID
		run, err := admin.Tasks().Run(ctx, task.ID, api.RunRequest{})
		if err != nil {
			t.Fatalf("run %s: %v", name, err)
		}
		wait, cancel := context.WithTimeout(ctx, time.Minute)
		_, err = admin.Executions().Wait(wait, run.ExecutionID, 100*time.Millisecond, nil)
		cancel()
		if err != nil {
			t.Fatalf("first run of %s (a plan holds only tasks that ran once): %v", name, err)
		}
	}
	_, err = admin.Plans().Create(ctx, api.PlanCreate{Name: "nightly load", WorkspaceID: f.sharedWS, Steps: []api.PlanStep{
		{Name: "Extract", Condition: api.StepAllSucceeded, TaskIDs: []string{ids["extract"]}},
		{Name: "Load and report", Condition: api.StepAllSucceeded, TaskIDs: []string{ids["load"], ids["report"]},
			OnFailure: api.PlanHandlers{TaskIDs: []string{ids["cleanup"]}}},
	}})
	if err != nil {
		t.Fatalf("create plan: %v", err)
	}
}

// checkPlan: the plan page draws its flow (steps in order, a step's
// tasks side by side, its handler); Run opens the plan execution, whose
// steps turn SUCCEEDED without a reload.
func checkPlan(t *testing.T, b *browser, f fixture, engineID string) {
	newPlan(t, f, engineID)
	b.open("/console/workspaces/" + f.sharedWS)
	b.run("the workspace lists the plan", chromedp.Click(`//a[@data-plan="nightly load"]`),
		chromedp.WaitVisible(chromedp.CSS("#run-plan")))
	b.run("the flow shows the handler", chromedp.WaitVisible(`//li[@data-step="2"]//li[contains(@class, "handler")]/a[.="cleanup"]`))
	sideBySide := value(b, "compare the parallel tasks", chromedp.Evaluate[bool](`(() => {
		const n = document.querySelectorAll('li[data-step="2"] > ul.parallel > li');
		return n.length === 2 && n[0].getBoundingClientRect().top === n[1].getBoundingClientRect().top &&
			document.querySelector('li[data-step="1"]').getBoundingClientRect().bottom < n[0].getBoundingClientRect().top; })()`))
	if !sideBySide {
		t.Fatal("the plan flow does not show step 2's tasks side by side below step 1")
	}
	b.shot("plan")
	b.run("run the plan", chromedp.Click(chromedp.CSS("#run-plan")), chromedp.WaitVisible(chromedp.CSS("#plan-status")))
	value(b, "mark the page", chromedp.Evaluate[bool](`window.notReloaded = true`))
	b.run("watch the plan succeed",
		chromedp.WaitVisible(`//li[@data-task="report"]/span[contains(@class, "badge") and .="EXECUTION_SUCCESS"]`),
		chromedp.WaitVisible(chromedp.CSS(`#plan-status.ok`)),
		chromedp.WaitVisible(`//li[@data-step="2"]//span[contains(@class, "step-status") and .="SUCCEEDED"]`))
	if !value(b, "check the page was not reloaded", chromedp.Evaluate[bool](`window.notReloaded === true`)) {
		t.Fatal("the plan execution page reloaded to show the steps' states")
	}
	b.shot("plan-execution")
	b.open("/console/plans")
	b.run("plans lists it", chromedp.WaitVisible(`//tr[@data-plan="nightly load"]`))
	b.shot("plans")
}
