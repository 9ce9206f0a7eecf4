package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/controlplane/cptest"
)

// cli runs the whole roundhouse command tree against one server.
type cli struct {
	t     *testing.T
	ctx   context.Context
	url   string
	token string
}

func (c cli) run(args ...string) (string, error) {
	return c.runWithStdin("", args...)
}

func (c cli) runWithStdin(stdin string, args ...string) (string, error) {
	c.t.Helper()
	cmd := newRootCmd()
	cmd.SetIn(strings.NewReader(stdin))
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&bytes.Buffer{})
	cmd.SetArgs(append([]string{"--server", c.url, "--config", filepath.Join(c.t.TempDir(), "none.json")}, args...))
	c.t.Setenv("ROUNDHOUSE_TOKEN", c.token)
	err := cmd.ExecuteContext(c.ctx)
	return strings.TrimSpace(out.String()), err
}

func (c cli) must(args ...string) string {
	c.t.Helper()
	out, err := c.run(args...)
	if err != nil {
		c.t.Fatalf("roundhouse %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// A newcomer's path by name only: a new environment and workspace, an
// upload there at once (the creator holds the workspace's rights), the
// auto-created task given an engine, a second upload explained, and
// workspace permissions granted, listed and revoked by login.
func TestNewcomerPathByNames(t *testing.T) {
	srv := cptest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	admin := cli{t, ctx, srv.URL, cptest.AdminToken}
	archive := filepath.Join(t.TempDir(), "hello-job.tar.gz")
	admin.must("artifact", "build", filepath.Join("..", "..", "examples", "hello-job"), "-o", archive)

	admin.must("environment", "create", "staging")
	admin.must("workspace", "create", "team", "--env", "staging")
	if out := admin.must("audit"); !strings.Contains(out, "staging (") || strings.Contains(out, "<nil>") {
		t.Fatalf("audit does not name the environment created:\n%s", out)
	}
	if out := admin.must("workspace", "ls", "--env", "staging"); !strings.Contains(out, "team") {
		t.Fatalf("workspace ls --env staging:\n%s", out)
	}
	up := admin.must("artifact", "upload", archive, "--workspace", "team")
	if !strings.Contains(up, "task") {
		t.Fatalf("upload created no task: %s", up)
	}
	if _, err := admin.run("artifact", "upload", archive, "--workspace", "team"); err == nil ||
		!strings.Contains(err.Error(), "tasks set-engine") {
		t.Fatalf("second upload: %v", err)
	}
	admin.must("engines", "create", "e1", "--env", "staging", "--workspace", "team")
	if out := admin.must("engines", "show", "e1"); !strings.Contains(out, "NOT_PAIRED") {
		t.Fatalf("engines show e1:\n%s", out)
	}
	if out := admin.must("engines", "ls", "--env", "staging"); !strings.Contains(out, "e1") {
		t.Fatalf("engines ls --env staging:\n%s", out)
	}
	// The upload to Shared makes a second task named hello-job: the bare
	// name is refused, listing both; --workspace picks one.
	admin.must("artifact", "upload", archive)
	if _, err := admin.run("tasks", "set-engine", "hello-job", "e1"); err == nil || !strings.Contains(err.Error(), `2 tasks are named "hello-job"`) {
		t.Fatalf("ambiguous task name: %v", err)
	}
	if out := admin.must("tasks", "set-engine", "hello-job", "e1", "--workspace", "team", "--log-level", "INFO"); !strings.Contains(out, "runs on engine") {
		t.Fatalf("set-engine: %s", out)
	}
	exec := admin.must("tasks", "run", "hello-job", "--workspace", "team", "--param", "GREETING=newcomer")
	view := admin.must("executions", "get", exec)
	for _, want := range []string{"execution:   " + exec, "status:", "task:", "parameters:  GREETING=newcomer", "runs on:     remote_engine "} {
		if !strings.Contains(view, want) {
			t.Errorf("executions get lacks %q:\n%s", want, view)
		}
	}
	admin.must("executions", "ls", "--engine", "e1") // a name, not refused as an ID
	if _, err := admin.run("executions", "ls", "--task", "hello-job"); err == nil || !strings.Contains(err.Error(), "give one of their IDs") {
		t.Errorf("executions ls with an ambiguous task name: %v", err)
	}
	if raw := admin.must("executions", "get", exec, "--json"); !strings.Contains(raw, `"executionId": "`+exec+`"`) {
		t.Errorf("executions get --json:\n%s", raw)
	}
	if out, err := admin.run("tasks", "set-engine", "no-such-task", "e1"); err == nil || !strings.Contains(err.Error(), `no task with ID or name "no-such-task"`) {
		t.Fatalf("set-engine on an unknown task: %v %s", err, out)
	}

	bob := srv.NewUser(t, "TMC_ENVIRONMENT_MANAGEMENT")
	admin.must("permissions", "grant", "view", "execute", "--workspace", "team", "--user", bob.Login)
	out := admin.must("permissions", "ls", "--workspace", "team")
	if !strings.Contains(out, bob.ID) || !strings.Contains(out, "EXECUTE,VIEW") {
		t.Fatalf("permissions ls:\n%s", out)
	}
	admin.must("permissions", "revoke", "execute", "--workspace", "team", "--user", bob.Login)
	if out := admin.must("permissions", "ls", "--user", bob.Login); !strings.Contains(out, "VIEW") || strings.Contains(out, "EXECUTE") {
		t.Fatalf("after revoking EXECUTE:\n%s", out)
	}
	admin.must("permissions", "revoke", "--workspace", "team", "--user", bob.Login)
	if out := admin.must("permissions", "ls", "--user", bob.Login); strings.Contains(out, bob.ID) {
		t.Fatalf("after revoking all:\n%s", out)
	}

	// A password never goes in argv: --password-stdin reads it.
	if _, err := admin.run("users", "create", "carol@example.test", "--email", "carol@example.test", "--password", "x"); err == nil {
		t.Fatal("users create accepted --password")
	}
	var roles []struct{ ID string }
	srv.Client(cptest.AdminToken).Must(t, 200, "GET", "/account/roles", nil, &roles)
	if out, err := admin.runWithStdin(cptest.TestPassword+"\n", "users", "create", "carol@example.test", "--email", "carol@example.test",
		"--role", roles[0].ID, "--password-stdin"); err != nil {
		t.Fatalf("users create --password-stdin: %v\n%s", err, out)
	}
	srv.Client("").Must(t, 200, "POST", "/security/oauth/token", map[string]string{"grant_type": "password",
		"username": "carol@example.test", "password": cptest.TestPassword}, nil)

	// A second workspace of the same name in another environment makes the
	// name ambiguous: refused, listing both.
	admin.must("workspace", "create", "team", "--env", "default")
	if _, err := admin.run("tasks", "ls", "--workspace", "team"); err == nil || !strings.Contains(err.Error(), `2 workspaces are named "team"`) ||
		!strings.Contains(err.Error(), "environment staging") || !strings.Contains(err.Error(), "environment default") {
		t.Fatalf("ambiguous workspace: %v", err)
	}
}
