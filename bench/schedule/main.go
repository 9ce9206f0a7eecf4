// Command schedule benchmarks the controlplane/schedule library: compiling
// and computing next fires for many stored triggers, the memory they take,
// the Planner's throughput when thousands of triggers are due each minute,
// the worst-case cost of validating one schedule, and the scheduler lag of
// a real control plane (planned time to fire and execution committed
// through raft) with thousands of triggers due in the same minute. It prints a markdown
// section to stdout.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"slices"
	"time"

	"github.com/roundhouse/roundhouse/controlplane/schedule"
)

func main() {
	n := flag.Int("triggers", 100_000, "stored triggers for the next-fire and memory run")
	due := flag.Int("due", 10_000, "triggers due per minute in the planner run")
	minutes := flag.Int("minutes", 30, "simulated minutes in the planner run")
	lagDue := flag.Int("lag-due", 10_000, "triggers due in the same minute in the scheduler-lag run (0 skips it)")
	lagRounds := flag.Int("lag-minutes", 3, "due minutes in the scheduler-lag run")
	lagRuns := flag.Bool("lag-executions", true, "scheduler-lag fires create executions (false: tasks have no run config, fires record a refusal)")
	flag.Parse()
	if err := run(*n, *due, *minutes); err != nil {
		fmt.Fprintln(os.Stderr, "bench schedule:", err)
		os.Exit(1)
	}
	if *lagDue > 0 {
		if err := lagRun(*lagDue, *lagRounds, *lagRuns); err != nil {
			fmt.Fprintln(os.Stderr, "bench schedule: lag:", err)
			os.Exit(1)
		}
	}
}

var zoneNames = []string{"UTC", "Europe/Paris", "America/New_York", "Asia/Tokyo", "Australia/Sydney"}

// mixedTrigger is trigger i of a realistic mix of types and zones.
func mixedTrigger(i int) schedule.Trigger {
	t := schedule.Trigger{StartDate: "2026-01-01", TimeZone: zoneNames[i%len(zoneNames)]}
	hhmm := fmt.Sprintf("%02d:%02d", i%24, (i/24)%12*5)
	switch i % 5 {
	case 0:
		t.Type, t.AtTimes = schedule.Daily, &schedule.AtTimes{Type: schedule.AtTime, Time: hhmm}
	case 1:
		t.Type, t.AtTimes = schedule.Daily, &schedule.AtTimes{Type: schedule.AtIntervals, StartTime: "06:00", EndTime: "18:00", Interval: 10 + i%50}
	case 2:
		t.Type, t.Interval = schedule.Weekly, 1+i%3
		t.AtDays = &schedule.AtDays{Type: schedule.DayOfWeek, Days: schedule.DayList{"MONDAY", "THURSDAY"}}
		t.AtTimes = &schedule.AtTimes{Type: schedule.AtTime, Time: hhmm}
	case 3:
		t.Type = schedule.Monthly
		t.AtDays = &schedule.AtDays{Type: schedule.DayOfMonth, Days: schedule.DayList{"1", "15", "31"}}
		t.AtTimes = &schedule.AtTimes{Type: schedule.AtTime, Time: hhmm}
	default:
		exprs := []string{"*/5 * * * ?", "15 10 ? * 6L *", "0 9 ? * 2-6", "30 2 L * ?", "0 9/4 10W * ?"}
		t.Type, t.Expression = schedule.Cron, exprs[(i/5)%len(exprs)]
	}
	return t
}

