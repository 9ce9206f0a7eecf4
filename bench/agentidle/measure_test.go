package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestLastGCReadsTheRuntimesTraceLines(t *testing.T) {
	tests := []struct {
		name string
		log  string
		want gcTrace
		ok   bool
	}{
		{"no GC yet", "time=... level=WARN msg=x\n", gcTrace{}, false},
		{"the last of two", "gc 1 @0.007s 2%: 1.2+1.0+0.007 ms clock, 2.5+0.047/0.44/1.3+0.014 ms cpu, 1->2->0 MB, 2 MB goal, 0 MB stacks, 0 MB globals, 2 P\n" +
			"level=WARN msg=y\n" +
			"gc 2 @51.030s 0%: 0.40+2.2+0.011 ms clock, 0.80+0/1.5/1.1+0.023 ms cpu, 3->3->1 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 2 P\n",
			gcTrace{count: 2, at: 51.03, liveMB: 1, goalMB: 4}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "agent.log")
			if err := os.WriteFile(path, []byte(tt.log), 0o644); err != nil {
				t.Fatal(err)
			}
			got, ok := lastGC(path)
			if ok != tt.ok || got != tt.want {
				t.Fatalf("lastGC = %+v, %v; want %+v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestGoroutineHeaderCountsGoroutinesNotTheSignalStack(t *testing.T) {
	dump := "SIGQUIT: quit\nPC=0x40816e m=0 sigcode=0\n\n" +
		"goroutine 0 gp=0x5471c0 m=0 mp=0x547f80 [idle]:\nruntime.mcall()\n\n" +
		"goroutine 1 gp=0x1f11a5efa1e0 m=nil [sleep]:\ntime.Sleep(0x34630b8a000)\n\n" +
		"goroutine 17 gp=0x1f11a5efa3c0 m=nil [select, 3 minutes]:\nmain.main.func1()\n"
	if n := len(goroutineHeader.FindAllString(dump, -1)); n != 2 {
		t.Fatalf("counted %d goroutines, want 2", n)
	}
}

// A real process tree: the shell's child is found below it, and stopAll
// kills it although it left the shell's process group (as the agent's
// plugins do) and so outlives the shell.
func TestDescendantsFindsAndStopAllKillsAGrandchild(t *testing.T) {
	ps := &procs{dir: t.TempDir()}
	sh, err := ps.start("sh", "/bin/sh", nil, "-c", "setsid sleep 30 & wait")
	if err != nil {
		t.Fatal(err)
	}
	var found []descendant
	deadline := time.Now().Add(5 * time.Second)
	// setsid shows under its own name until it has exec'd the sleep.
	for (len(found) != 1 || found[0].comm != "sleep") && time.Now().Before(deadline) {
		found = descendants(sh.pid())
		time.Sleep(10 * time.Millisecond)
	}
	if len(found) != 1 || found[0].comm != "sleep" {
		t.Fatalf("descendants = %+v, want the sleep", found)
	}
	ps.remember(found)
	ps.stopAll()
	if sh.alive() {
		t.Fatal("the shell is still running")
	}
	deadline = time.Now().Add(5 * time.Second)
	for {
		st, err := startTime(found[0].pid)
		if err != nil || st != found[0].start || zombie(found[0].pid) {
			return // gone (or a zombie waiting for init)
		}
		if time.Now().After(deadline) {
			t.Fatalf("sleep %d still runs after stopAll", found[0].pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func zombie(pid int) bool {
	f, err := statFields(pid)
	return err == nil && f[0] == "Z"
}
