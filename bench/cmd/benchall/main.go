// Command benchall is `make bench`: it builds the binaries, runs every
// benchmark program found under bench/*/main.go one after another (they
// would disturb each other's figures if run together) and rewrites
// BENCHMARKS.md with a machine header and each program's section.
//
// BENCH_QUICK=1 passes -quick to the programs that accept it. A program
// that fails gets "FAILED: reason" in its section and the runner exits 1.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	out := flag.String("out", "BENCHMARKS.md", "file to rewrite (with -only, empty prints to stdout)")
	only := flag.String("only", "", "comma-separated program names to run (default: all)")
	timeout := flag.Duration("timeout", 30*time.Minute, "time limit per benchmark program")
	flag.Parse()
	onlySet := false
	flag.Visit(func(f *flag.Flag) { onlySet = onlySet || f.Name == "out" })
	if *only != "" && !onlySet {
		*out = "" // a partial run must not wipe the other sections of BENCHMARKS.md
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	r := runner{quick: os.Getenv("BENCH_QUICK") == "1", timeout: *timeout}
	if *only != "" {
		r.only = strings.Split(*only, ",")
	}
	ok, err := r.run(ctx, *out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchall:", err)
		os.Exit(1)
	}
	if !ok {
		fmt.Fprintln(os.Stderr, "benchall: at least one benchmark program failed (see its section)")
		os.Exit(1)
	}
}
