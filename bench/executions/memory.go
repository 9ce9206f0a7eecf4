package main

import (
	"fmt"
	"os"
	"path/filepath"
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
	rss, anon   uint64 // anon: RssAnon, the part no file backs
	label       string // when set, replaces finished in the table
}

func sampleMemory(finished int) memSample {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return memSample{finished: finished, live: m.HeapAlloc, inUse: m.HeapInuse, rss: benchkit.RSSBytes(os.Getpid()), anon: benchkit.RSSAnonBytes(os.Getpid())}
}

func reportMemory(n int, samples []memSample) {
	mib := func(b uint64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
	fmt.Printf("| executions finished | live heap | heap in use | RSS | of which anonymous |\n|---|---|---|---|---|\n")
	for _, s := range samples {
		label := s.label
		if label == "" {
			label = fmt.Sprint(s.finished)
		}
		fmt.Printf("| %s | %s | %s | %s | %s |\n", label, mib(s.live), mib(s.inUse), mib(s.rss), mib(s.anon))
	}
	if len(samples) > 1 && n > 0 {
		first, last := samples[0], samples[len(samples)-1]
		perExec := func(a, b uint64) string { return fmt.Sprintf("%.0f B", (float64(b)-float64(a))/float64(n)) }
		fmt.Printf("\nGrowth per execution, from before the run to after it: live heap %s, RSS %s (anonymous %s).\n",
			perExec(first.live, last.live), perExec(first.rss, last.rss), perExec(first.anon, last.anon))
	}
}

// reportHistoryFiles prints the size of the nodes' history store files
// (<data dir>/raft/history.db), where finished executions and audit entries go.
func reportHistoryFiles(n int, dirs []string) {
	var total int64
	files := 0
	for _, dir := range dirs {
		if st, err := os.Stat(filepath.Join(dir, "raft", "history.db")); err == nil {
			total += st.Size()
			files++
		}
	}
	if files == 0 || n == 0 {
		return
	}
	perNode := float64(total) / float64(files)
	fmt.Printf("History store file: %.1f MiB per node (%.0f B per execution, its audit entry included; bolt grows the file in steps).\n\n", perNode/(1<<20), perNode/float64(n))
}
