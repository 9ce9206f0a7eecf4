package console_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/roundhouse/roundhouse/controlplane/cptest"
	"github.com/roundhouse/roundhouse/controlplane/state"
	"github.com/roundhouse/roundhouse/e2e/harness"
	"github.com/roundhouse/roundhouse/protocol/artifact"
)

// browser is one headless chromium driving the console of a test server.
type browser struct {
	t       *testing.T
	ctx     context.Context
	base    string
	shots   string
	alerted atomic.Bool
}

// newBrowser starts Debian's chromium (headless, a fresh profile, no
// network beyond loopback) for the test.
func newBrowser(t *testing.T, base string) *browser {
	t.Helper()
	chrome, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium is not installed (apt-get install -y chromium; .ci/run installs it)")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chrome), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	ctx, cancelTime := context.WithTimeout(ctx, 4*time.Minute)
	t.Cleanup(func() { cancelTime(); cancelTab(); cancelAlloc() })
	b := &browser{t: t, ctx: ctx, base: base, shots: screenshotDir(t)}
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			b.alerted.Store(true)
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
			t.Errorf("a script opened a dialog: %q", ev.Message)
		}
	}()
	return b
}

// screenshotDir is $ROUNDHOUSE_CONSOLE_SCREENSHOTS or a temp dir.
func screenshotDir(t *testing.T) string {
	if dir := os.Getenv("ROUNDHOUSE_CONSOLE_SCREENSHOTS"); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	dir, err := os.MkdirTemp("", "roundhouse-console-screenshots-")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s (set ROUNDHOUSE_CONSOLE_SCREENSHOTS to choose)", dir)
	return dir
}

// run performs actions, failing the test with what was being done.
func (b *browser) run(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		loc, _ := chromedp.Run(b.ctx, chromedp.Location())
		b.t.Fatalf("%s (at %s): %v", what, loc, err)
	}
}

// value runs one action that returns a value.
func value[T any](b *browser, what string, action chromedp.Action[T]) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, action)
	if err != nil {
		loc, _ := chromedp.Run(b.ctx, chromedp.Location())
		b.t.Fatalf("%s (at %s): %v", what, loc, err)
	}
	return v
}

// open loads a console page and waits for its main element.
func (b *browser) open(path string) {
	b.t.Helper()
	b.run("open "+path, chromedp.Navigate(b.base+path), chromedp.WaitReady(chromedp.CSS("main")))
}

// shot saves the current page at 1280 px and at 390 px wide.
func (b *browser) shot(name string) {
	b.t.Helper()
	for _, width := range []int64{1280, 390} {
		b.run("resize for "+name, chromedp.EmulateViewport(width, 900))
		png := value(b, "screenshot "+name, chromedp.FullScreenshot(100))
		file := filepath.Join(b.shots, name+"-"+map[int64]string{1280: "1280", 390: "390"}[width]+".png")
		if err := os.WriteFile(file, png, 0o644); err != nil {
			b.t.Fatal(err)
		}
	}
	b.run("reset viewport", chromedp.EmulateViewport(1280, 900))
}

func (b *browser) text(sel string) string {
	b.t.Helper()
	b.run("wait for "+sel, chromedp.WaitVisible(chromedp.CSS(sel)))
	return strings.TrimSpace(value(b, "read "+sel, chromedp.Text(chromedp.CSS(sel))))
}

// signInWithToken signs in through the form's personal access token path.
func (b *browser) signInWithToken(token string) {
	b.t.Helper()
	b.open("/console/")
	b.run("sign in with a token",
		chromedp.WaitVisible(chromedp.CSS("#signin")),
		chromedp.Click(chromedp.CSS(`input[name=method][value=token]`)),
		chromedp.SendKeys(chromedp.CSS("#token"), token),
		chromedp.Click(chromedp.CSS("#signin")),
		chromedp.WaitVisible(chromedp.CSS("#engines-available")))
}

// fixture is a test server with the administrator's rights on the
// default environment's Shared workspace and the engine binary built.
type fixture struct {
	srv      *cptest.Server
	engine   string
	sharedWS string
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	bins, err := harness.Build()
	if err != nil {
		t.Fatalf("build binaries: %v", err)
	}
	srv := cptest.Start(t)
	admin := srv.Client(cptest.AdminToken)
	var envs []state.Environment
	admin.Must(t, 200, "GET", "/orchestration/environments?name=default", nil, &envs)
	var wss []state.Workspace
	admin.Must(t, 200, "GET", "/orchestration/workspaces?environmentId="+envs[0].ID, nil, &wss)
	f := fixture{srv: srv, engine: bins.Engine}
	for _, ws := range wss {
		if ws.Type == state.WorkspaceShared {
			f.sharedWS = ws.ID
		}
	}
	var me struct{ ID string }
	admin.Must(t, 200, "GET", "/account/me", nil, &me)
	srv.Grant(t, f.sharedWS, me.ID, state.WsAuthor, state.WsExecute, state.WsView, state.WsManage, state.WsPublish)
	return f
}

