package executions_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/roundhouse/roundhouse/controlplane/executions"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// Numbered lines are stored once per (attempt, Seq), whatever the engine
// resends, also by a node restarted in between (its file is the truth);
// unnumbered lines (older agents) are stored as sent.
func TestLogStoreStoresEachNumberedLineOnce(t *testing.T) {
	dir := t.TempDir()
	id := state.NewUUID()
	numbered := func(attempt int, from, to uint64) []executions.LogLine {
		var out []executions.LogLine
		for s := from; s <= to; s++ {
			out = append(out, executions.LogLine{Message: fmt.Sprintf("a%d-%d", attempt, s), Attempt: attempt, Seq: s})
		}
		return out
	}
	store, err := executions.OpenLogStore(dir, 1<<20, 1000)
	if err != nil {
		t.Fatal(err)
	}
	steps := [][]executions.LogLine{
		numbered(1, 1, 3),
		numbered(1, 2, 5), // resent after a lost acknowledgement
		{{Message: "old agent"}, {Message: "old agent"}},
	}
	for _, lines := range steps {
		if _, err := store.Append(id, lines); err != nil {
			t.Fatal(err)
		}
	}
	restarted, _ := executions.OpenLogStore(dir, 1<<20, 1000)
	for _, lines := range [][]executions.LogLine{numbered(1, 4, 6), numbered(2, 1, 2)} {
		if _, err := restarted.Append(id, lines); err != nil {
			t.Fatal(err)
		}
	}
	f, err := restarted.Open(id)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	count := map[string]int{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var l executions.LogLine
		_ = json.Unmarshal(sc.Bytes(), &l)
		count[l.Message]++
	}
	want := map[string]int{"a1-1": 1, "a1-2": 1, "a1-3": 1, "a1-4": 1, "a1-5": 1, "a1-6": 1, "a2-1": 1, "a2-2": 1, "old agent": 2}
	if fmt.Sprint(count) != fmt.Sprint(want) {
		t.Fatalf("stored %v, want %v", count, want)
	}
}
