package main

import (
	"fmt"
	"os"
	"runtime"

	"github.com/roundhouse/roundhouse/bench/benchkit"
)

// memSample is the process's memory at one point of the run, after a
// forced GC: live heap is what is reachable (what records cost), heap in
// use adds the spans' free room, RSS is what the OS counts (it includes
// the pages of the node's history store file that were read or written,
// which the kernel may drop at will).
type memSample struct {
	finished    int
	live, inUse uint64
	rss         uint64
}

func sampleMemory(finished int) memSample {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return memSample{finished: finished, live: m.HeapAlloc, inUse: m.HeapInuse, rss: benchkit.RSSBytes(os.Getpid())}
}

func reportMemory(n int, samples []memSample) {
	mib := func(b uint64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
	fmt.Printf("| executions finished | live heap | heap in use | RSS |\n|---|---|---|---|\n")
	for _, s := range samples {
		fmt.Printf("| %d | %s | %s | %s |\n", s.finished, mib(s.live), mib(s.inUse), mib(s.rss))
	}
	if len(samples) > 1 && n > 0 {
		first, last := samples[0], samples[len(samples)-1]
		perExec := func(a, b uint64) string { return fmt.Sprintf("%.0f B", (float64(b)-float64(a))/float64(n)) }
		fmt.Printf("\nGrowth per execution over the run: live heap %s, RSS %s.\n", perExec(first.live, last.live), perExec(first.rss, last.rss))
	}
}
