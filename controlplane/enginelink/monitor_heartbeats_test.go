package enginelink_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/roundhouse/roundhouse/controlplane/enginelink"
	"github.com/roundhouse/roundhouse/controlplane/enginelink/enginelinktest"
	"github.com/roundhouse/roundhouse/protocol"
)

const summaryTick = time.Second

// runSummaryMonitor runs a monitor recording heartbeats, on a fake clock
// moved one tick past its arming (beats of the instant it armed count as
// heard by an earlier term).
func runSummaryMonitor(t *testing.T, dir *enginelinktest.Directory, log enginelink.HeartbeatStore, timeout, interval time.Duration, batch int) (*enginelink.Monitor, *clockwork.FakeClock) {
	t.Helper()
	m, clock := newMonitor(enginelink.MonitorConfig{Timeout: timeout, Tick: summaryTick, BatchSize: batch,
		Heartbeats: log, SummaryInterval: interval}, dir)
	runMonitor(t, m)
	advance(t, clock, summaryTick)
	return m, clock
}

// tickUntil gives the monitor ticks until cond holds: a change it began on
// its own (a heartbeat's wake) is done by the second tick at the latest.
func tickUntil(t *testing.T, clock *clockwork.FakeClock, what string, cond func() bool) {
	t.Helper()
	for range 3 {
		if cond() {
			return
		}
		advance(t, clock, summaryTick)
	}
	if !cond() {
		t.Fatalf("not within 3 ticks: %s", what)
	}
}

func load(cpu float64) protocol.HostSummary {
	return protocol.HostSummary{CPUPercent: cpu, MemoryPercent: 40, DiskFreeBytes: 1 << 30, RunningWork: 1}
}

// beat is what a session does with one heartbeat.
func beat(m *enginelink.Monitor, id string, sum protocol.HostSummary) {
	m.Heartbeat(id)
	m.HostSummary(id, sum)
}

func summaryOf(log *enginelinktest.HeartbeatLog, id string) (protocol.HostSummary, int) {
	rec, n := log.Last(id)
	if rec.Summary == nil {
		return protocol.HostSummary{}, n
	}
	return *rec.Summary, n
}

// An engine heartbeating fast has its latest summary written once per
// interval, not once per beat.
func TestHeartbeatsAreWrittenOncePerIntervalNotPerBeat(t *testing.T) {
	dir := enginelinktest.NewDirectory()
	dir.SetPaired("e1", true)
	log := enginelinktest.NewHeartbeatLog(dir)
	const interval = 5 * time.Minute
	m, clock := runSummaryMonitor(t, dir, log, time.Hour, interval, 0)

	const beats = 4 * 30 // every 10 s for four intervals
	for i := 1; i <= beats; i++ {
		advance(t, clock, 10*time.Second)
		beat(m, "e1", load(float64(i%100)))
	}
	advance(t, clock, interval) // the next sweep
	s, writes := summaryOf(log, "e1")
	if s != load(beats%100) {
		t.Fatalf("last summary written %+v, want the last beat's %+v", s, load(beats%100))
	}
	if writes != 5 {
		t.Fatalf("%d beats over four intervals and one more sweep written %d times; want 5 (once per sweep)", beats, writes)
	}
}

// A second heartbeat inside the interval writes nothing: proven by another
// engine's write, which the monitor makes after taking that heartbeat.
func TestASecondHeartbeatInsideTheIntervalWritesNothing(t *testing.T) {
	dir := enginelinktest.NewDirectory()
	dir.SetPaired("e1", false)
	dir.SetPaired("e2", false)
	log := enginelinktest.NewHeartbeatLog(dir)
	m, clock := runSummaryMonitor(t, dir, log, time.Hour, time.Hour, 0)

	beat(m, "e1", load(10)) // comes up: its first summary is written at once
	tickUntil(t, clock, "e1's first summary written", func() bool { s, _ := summaryOf(log, "e1"); return s == load(10) })
	beat(m, "e1", load(20)) // inside the hour
	beat(m, "e2", load(30)) // comes up after it
	tickUntil(t, clock, "e2's first summary written", func() bool { s, _ := summaryOf(log, "e2"); return s == load(30) })
	if s, writes := summaryOf(log, "e1"); writes != 1 || s != load(10) {
		t.Fatalf("e1 written %d times (last %+v); its second heartbeat inside the interval must write nothing", writes, s)
	}
	if cmds, recs := m.HeartbeatWrites(); cmds != 2 || recs != 2 {
		t.Fatalf("monitor counts %d heartbeat commands of %d records; want 2 of 2", cmds, recs)
	}
}

// An engine that falls silent has its last beat written with its
// NOT_AVAILABLE, whatever the interval; back, its first summary at once.
func TestAvailabilityChangesWriteTheLastBeatAtOnce(t *testing.T) {
	const timeout = 3 * time.Minute
	dir := enginelinktest.NewDirectory()
	dir.SetPaired("e1", true)
	log := enginelinktest.NewHeartbeatLog(dir)
	m, clock := runSummaryMonitor(t, dir, log, timeout, time.Hour, 0)

	beatAt := clock.Now()
	beat(m, "e1", load(55))
	advance(t, clock, timeout+summaryTick)
	if dir.Engine("e1").Available {
		t.Fatal("still AVAILABLE after the timeout")
	}
	rec, n := log.Last("e1")
	if n != 1 || !rec.At.Equal(beatAt) || rec.Summary == nil || *rec.Summary != load(55) {
		t.Fatalf("recorded %d times, last %v %+v; want the beat of %v with its summary, in the same tick", n, rec.At, rec.Summary, beatAt)
	}

	beat(m, "e1", load(66))
	tickUntil(t, clock, "back AVAILABLE with its first summary written", func() bool {
		s, n := summaryOf(log, "e1")
		return dir.Engine("e1").Available && n == 2 && s == load(66)
	})
}

