package schedulefire_test

import (
	"context"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/cluster"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// A fire proposed twice (an old leader's write landing after the new
// leader's, or a retry) is recorded once: the second is skipped by the
// state handler, whatever node proposes it.
func TestTheSameFireIsRecordedOnce(t *testing.T) {
	f := start(t)
	task := f.jobTask("once")
	today := f.clock.Now().Format("2006-01-02")
	f.c.Must(t, 204, "PUT", "/orchestration/executables/tasks/"+task+"/schedule", map[string]any{"triggers": []map[string]any{
		{"id": "t1", "type": "CRON", "startDate": today, "expression": "0 0 1 1 ? 2099"}}}, nil)
	planned := time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)
	fire := func(mark time.Time) state.FireBatchResult {
		req := state.ScheduleFireBatchRequest{Fires: []state.ScheduleFireRequest{{OwnerKind: state.OwnerTask, OwnerID: task,
			ExecutionID: state.NewUUID(), Marks: []state.FireMark{{TriggerID: "t1", Planned: planned, Mark: mark}}}}}
		cmd, err := cluster.NewCommand(state.CmdScheduleFireBatch, cluster.Meta{}, req)
		if err != nil {
			t.Fatal(err)
		}
		var out state.FireBatchResult
		if _, err := f.srv.Node().Apply(context.Background(), cmd, &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	if r := fire(planned).Results[0]; r.ExecutionID == "" || r.Skipped != "" {
		t.Fatalf("first fire: %+v", r)
	}
	if r := fire(planned).Results[0]; r.ExecutionID != "" || r.Skipped == "" {
		t.Fatalf("second fire of the same planned time: %+v", r)
	}
	if r := fire(planned.Add(-time.Minute)).Results[0]; r.Skipped == "" {
		t.Fatalf("an older fire: %+v", r)
	}
	f.waitExecutions(task, 1)
	if fires := f.schedule("tasks", task).RecentFires; len(fires) != 1 {
		t.Fatalf("recorded fires: %+v", fires)
	}
}
