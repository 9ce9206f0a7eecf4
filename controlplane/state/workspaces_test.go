package state

import (
	"slices"
	"testing"
	"time"
)

// TestWorkspacesInListsOneEnvironmentInIDOrder: an environment's listing
// holds its workspaces only (not those of an environment whose ID it
// prefixes), in ID order whatever their names.
func TestWorkspacesInListsOneEnvironmentInIDOrder(t *testing.T) {
	tx := memTx(t, time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC))
	for _, ws := range []*Workspace{
		{ID: "w3", EnvironmentID: "env", Name: "alpha", OwnerID: "u"},
		{ID: "w1", EnvironmentID: "env", Name: "zulu", OwnerID: "u"},
		{ID: "w2", EnvironmentID: "env", Name: "Mike", OwnerID: "u"},
		{ID: "w0", EnvironmentID: "env2", Name: "alpha", OwnerID: "u"},
		{ID: "w4", EnvironmentID: "en", Name: "beta", OwnerID: "u"},
	} {
		if err := tx.Insert(tableWorkspaces, ws); err != nil {
			t.Fatal(err)
		}
	}
	for env, want := range map[string][]string{"env": {"w1", "w2", "w3"}, "env2": {"w0"}, "en": {"w4"}, "e": nil} {
		var got []string
		for _, ws := range WorkspacesIn(tx.Reader, env) {
			got = append(got, ws.ID)
		}
		if !slices.Equal(got, want) {
			t.Errorf("WorkspacesIn(%q) = %v, want %v", env, got, want)
		}
	}
}
