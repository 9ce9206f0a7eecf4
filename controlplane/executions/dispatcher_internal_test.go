package executions

import (
	"context"
	"github.com/roundhouse/roundhouse/cluster"
	"slices"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/controlplane/state"
)

func TestLeastBusy(t *testing.T) {
	cases := []struct {
		name    string
		engines []string
		load    map[string]int
		want    string
	}{
		{"none available", nil, nil, ""},
		{"idle first", []string{"a", "b"}, map[string]int{"a": 1}, "b"},
		{"ties by id", []string{"c", "b", "a"}, map[string]int{}, "a"},
		{"least busy", []string{"a", "b", "c"}, map[string]int{"a": 2, "b": 1, "c": 2}, "b"},
		{"all at the cap", []string{"a", "b"}, map[string]int{"a": 3, "b": 3}, ""},
		{"skips the full one", []string{"a", "b"}, map[string]int{"a": 3, "b": 2}, "b"},
	}
	for _, c := range cases {
		if got := leastBusy(c.engines, c.load, 3); got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}

// oneEngine is an EngineDirectory with one available engine, "e1", in
// environment "env".
type oneEngine struct{}

func (oneEngine) Runtime(_ state.Reader, kind, id string) (RuntimeInfo, bool) {
	return RuntimeInfo{ID: id, Kind: kind, EnvironmentID: "env"}, true
}

func (oneEngine) AvailableEngines(state.Reader, string, string) []string { return []string{"e1"} }

// noStore is a Store whose reads are never looked at (oneEngine ignores them).
type noStore struct{ Store }

func (noStore) Read() *cluster.Reader { return nil }

// A task that forbids parallel runs has one assignment proposed at a
// time, the oldest first: proposed together, the younger one's could be
// applied first and run it ahead of the older (which then waits busy).
func TestPlaceAllAssignsOneRunOfASingleTaskAtATimeOldestFirst(t *testing.T) {
	t0 := time.Now().Add(-time.Minute)
	queued := func(id, task string, parallel bool, age time.Duration) *state.Execution {
		return &state.Execution{ID: id, TaskID: task, ParallelAllowed: parallel, EnvironmentID: "env",
			RuntimeType: state.RuntimeEngine, RuntimeID: "e1", ExecutionStatus: state.ExecEventReceived,
			TriggerTime: t0.Add(-age)}
	}
	older, younger := queued("older", "single", false, 2*time.Second), queued("younger", "single", false, time.Second)
	cases := []struct {
		name     string
		active   []*state.Execution
		inflight map[string]bool
		want     []string
	}{
		{"the older alone, whatever the list order", []*state.Execution{younger, older}, nil, []string{"older"}},
		{"none while the older's assignment is in flight", []*state.Execution{older, younger}, map[string]bool{"older": true}, nil},
		{"parallel runs all at once", []*state.Execution{queued("p2", "many", true, time.Second), queued("p1", "many", true, 2*time.Second)},
			nil, []string{"p1", "p2"}},
		{"other tasks are not held", []*state.Execution{younger, older, queued("other", "other", false, 0)}, nil, []string{"older", "other"}},
	}
	s := &Service{cfg: Config{Engines: oneEngine{}, EngineConcurrency: 3}, store: noStore{}}
	for _, c := range cases {
		var got []string
		s.placeAll(context.Background(), c.active, c.inflight, func(id, _ string) { got = append(got, id) })
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: assigned %v, want %v", c.name, got, c.want)
		}
	}
}
