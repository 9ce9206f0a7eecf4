package controlplane

import "testing"

// TestNodesStartedTogetherGetDistinctIDs: generated node IDs must differ
// even when made in the same instant (object IDs start with the time).
func TestNodesStartedTogetherGetDistinctIDs(t *testing.T) {
	seen := map[string]bool{}
	for range 50 {
		id, err := nodeID(t.TempDir(), "")
		if err != nil {
			t.Fatal(err)
		}
		if seen[id] {
			t.Fatalf("node ID %s generated twice", id)
		}
		seen[id] = true
	}
}
