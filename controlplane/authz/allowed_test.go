package authz

import "testing"

func TestAllowedIn(t *testing.T) {
	p := &Principal{Permissions: map[string]bool{"TMC_OPERATOR": true},
		Workspaces: map[string]map[string]bool{"ws1": {"AUTHOR": true, "VIEW": true}}}
	for _, c := range []struct {
		name string
		p    *Principal
		a    Access
		ws   string
		want bool
	}{
		{"public, nobody", nil, Access{Public: true}, "", true},
		{"authenticated only", p, Access{}, "", true},
		{"nobody on a private route", nil, Access{}, "", false},
		{"holds one of AnyOf", p, Access{AnyOf: []string{"X", "TMC_OPERATOR"}}, "", true},
		{"holds none of AnyOf", p, Access{AnyOf: []string{"X"}}, "", false},
		{"workspace right held", p, inWorkspace("AUTHOR", ":id"), "ws1", true},
		{"workspace right on another workspace", p, inWorkspace("AUTHOR", ":id"), "ws2", false},
		{"other right on the workspace", p, inWorkspace("EXECUTE", ":id"), "ws1", false},
		{"right held but permission missing", p, inWorkspace("VIEW", ":id", "X"), "ws1", false},
		{"right and permission held", p, inWorkspace("VIEW", ":id", "TMC_OPERATOR"), "ws1", true},
	} {
		if got := AllowedIn(c.p, c.a, c.ws); got != c.want {
			t.Errorf("%s: AllowedIn = %v, want %v", c.name, got, c.want)
		}
	}
}