func (f fixture) engineID(t *testing.T, name string) string {
	t.Helper()
	var list []struct{ ID, Name string }
	f.srv.Client(cptest.AdminToken).Must(t, 200, "GET", "/processing/runtimes/remote-engines", nil, &list)
	for _, e := range list {
		if e.Name == name {
			return e.ID
		}
	}
	t.Fatalf("no engine named %s", name)
	return ""
}

// TestConsoleJourney walks the newcomer's path in a real browser: sign
// in, create an environment, add and pair an engine and see it turn
// available live, upload the sample artifact, add a task, run it and
// watch its log arrive, pause it, find it in the audit log; then checks
// escaping, CSRF and a VIEW-only user.
func TestConsoleJourney(t *testing.T) {
	f := newFixture(t)
	b := newBrowser(t, f.srv.URL)

	b.signInWithToken(cptest.AdminToken)
	b.shot("home-empty")

	// An environment, created from its form.
	b.open("/console/environments")
	b.run("create an environment",
		chromedp.SendKeys(chromedp.CSS("#env-name"), "staging"),
		chromedp.Click(chromedp.CSS("#create-environment")),
		chromedp.WaitVisible(`//h2[contains(., "staging")]`))

	// An engine: its pair command is shown once, then it pairs for real.
	b.open("/console/engines/new")
	b.shot("engine-new")
	b.run("add an engine",
		chromedp.SendKeys(chromedp.CSS("#name"), "edge-1"),
		chromedp.Click(chromedp.CSS("#create-engine")))
	cmd := b.text("#pair-command")
	b.shot("engine-pair-key")
	args := strings.Fields(cmd)
	if len(args) < 6 || args[0] != "roundhouse-engine" || args[1] != "pair" {
		t.Fatalf("pair command %q", cmd)
	}
	b.open("/console/engines")
	if got := b.text(`tr[data-engine="edge-1"] .availability`); got != state.EngineNotAvailable {
		t.Fatalf("a new engine shows %q, want %s", got, state.EngineNotAvailable)
	}
	value(b, "mark the page", chromedp.Evaluate[bool](`window.notReloaded = true`))
	engineDir := t.TempDir()
	pair := exec.Command(f.engine, append(args[1:], "--data-dir", engineDir)...)
	if out, err := pair.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", cmd, err, out)
	}
	harness.Start(t, "engine", f.engine, nil, "run", "--data-dir", engineDir, "--log-level", "warn")
	b.run("watch the engine turn available",
		chromedp.WaitVisible(chromedp.CSS(`tr[data-engine="edge-1"] .availability.ok`)))
	if !value(b, "check the page was not reloaded", chromedp.Evaluate[bool](`window.notReloaded === true`)) {
		t.Fatal("the engines page reloaded to show the engine available")
	}
	b.shot("engines")
	b.open("/console/engines/" + f.engineID(t, "edge-1"))
	b.run("engine details show the host", chromedp.WaitVisible(`//dt[.="Host name"]`))
	b.shot("engine-details")

	// The sample artifact, uploaded from its file.
	archive, _, _, err := artifact.BuildFile(filepath.Join("..", "..", "examples", "hello-job"), filepath.Join(t.TempDir(), "hello-job.tar.gz"))
	if err != nil {
		t.Fatal(err)
	}
	b.open("/console/artifacts")
	b.run("upload the sample artifact",
		chromedp.SetUploadFiles(chromedp.CSS("#archive"), []string{archive}),
		chromedp.SetValue(chromedp.CSS("#art-ws"), f.sharedWS),
		chromedp.Click(chromedp.CSS("#upload-artifact")),
		chromedp.WaitVisible(chromedp.CSS(`tr[data-artifact="hello-job"]`)))
	b.shot("artifacts")

	// A task on the engine, run from its page: the log arrives live.
	b.open("/console/tasks/new")
	b.run("add a task",
		chromedp.SendKeys(chromedp.CSS("#task-name"), "hello"),
		chromedp.SetValue(chromedp.CSS("#task-ws"), f.sharedWS),
		chromedp.SetValue(chromedp.CSS("#task-engine"), f.engineID(t, "edge-1")),
		chromedp.SendKeys(chromedp.CSS("#task-params"), "GREETING=browser"),
		chromedp.Click(chromedp.CSS("#create-task")),
		chromedp.WaitVisible(chromedp.CSS("#run-task")))
	taskURL := value(b, "remember the task", chromedp.Location())
	taskID := taskURL[strings.LastIndex(taskURL, "/")+1:]
	f.srv.Client(cptest.AdminToken).Must(t, 204, "PUT", "/orchestration/executables/tasks/"+taskID+"/schedule",
		map[string]any{"triggers": []map[string]any{{"type": "ONCE", "startDate": "2099-01-01",
			"atTimes": map[string]string{"type": "AT_TIME", "time": "03:00"}}}}, nil)
	b.open("/console/tasks/" + taskID)
	b.run("the task shows its next run", chromedp.WaitVisible(`//h3[.="Next runs"]/following-sibling::ul/li/time[starts-with(@datetime, "2099-01-01")]`))
	b.open("/console/")
	b.run("home lists the next fire", chromedp.WaitVisible(`//h2[.="Next scheduled runs"]/following-sibling::ul/li/a[.="hello"]`))
	b.open("/console/tasks/" + taskID)
	b.shot("task")
	b.run("run the task",
		chromedp.Click(chromedp.CSS("#run-task")),
		chromedp.WaitVisible(`//div[contains(@class, "log-line")]/span[contains(., "hello browser from")]`),
		chromedp.WaitVisible(chromedp.CSS(`#execution-status.ok`)),
		chromedp.WaitVisible(`//dt[.="Engine"]/following-sibling::dd[1]/a[.="edge-1"]`))
	b.shot("execution")
	b.open("/console/executions")
	b.shot("executions")

	// Pause it; the audit log shows who did.
	b.run("pause the task", chromedp.Navigate(taskURL), chromedp.WaitVisible(chromedp.CSS("#pause-task")),
		chromedp.Click(chromedp.CSS("#pause-task")), chromedp.WaitVisible(chromedp.CSS("#resume-task")))
	if got := b.text("#task-state"); got != "PAUSED" {
		t.Fatalf("paused task shows %q", got)
	}
	b.open("/console/tasks?status=PAUSED")
	b.run("the paused filter lists it", chromedp.WaitVisible(chromedp.CSS(`tr[data-task="hello"]`)))
	b.shot("tasks")
	b.open("/console/audit?q=task.pause")
	if got := b.text(`tr[data-action="task.pause"] td:nth-child(3)`); got != "admin" {
		t.Fatalf("audit entry of the pause names %q, want admin", got)
	}
	b.shot("audit")

	b.open("/console/")
	b.run("home counts the engine", chromedp.WaitVisible(`//span[@id="engines-available" and normalize-space(.)="1 / 1"]`))
	b.shot("home")

	checkKeyAndDelete(t, b)
	checkAccountPages(t, b)
	checkPermissions(t, b, f)
	checkServiceAccounts(t, b, f)
	checkIPAllowlist(t, b, f)
	checkPlan(t, b, f, f.engineID(t, "edge-1"))
	checkEscaping(t, b)
	checkCSRF(t, b, f)
	checkViewOnly(t, b, f, taskURL)
}

