package runtime

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Files in a workload's state directory.
const (
	recordFile    = "workload.json" // what to reattach to
	resultFile    = "result.json"   // how it ended, until Release
	workSubdir    = "work"          // the workload's working directory
	logCursorFile = "logs.next"     // first log sequence number not yet delivered
)

// record is the persisted part of a workload: enough for a restarted
// agent to find, verify, reattach to, limit and clean up after it.
type record struct {
	Kind      string       `json:"kind"`
	Spec      Spec         `json:"spec"`
	Plugin    procIdentity `json:"plugin"`
	Child     procIdentity `json:"child,omitempty"` // the job's own process group
	Addr      string       `json:"addr"`            // plugin's unix socket
	Cgroup    *cgroup      `json:"cgroup,omitempty"`
	Port      int          `json:"port,omitempty"`
	WorkDir   string       `json:"workDir,omitempty"`   // "" means DIR/work
	SocketDir string       `json:"socketDir,omitempty"` // a warm plugin's own dir, removed at the end
	OOMBase   int64        `json:"oomBase,omitempty"`   // OOM kills the (reused) cgroup had before this job
	StartedAt time.Time    `json:"startedAt"`
	Deadline  time.Time    `json:"deadline,omitempty"`
}

// writeJSON writes v to path atomically (temp file, rename). No fsync: the
// records guard against the agent process dying, which the page cache
// survives; a host crash takes the workloads with it anyway, and an fsync
// costs several milliseconds of every start.
func writeJSON(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("save %s: %w", path, err)
	}
	return nil
}

// overwriteJSON replaces the content of an existing file in place: one
// write at offset 0, then a truncate to the new length. A file this agent
// writes is never read before the agent dies, and a kill between the two
// calls leaves the new value followed by the old one's tail, which
// readJSON ignores (it reads the first JSON value); so it is as safe as
// writeJSON against the agent dying, without the new inode per write that
// made record writes the costliest part of a job's start and end.
func overwriteJSON(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if errors.Is(err, os.ErrNotExist) {
		return writeJSON(path, v)
	}
	if err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	_, err = f.WriteAt(data, 0)
	if err == nil {
		err = f.Truncate(int64(len(data)))
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	return nil
}

// readJSON reads the first JSON value of a file (see overwriteJSON for
// why anything after it is ignored).
func readJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.NewDecoder(bytes.NewReader(data)).Decode(v); err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	return nil
}

// workloadDirs lists the workload directories under root.
func workloadDirs(root string) ([]string, error) {
	entries, err := os.ReadDir(root)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() {
			out = append(out, filepath.Join(root, e.Name()))
		}
	}
	return out, nil
}