func heapBytes() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func run(n, due, minutes int) error {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	fmt.Println("## Schedules (controlplane/schedule)")
	fmt.Println()
	fmt.Printf("%d CPUs, %s. Mixed triggers: DAILY at a time, DAILY every N minutes, WEEKLY, MONTHLY, CRON; 5 time zones.\n\n", runtime.NumCPU(), runtime.Version())
	fmt.Println("| measure | value |")
	fmt.Println("|---|---|")

	cache := schedule.NewZones()
	base := heapBytes()
	start := time.Now()
	compiled := make([]*schedule.Compiled, n)
	for i := range compiled {
		c, err := schedule.Compile(i, mixedTrigger(i), cache)
		if err != nil {
			return fmt.Errorf("trigger %d: %w", i, err)
		}
		compiled[i] = c
	}
	compileTime := time.Since(start)

	start = time.Now()
	for _, c := range compiled {
		if _, ok := c.NextFire(now); !ok {
			return fmt.Errorf("a trigger never fires")
		}
	}
	nextTime := time.Since(start)

	p, err := schedule.NewPlanner(schedule.Config{})
	if err != nil {
		return err
	}
	start = time.Now()
	for i, c := range compiled {
		p.Put(schedule.Entry{Key: key(i), Trigger: c, Since: now})
	}
	putTime := time.Since(start)
	used := heapBytes() - base
	runtime.KeepAlive(compiled)

	fmt.Printf("| compile %d triggers | %s (%.2f µs each) |\n", n, compileTime.Round(time.Millisecond), us(compileTime, n))
	fmt.Printf("| next fire of all %d | %s (%.2f µs each) |\n", n, nextTime.Round(time.Millisecond), us(nextTime, n))
	fmt.Printf("| arm all in a Planner (next fire + heap) | %s |\n", putTime.Round(time.Millisecond))
	fmt.Printf("| heap for compiled triggers + Planner | %.1f MiB (%d B per trigger) |\n", float64(used)/(1<<20), used/uint64(n))

	if err := plannerRun(due, minutes, now); err != nil {
		return err
	}
	return validateRun(now)
}

func key(i int) schedule.TriggerKey {
	return schedule.TriggerKey{Owner: schedule.Owner{Kind: schedule.TaskOwner, ID: fmt.Sprintf("task-%06d", i)}, Trigger: "t"}
}

func us(d time.Duration, n int) float64 { return float64(d.Microseconds()) / float64(n) }

// plannerRun arms 5×due triggers, each every 5 minutes at a minute offset
// 0-4, so due triggers fire every minute; a fake clock ticks each second.
// The time Due takes for a minute's batch is the lag the planner adds to
// the last fire of that batch.
func plannerRun(due, minutes int, now time.Time) error {
	cache := schedule.NewZones()
	p, err := schedule.NewPlanner(schedule.Config{})
	if err != nil {
		return err
	}
	for i := 0; i < 5*due; i++ {
		c, err := schedule.Compile(i, schedule.Trigger{Type: schedule.Cron, StartDate: "2026-01-01",
			TimeZone: zoneNames[i%len(zoneNames)], Expression: fmt.Sprintf("%d/5 * * * ?", i%5)}, cache)
		if err != nil {
			return err
		}
		p.Put(schedule.Entry{Key: key(i), Trigger: c, Since: now})
	}
	var batch []time.Duration
	fires := 0
	var total time.Duration
	end := now.Add(time.Duration(minutes) * time.Minute)
	for t := now.Add(time.Second); !t.After(end); t = t.Add(time.Second) {
		start := time.Now()
		got := p.Due(t)
		d := time.Since(start)
		total += d
		if len(got) > 0 {
			batch = append(batch, d)
			fires += len(got)
		}
	}
	slices.Sort(batch)
	fmt.Printf("| planner: %d armed, %d due per minute, %d min simulated | %d fires, %.0f fires/s of Due time |\n",
		5*due, due, minutes, fires, float64(fires)/total.Seconds())
	fmt.Printf("| planner: time to take one minute's batch (lag added to its last fire) | median %s, p99 %s, max %s |\n",
		pct(batch, 50), pct(batch, 99), batch[len(batch)-1].Round(time.Microsecond))
	return nil
}

func pct(s []time.Duration, p int) time.Duration {
	return s[(len(s)-1)*p/100].Round(time.Microsecond)
}

// validateRun times the worst valid schedule: 12 triggers sharing one fire
// every 5 minutes, checked over the default one-year window.
func validateRun(now time.Time) error {
	var set []schedule.Trigger
	for i := 0; i < 12; i++ {
		set = append(set, schedule.Trigger{Type: schedule.Cron, StartDate: "2026-01-01", TimeZone: "Europe/Paris",
			Expression: fmt.Sprintf("%d * * * ?", i*5)})
	}
	var runs []time.Duration
	for r := 0; r < 5; r++ {
		start := time.Now()
		if _, _, err := schedule.Validate(set, now, schedule.ValidateOptions{Zones: schedule.NewZones()}); err != nil {
			return err
		}
		runs = append(runs, time.Since(start))
	}
	slices.Sort(runs)
	fmt.Printf("| validate the densest valid schedule (fires every 5 min, 1-year window) | median %s |\n", pct(runs, 50))
	return nil
}