// checkKeyAndDelete: a regenerated key replaces the first one, and an
// engine is deleted only after its confirmation page.
func checkKeyAndDelete(t *testing.T, b *browser) {
	b.open("/console/engines/new")
	b.run("add a second engine", chromedp.SendKeys(chromedp.CSS("#name"), "edge-2"), chromedp.Click(chromedp.CSS("#create-engine")))
	first := b.text("#pair-command")
	b.run("regenerate its key", chromedp.Click(`//a[.="Engine details"]`), chromedp.Click(chromedp.CSS("#regenerate-key")),
		chromedp.WaitVisible(chromedp.CSS("#confirm-action")))
	b.shot("confirm")
	b.run("confirm", chromedp.Click(chromedp.CSS("#confirm-action")))
	if second := b.text("#pair-command"); second == first || !strings.HasPrefix(second, "roundhouse-engine pair ") {
		t.Fatalf("regenerated pair command %q (first %q)", second, first)
	}
	b.run("delete it", chromedp.Click(`//a[.="Engine details"]`), chromedp.Click(chromedp.CSS("#delete-engine")),
		chromedp.Click(chromedp.CSS("#confirm-action")), chromedp.WaitVisible(chromedp.CSS(`tr[data-engine="edge-1"]`)))
	gone := value(b, "look for the deleted engine", chromedp.Evaluate[bool](`document.querySelector('tr[data-engine="edge-2"]') === null`))
	if !gone {
		t.Fatal("the deleted engine is still listed")
	}
}

