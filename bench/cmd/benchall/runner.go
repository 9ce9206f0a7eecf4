package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// runner runs the benchmark programs of one `make bench`.
type runner struct {
	quick   bool
	only    []string
	timeout time.Duration
}

// result is one program's outcome.
type result struct {
	name    string
	section string // markdown printed by the program
	failure string // empty when it succeeded
	took    time.Duration
}

func (r runner) run(ctx context.Context, outPath string) (bool, error) {
	root, err := moduleRoot()
	if err != nil {
		return false, err
	}
	m := describeMachine(ctx, root)
	progs, err := discover(root, r.only)
	if err != nil {
		return false, err
	}
	if len(progs) == 0 {
		return false, errors.New("no benchmark program found under bench/*/main.go")
	}
	binDir := filepath.Join(root, "bin")
	if err := buildBinaries(ctx, root, binDir); err != nil {
		return false, err
	}
	tmp, err := os.MkdirTemp("", "roundhouse-bench-")
	if err != nil {
		return false, fmt.Errorf("temp dir: %w", err)
	}
	defer os.RemoveAll(tmp)

	var results []result
	allOK := true
	for _, name := range progs {
		fmt.Fprintf(os.Stderr, "benchall: running bench/%s\n", name)
		res := r.runOne(ctx, root, tmp, binDir, name)
		fmt.Fprintf(os.Stderr, "benchall: bench/%s done in %s%s\n", name, res.took.Round(time.Second), failedSuffix(res))
		allOK = allOK && res.failure == ""
		results = append(results, res)
		if ctx.Err() != nil {
			break
		}
	}
	recorded, err := os.ReadFile(filepath.Join(root, recordedFile))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return false, fmt.Errorf("read %s: %w", recordedFile, err)
	}
	doc := render(m, r.quick, results, string(recorded))
	if outPath == "" {
		_, err = os.Stdout.WriteString(doc)
		return allOK, err
	}
	if !filepath.IsAbs(outPath) {
		outPath = filepath.Join(root, outPath)
	}
	if err := os.WriteFile(outPath, []byte(doc), 0o644); err != nil {
		return false, fmt.Errorf("write %s: %w", outPath, err)
	}
	fmt.Fprintf(os.Stderr, "benchall: wrote %s\n", outPath)
	return allOK, nil
}

func failedSuffix(r result) string {
	if r.failure == "" {
		return ""
	}
	return " — FAILED: " + r.failure
}

// discover lists the folders bench/<name>/ holding a main.go, sorted; the
// runner itself (bench/cmd) is not a benchmark.
func discover(root string, only []string) ([]string, error) {
	matches, err := filepath.Glob(filepath.Join(root, "bench", "*", "main.go"))
	if err != nil {
		return nil, err
	}
	var names []string
	for _, m := range matches {
		name := filepath.Base(filepath.Dir(m))
		if name == "cmd" || (len(only) > 0 && !slices.Contains(only, name)) {
			continue
		}
		names = append(names, name)
	}
	for _, want := range only {
		if !slices.Contains(names, want) {
			return nil, fmt.Errorf("-only %s: no bench/%s/main.go", want, want)
		}
	}
	slices.Sort(names)
	return names, nil
}

// buildBinaries builds the product binaries into bin/ with the flags of
// `make build`, so programs that start real processes measure what ships.
func buildBinaries(ctx context.Context, root, binDir string) error {
	version := strings.TrimSpace(cmdOutput(ctx, root, "git", "describe", "--tags", "--always", "--dirty"))
	if version == "" {
		version = "dev"
	}
	ldflags := "-s -w -X main.version=" + version
	for _, name := range []string{"roundhouse", "roundhouse-engine"} {
		if err := goBuild(ctx, root, filepath.Join(binDir, name), "./cmd/"+name, "-trimpath", "-ldflags", ldflags); err != nil {
			return err
		}
	}
	return nil
}

func goBuild(ctx context.Context, root, out, pkg string, extra ...string) error {
	args := append([]string{"build"}, extra...)
	args = append(args, "-o", out, pkg)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %w\n%s", pkg, err, msg)
	}
	return nil
}

// runOne builds and runs bench/<name>. Its stdout is the section; its
// stderr is passed through live and kept for the failure reason.
func (r runner) runOne(ctx context.Context, root, tmp, binDir, name string) result {
	start := time.Now()
	res := result{name: name}
	exe := filepath.Join(tmp, "bench-"+name)
	if err := goBuild(ctx, root, exe, "./bench/"+name); err != nil {
		res.failure = "build: " + lastLines(err.Error(), 5)
		res.took = time.Since(start)
		return res
	}
	var args []string
	if r.quick && acceptsFlag(ctx, exe, "quick") {
		args = append(args, "-quick")
	}
	var sections []string
	for _, extra := range append([][]string{nil}, variants(name)...) {
		section, failure := r.execute(ctx, root, binDir, exe, append(slices.Clone(args), extra...))
		sections = append(sections, section)
		if failure != "" {
			res.failure = failure
			break
		}
	}
	res.section = strings.TrimSpace(strings.Join(sections, "\n\n"))
	res.took = time.Since(start)
	return res
}

// execute runs a built program once; its stdout is the section.
func (r runner) execute(ctx context.Context, root, binDir, exe string, args []string) (section, failure string) {
	pctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	cmd := exec.CommandContext(pctx, exe, args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "ROUNDHOUSE_BIN_DIR="+binDir)
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = io.MultiWriter(os.Stderr, &stderr)
	cmd.WaitDelay = 10 * time.Second
	err := cmd.Run()
	section = strings.TrimSpace(stdout.String())
	switch {
	case pctx.Err() == context.DeadlineExceeded:
		failure = fmt.Sprintf("timed out after %s", r.timeout)
	case err != nil:
		failure = fmt.Sprintf("%v: %s", err, lastLines(stderr.String(), 5))
	case section == "":
		failure = "printed nothing"
	}
	return section, failure
}

// acceptsFlag reports whether the program's -h usage lists -name.
func acceptsFlag(ctx context.Context, exe, name string) bool {
	out, _ := exec.CommandContext(ctx, exe, "-h").CombinedOutput()
	return strings.Contains(string(out), "  -"+name+"\n") || strings.Contains(string(out), "  -"+name+" ")
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " / ")
}

func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("not inside the Go module (run from the repository)")
	}
	return filepath.Dir(mod), nil
}