// A sweep writes every engine heard since its last write, in bounded
// batches; engines not heard since are not written again.
func TestSweepsWriteHeardEnginesInBoundedBatches(t *testing.T) {
	dir := enginelinktest.NewDirectory()
	const engines, batch = 300, 64
	const interval = 5 * time.Minute
	for i := range engines {
		dir.SetPaired(fmt.Sprintf("e%03d", i), true)
	}
	dir.SetPaired("talker", true)
	log := enginelinktest.NewHeartbeatLog(dir)
	m, clock := runSummaryMonitor(t, dir, log, time.Hour, interval, batch)

	for i := range engines {
		beat(m, fmt.Sprintf("e%03d", i), load(float64(i%100)))
	}
	advance(t, clock, interval)
	for i := range engines {
		if _, n := log.Last(fmt.Sprintf("e%03d", i)); n != 1 {
			t.Fatalf("engine e%03d written %d times by the first sweep, want once", i, n)
		}
	}
	if n, largest := log.Batches(); n > (engines+batch-1)/batch || largest > batch {
		t.Fatalf("%d engines written in %d commands of up to %d; want at most %d of at most %d", engines, n, largest, (engines+batch-1)/batch, batch)
	}
	// Three more sweeps with only the talker heard: the others stay written once.
	for range 3 {
		beat(m, "talker", load(1))
		advance(t, clock, interval)
	}
	if _, n := log.Last("talker"); n != 3 {
		t.Fatalf("the talker written %d times by three sweeps, want 3", n)
	}
	for i := range engines {
		if _, n := log.Last(fmt.Sprintf("e%03d", i)); n != 1 {
			t.Fatalf("silent engine e%03d written %d times", i, n)
		}
	}
}

// A follower forwards an engine's first summary, then at most one per
// interval; every beat's engine ID still goes, and a failed batch's
// summaries go with the next.
func TestForwarderSendsASummaryPerEngineAtMostOncePerInterval(t *testing.T) {
	got := make(chan enginelink.HeartbeatBatch, 100)
	var fail sync.Once
	send := func(_ context.Context, b enginelink.HeartbeatBatch) error {
		failed := false
		fail.Do(func() { failed = true })
		if failed {
			return errors.New("leader unreachable")
		}
		got <- b
		return nil
	}
	const every = 400 * time.Millisecond
	f := enginelink.NewSummaryForwarder(send, 20*time.Millisecond, every, slog.New(slog.DiscardHandler))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = f.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	start := time.Now()
	summaries, beats := map[float64]bool{}, 0
	for time.Since(start) < every*3/2 {
		f.Heartbeat("a")
		f.HostSummary("a", load(float64(beats)))
		beats++
		time.Sleep(10 * time.Millisecond)
	}
	for drained := false; !drained; {
		select {
		case b := <-got:
			if len(b.EngineIDs) != 1 || b.EngineIDs[0] != "a" {
				t.Fatalf("batch ids %v", b.EngineIDs)
			}
			for _, s := range b.Summaries {
				summaries[s.CPUPercent] = true
			}
		case <-time.After(200 * time.Millisecond):
			drained = true
		}
	}
	// The first (its batch failed, so it went with the next) and the one
	// an interval later.
	if len(summaries) != 2 || !summaries[0] {
		t.Fatalf("%d beats over %s forwarded summaries %v; want the first and one %s later", beats, every*3/2, summaries, every)
	}
}

func TestCleanSummaryBoundsWhatAnEngineReports(t *testing.T) {
	for _, c := range []struct{ in, want protocol.HostSummary }{
		{protocol.HostSummary{CPUPercent: 12.345678, MemoryPercent: 99.96, DiskFreeBytes: 7, RunningWork: 2},
			protocol.HostSummary{CPUPercent: 12.3, MemoryPercent: 100, DiskFreeBytes: 7, RunningWork: 2}},
		{protocol.HostSummary{CPUPercent: -3, MemoryPercent: 1e9, RunningWork: -1},
			protocol.HostSummary{CPUPercent: 0, MemoryPercent: 100, RunningWork: 0}},
	} {
		if got := enginelink.CleanSummary(c.in); got != c.want {
			t.Errorf("CleanSummary(%+v) = %+v, want %+v", c.in, got, c.want)
		}
	}
}

// flakyLog fails its first write, as a write without a leader does.
type flakyLog struct {
	*enginelinktest.HeartbeatLog
	once sync.Once
}

func (f *flakyLog) RecordHeartbeats(ctx context.Context, recs []enginelink.HeartbeatRecord) ([]string, error) {
	failed := false
	f.once.Do(func() { failed = true })
	if failed {
		return nil, errors.New("no leader")
	}
	return f.HeartbeatLog.RecordHeartbeats(ctx, recs)
}

// A failed write loses nothing: its engines go with the next tick.
func TestAFailedHeartbeatWriteIsRetried(t *testing.T) {
	dir := enginelinktest.NewDirectory()
	dir.SetPaired("e1", false)
	log := &flakyLog{HeartbeatLog: enginelinktest.NewHeartbeatLog(dir)}
	m, clock := runSummaryMonitor(t, dir, log, time.Hour, time.Hour, 0)
	beat(m, "e1", load(5))
	tickUntil(t, clock, "written after the failed write", func() bool {
		s, n := summaryOf(log.HeartbeatLog, "e1")
		return n == 1 && s == load(5)
	})
}