// checkAccountPages: a personal access token is made and shown once; the
// users and cluster pages list what the API answers.
func checkAccountPages(t *testing.T, b *browser) {
	b.open("/console/tokens")
	b.run("create a token", chromedp.SendKeys(chromedp.CSS("#token-name"), "ci-pipeline"), chromedp.Click(chromedp.CSS("#create-token")),
		chromedp.WaitVisible(chromedp.CSS(`tr[data-token="ci-pipeline"]`)))
	if tok := b.text("#new-token"); !strings.HasPrefix(tok, "rhp_") {
		t.Fatalf("new token shows %q", tok)
	}
	b.shot("tokens")
	b.open("/console/users")
	b.run("users lists the administrator", chromedp.WaitVisible(`//td[.="admin"]`))
	b.shot("users")
	b.open("/console/cluster")
	b.run("cluster shows its leader", chromedp.WaitVisible(`//span[contains(@class, "badge") and .="leader"]`))
	b.shot("cluster")
}

// checkEscaping: a name holding markup is shown as text, never run.
func checkEscaping(t *testing.T, b *browser) {
	const evil = `<script>alert(1)</script>`
	b.open("/console/environments")
	b.run("create an environment named like a script",
		chromedp.SendKeys(chromedp.CSS("#env-name"), evil),
		chromedp.Click(chromedp.CSS("#create-environment")),
		chromedp.WaitVisible(`//h2[contains(., "alert(1)")]`))
	scripts := value(b, "count scripts in the page", chromedp.Evaluate[int](`document.querySelectorAll("main script").length`))
	if !strings.Contains(b.text(`#main`), evil) || scripts != 0 || b.alerted.Load() {
		t.Fatalf("the name was not shown as text (scripts in main: %d, alert: %v)", scripts, b.alerted.Load())
	}
	b.shot("environments")
}

// checkCSRF: a change posted with the session cookie but without the
// form's token is refused and changes nothing.
func checkCSRF(t *testing.T, b *browser, f fixture) {
	status := value(b, "post without the CSRF token", chromedp.Evaluate[int](`fetch("/console/environments", {method: "POST",
		headers: {"Content-Type": "application/x-www-form-urlencoded"}, body: "name=forged"}).then(r => r.status)`,
		chromedp.EvalAwaitPromise))
	if status != 403 {
		t.Fatalf("a POST without the CSRF token answered %d, want 403", status)
	}
	var envs []state.Environment
	f.srv.Client(cptest.AdminToken).Must(t, 200, "GET", "/orchestration/environments?name=forged", nil, &envs)
	if len(envs) != 0 {
		t.Fatalf("the forged POST created %v", envs)
	}
}

// checkViewOnly: a user with only VIEW on the workspace sees Run
// disabled, and a forced submit is refused by the API's check.
func checkViewOnly(t *testing.T, b *browser, f fixture, taskURL string) {
	viewer := f.srv.NewUser(t, state.PermOperator)
	f.srv.Grant(t, f.sharedWS, viewer.ID, state.WsView)
	b.run("sign out", chromedp.Click(chromedp.CSS(`.signout button`)), chromedp.WaitVisible(chromedp.CSS("#signin")))
	b.shot("signin")
	b.run("sign in with a password",
		chromedp.SendKeys(chromedp.CSS("#login"), viewer.Login),
		chromedp.SendKeys(chromedp.CSS("#password"), cptest.TestPassword),
		chromedp.Click(chromedp.CSS("#signin")),
		chromedp.WaitVisible(chromedp.CSS("#engines-available")))
	checkNoGrantForm(t, b, f, viewer.ID)
	b.run("open the task", chromedp.Navigate(taskURL), chromedp.WaitVisible(chromedp.CSS("#run-task")))
	if !value(b, "read the Run button", chromedp.Evaluate[bool](`document.getElementById("run-task").disabled`)) {
		t.Fatal("Run now is enabled for a user with only VIEW")
	}
	if value(b, "look for admin pages", chromedp.Evaluate[bool](`document.querySelector('a[href="/console/users"], a[href="/console/audit"]') !== null`)) {
		t.Fatal("a user without the rights sees Users or Audit in the navigation")
	}
	value(b, "force the run form", chromedp.Evaluate[bool](`document.getElementById("run-task").form.submit(), true`))
	b.run("see the refusal",
		chromedp.WaitVisible(`//p[contains(@class, "error") and contains(., "EXECUTE")]`))
	b.shot("forbidden")
}
