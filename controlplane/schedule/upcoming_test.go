package schedule

import (
	"fmt"
	"testing"
	"time"
)

func TestNextFires(t *testing.T) {
	_, compiled, err := Validate([]Trigger{daily("14:00"), daily("17:00"), daily("09:00")}, utc("2026-06-01 10:00"), ValidateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, u := range NextFires(compiled, utc("2026-06-01 10:00"), 4) {
		got = append(got, fmt.Sprintf("%d@%s", u.Index, u.At.UTC().Format("02 15:04")))
	}
	want := []string{"0@01 14:00", "1@01 17:00", "2@02 09:00", "0@02 14:00"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestQueueFull(t *testing.T) {
	now := utc("2026-06-01 10:00")
	var queued []time.Time
	for i := 0; i < MaxQueued-1; i++ {
		queued = append(queued, now.Add(-time.Duration(i)*time.Minute))
	}
	if QueueFull(queued, now) {
		t.Fatal("49 queued in the hour: the 50th must be accepted")
	}
	queued = append(queued, now.Add(-59*time.Minute))
	if !QueueFull(queued, now) {
		t.Fatal("50 queued in the hour: the 51st must fail")
	}
	queued[len(queued)-1] = now.Add(-61 * time.Minute)
	if QueueFull(queued, now) {
		t.Fatal("an execution queued 61 minutes ago still counted")
	}
}
