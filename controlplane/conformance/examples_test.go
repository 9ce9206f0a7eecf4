package conformance_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/roundhouse/roundhouse/controlplane"
	"github.com/roundhouse/roundhouse/controlplane/cptest"
	"github.com/roundhouse/roundhouse/controlplane/executions/executionstest"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// example is one documented request of Talend's API reference and what
// its answer must hold. Strings may name earlier values as {{name}}.
type example struct {
	Name   string          `json:"name"`
	Method string          `json:"method"`
	Path   string          `json:"path"`
	Auth   string          `json:"auth"` // "" (the administrator's bearer token), basic, none, bogus
	Body   json.RawMessage `json:"body"`
	Status int             `json:"status"`
	// Fields must be present (dotted paths, array indexes as numbers).
	Fields []string `json:"fields"`
	// Equal compares fields with values (numbers and booleans as text).
	Equal map[string]string `json:"equal"`
	// Types are the JSON kinds of fields: string, number, boolean, array, object.
	Types map[string]string `json:"types"`
	// Headers must be set as given ("*": present).
	Headers map[string]string `json:"headers"`
	// Excludes are texts the answer must not contain; Contains one it must.
	Excludes []string `json:"excludes"`
	Contains string   `json:"contains"`
	// Capture stores fields of the answer under names for later examples.
	Capture map[string]string `json:"capture"`
}

// TestTalendDocumentedExamples sends each example of testdata, in order,
// to a real node.
func TestTalendDocumentedExamples(t *testing.T) {
	raw, err := os.ReadFile("testdata/talend-examples.json")
	if err != nil {
		t.Fatal(err)
	}
	var examples []example
	if err := json.Unmarshal(raw, &examples); err != nil {
		t.Fatalf("fixtures: %v", err)
	}
	n := newNode(t)
	for _, ex := range examples {
		t.Run(ex.Name, func(t *testing.T) { n.check(t, ex) })
	}
}

// node is a running control plane with what the examples refer to.
type node struct {
	srv  *cptest.Server
	vars map[string]string
	// saID and saSecret are a service account's credentials.
	saID, saSecret string
}

func newNode(t *testing.T) *node {
	dir := executionstest.NewDirectory()
	srv := cptest.Start(t, func(c *controlplane.Config) { c.Executions.Engines = dir })
	envID, wsID, err := executionstest.SharedWorkspace(srv.URL, cptest.AdminToken)
	if err != nil {
		t.Fatal(err)
	}
	dir.AddEngine("engine-1", envID)
	user := srv.NewUser(t, state.PermOperator)
	admin := srv.Client(cptest.AdminToken)
	var sa struct{ ID, Secret string }
	admin.Must(t, 201, "POST", "/account/service-accounts", map[string]any{"name": "conformance", "permissions": []string{state.PermEnvironmentManagement}}, &sa)
	return &node{srv: srv, saID: sa.ID, saSecret: sa.Secret, vars: map[string]string{
		"environmentId": envID, "environmentName": state.DefaultEnvironmentName, "workspaceId": wsID,
		"userId": user.ID, "artifactId": uploadArtifact(t, srv),
	}}
}

func uploadArtifact(t *testing.T, srv *cptest.Server) string {
	archive, err := executionstest.Archive(executionstest.JobManifest("customers", "1.0.0"), nil)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", srv.URL+"/orchestration/artifacts", bytes.NewReader(archive))
	req.Header.Set("Content-Type", "application/gzip")
	req.Header.Set("Authorization", "Bearer "+cptest.AdminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var pub struct{ ID string }
	if err := json.NewDecoder(resp.Body).Decode(&pub); err != nil || resp.StatusCode != 201 {
		t.Fatalf("upload: %d %v", resp.StatusCode, err)
	}
	return pub.ID
}

func (n *node) expand(s string) string {
	for k, v := range n.vars {
		s = strings.ReplaceAll(s, "{{"+k+"}}", v)
	}
	return s
}

func (n *node) send(t *testing.T, ex example) (*http.Response, []byte) {
	var body io.Reader
	if len(ex.Body) > 0 {
		body = strings.NewReader(n.expand(string(ex.Body)))
	}
	req, err := http.NewRequest(ex.Method, n.srv.URL+n.expand(ex.Path), body)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("talend-version", "2021-03")
	switch ex.Auth {
	case "":
		req.Header.Set("Authorization", "Bearer "+cptest.AdminToken)
	case "basic":
		req.SetBasicAuth(n.saID, n.saSecret)
	case "bogus":
		req.Header.Set("Authorization", "Bearer not-a-token")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, raw
}

func (n *node) check(t *testing.T, ex example) {
	resp, raw := n.send(t, ex)
	if resp.StatusCode != ex.Status {
		t.Fatalf("%s %s: status %d, want %d; body %s", ex.Method, ex.Path, resp.StatusCode, ex.Status, raw)
	}
	for name, want := range ex.Headers {
		got := resp.Header.Get(name)
		if (want == "*" && got == "") || (want != "*" && !strings.HasPrefix(got, want)) {
			t.Errorf("header %s = %q, want %q", name, got, want)
		}
	}
	var doc any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Fatalf("answer is not JSON: %s", raw)
		}
	}
	for _, f := range ex.Fields {
		if _, ok := lookup(doc, f); !ok {
			t.Errorf("field %s missing from %s", f, raw)
		}
	}
	for f, want := range ex.Equal {
		if v, ok := lookup(doc, f); !ok || text(v) != n.expand(want) {
			t.Errorf("field %s = %v, want %s", f, v, n.expand(want))
		}
	}
	for f, want := range ex.Types {
		if v, ok := lookup(doc, f); !ok || kind(v) != want {
			t.Errorf("field %s is a JSON %s, want %s", f, kind(v), want)
		}
	}
	if !strings.Contains(string(raw), n.expand(ex.Contains)) {
		t.Errorf("answer does not mention %q: %s", ex.Contains, raw)
	}
	for _, bad := range ex.Excludes {
		if strings.Contains(string(raw), bad) {
			t.Errorf("answer mentions %q: %s", bad, raw)
		}
	}
	for name, f := range ex.Capture {
		v, ok := lookup(doc, f)
		if !ok {
			t.Fatalf("cannot capture %s from %s", f, raw)
		}
		n.vars[name] = text(v)
	}
}

// lookup follows a dotted path (array indexes as numbers) into doc.
func lookup(doc any, path string) (any, bool) {
	cur := doc
	for _, part := range strings.Split(path, ".") {
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[part]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(c) {
				return nil, false
			}
			cur = c[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

func text(v any) string {
	if f, ok := v.(float64); ok {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

func kind(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "boolean"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "null"
}
