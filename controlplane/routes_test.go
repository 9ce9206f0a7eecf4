package controlplane_test

import (
	"strings"
	"testing"

	"github.com/roundhouse/roundhouse/controlplane/authz"
	"github.com/roundhouse/roundhouse/controlplane/cptest"
)

// Every rule of the authz table names a served route: a rule for a route
// that does not exist would make the table lie to its readers. (The
// converse, a route without a rule, panics at start-up.)
func TestEveryAuthzRuleIsServed(t *testing.T) {
	srv := cptest.Start(t)
	for _, rule := range authz.Table() {
		if !srv.Router().Lookup(rule.Method, rule.Path) {
			t.Errorf("authz rule %s %s has no handler", rule.Method, rule.Path)
		}
	}
}

func TestHealthAndMetricsArePublic(t *testing.T) {
	srv := cptest.Start(t)
	anon := srv.Client("")
	var h struct{ NodeID, Leader, State string }
	anon.Must(t, 200, "GET", "/health", nil, &h)
	if h.NodeID == "" || h.Leader != h.NodeID || h.State != "leader" {
		t.Fatalf("health = %+v", h)
	}
	status, body, err := anon.Do("GET", "/metrics", nil)
	if err != nil || status != 200 || len(body) == 0 {
		t.Fatalf("metrics: %d %v", status, err)
	}
	for _, name := range []string{"roundhouse_http_requests_total", "roundhouse_raft_leader", "go_goroutines"} {
		if !contains(body, name) {
			t.Errorf("metrics lack %s", name)
		}
	}
}

func contains(b []byte, s string) bool { return strings.Contains(string(b), s) }
