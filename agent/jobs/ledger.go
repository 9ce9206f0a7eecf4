package jobs

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// workloadID names the runtime workload of one execution attempt: short,
// because the runtime's unix sockets live under a directory named by it.
func workloadID(executionID string, attempt int) string {
	sum := sha256.Sum256([]byte(executionID + "." + strconv.Itoa(attempt)))
	return "x" + hex.EncodeToString(sum[:10])
}

// ledgerJournal is the ledger's one file: lines appended to an existing
// file, because creating and deleting a file per execution cost the
// engine more CPU (inode allocation) than anything else it does per job.
const ledgerJournal = "journal"

// ledger remembers which execution attempt each workload is, on disk, so
// a restarted agent reports what its predecessor ran under the right name
// and tells the control plane which assignments it holds. It is an
// append-only journal ("+ wid execution attempt", "s wid seq" for the
// last log line the server acknowledged, "- wid"), compacted when it
// opens and whenever dead lines outnumber live ones. No fsync: it guards
// against the agent dying, which the page cache survives.
type ledger struct {
	dir string

	mu    sync.Mutex
	m     map[string]attemptRef
	logs  map[string]uint64 // acknowledged log Seq by workload
	lines int               // lines in the journal, for compaction
}

type attemptRef struct {
	ExecutionID string
	Attempt     int
}

func openLedger(dir string) (*ledger, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("execution ledger: %w", err)
	}
	l := &ledger{dir: dir, m: map[string]attemptRef{}, logs: map[string]uint64{}}
	if err := l.readLegacy(); err != nil {
		return nil, err
	}
	if b, err := os.ReadFile(l.path()); err == nil {
		l.replay(b)
	} else if !os.IsNotExist(err) {
		return nil, fmt.Errorf("execution ledger: %w", err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.compact(); err != nil {
		return nil, err
	}
	return l, nil
}

func (l *ledger) path() string { return filepath.Join(l.dir, ledgerJournal) }

// readLegacy takes the one-file-per-workload entries of earlier agents
// (the next compaction moves them into the journal).
func (l *ledger) readLegacy() error {
	entries, err := os.ReadDir(l.dir)
	if err != nil {
		return fmt.Errorf("execution ledger: %w", err)
	}
	for _, e := range entries {
		if e.IsDir() || !strings.HasPrefix(e.Name(), "x") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(l.dir, e.Name()))
		if err != nil {
			continue
		}
		id, n, ok := strings.Cut(strings.TrimSpace(string(b)), " ")
		if attempt, err := strconv.Atoi(n); ok && err == nil {
			l.m[e.Name()] = attemptRef{ExecutionID: id, Attempt: attempt}
		}
		_ = os.Remove(filepath.Join(l.dir, e.Name()))
	}
	return nil
}

// replay applies journal lines; a torn last line (the agent died while
// appending) is ignored.
func (l *ledger) replay(b []byte) {
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) == 4 && f[0] == "+":
			if attempt, err := strconv.Atoi(f[3]); err == nil && f[1] == workloadID(f[2], attempt) {
				l.m[f[1]] = attemptRef{ExecutionID: f[2], Attempt: attempt}
			}
		case len(f) == 3 && f[0] == "s":
			if seq, err := strconv.ParseUint(f[2], 10, 64); err == nil {
				l.logs[f[1]] = seq
			}
		case len(f) == 2 && f[0] == "-":
			delete(l.m, f[1])
			delete(l.logs, f[1])
		}
	}
}

// compact rewrites the journal with the live entries. l.mu is held.
func (l *ledger) compact() error {
	var buf bytes.Buffer
	for wid, r := range l.m {
		fmt.Fprintf(&buf, "+ %s %s %d\n", wid, r.ExecutionID, r.Attempt)
		if seq, ok := l.logs[wid]; ok {
			fmt.Fprintf(&buf, "s %s %d\n", wid, seq)
		}
	}
	for wid := range l.logs {
		if _, ok := l.m[wid]; !ok {
			delete(l.logs, wid)
		}
	}
	tmp := l.path() + ".tmp"
	if err := os.WriteFile(tmp, buf.Bytes(), 0o600); err != nil {
		return fmt.Errorf("execution ledger: %w", err)
	}
	if err := os.Rename(tmp, l.path()); err != nil {
		return fmt.Errorf("execution ledger: %w", err)
	}
	l.lines = len(l.m) + len(l.logs)
	return nil
}

// appendLine adds one journal line, compacting first when most lines are
// dead. l.mu is held.
func (l *ledger) appendLine(line string) error {
	if l.lines > 256 && l.lines > 2*(len(l.m)+len(l.logs)) {
		if err := l.compact(); err != nil {
			return err
		}
	}
	f, err := os.OpenFile(l.path(), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("execution ledger: %w", err)
	}
	_, err = f.WriteString(line)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("execution ledger: %w", err)
	}
	l.lines++
	return nil
}

// add records an attempt before its workload starts.
func (l *ledger) add(executionID string, attempt int) error {
	wid := workloadID(executionID, attempt)
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.appendLine(fmt.Sprintf("+ %s %s %d\n", wid, executionID, attempt)); err != nil {
		return err
	}
	l.m[wid] = attemptRef{ExecutionID: executionID, Attempt: attempt}
	return nil
}

func (l *ledger) get(wid string) (attemptRef, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	r, ok := l.m[wid]
	return r, ok
}

// all lists the recorded attempts.
func (l *ledger) all() []attemptRef {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]attemptRef, 0, len(l.m))
	for _, r := range l.m {
		out = append(out, r)
	}
	return out
}

func (l *ledger) remove(wid string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.m[wid]; !ok {
		return
	}
	delete(l.m, wid)
	delete(l.logs, wid)
	_ = l.appendLine("- " + wid + "\n") // lost: the entry comes back and resume finds no workload for it
}

// ackLogs records that the server stored the workload's log lines up to
// seq (1-based); a regression (a late ack) changes nothing.
func (l *ledger) ackLogs(wid string, seq uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.m[wid]; !ok || seq <= l.logs[wid] {
		return
	}
	if l.appendLine("s "+wid+" "+strconv.FormatUint(seq, 10)+"\n") == nil {
		l.logs[wid] = seq
	}
}

// logFrom is where an execution's log resumes (runtime Config.LogFrom):
// right after the last acknowledged line, from the start when none is.
// Lines are numbered Seq+1 on the wire, so the acknowledged number is the
// next workload Seq. False for a workload that is no execution (a
// deployment's): the runtime keeps its position itself.
func (l *ledger) logFrom(wid string) (uint64, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.m[wid]; !ok {
		return 0, false
	}
	return l.logs[wid], true
}
