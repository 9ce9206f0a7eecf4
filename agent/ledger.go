package agent

import (
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

// ledger remembers which execution attempt each workload is, on disk, so
// a restarted agent reports what its predecessor ran under the right name.
type ledger struct {
	dir string

	mu sync.Mutex
	m  map[string]attemptRef
}

type attemptRef struct {
	ExecutionID string
	Attempt     int
}

func openLedger(dir string) (*ledger, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("execution ledger: %w", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("execution ledger: %w", err)
	}
	l := &ledger{dir: dir, m: map[string]attemptRef{}}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		id, n, ok := strings.Cut(strings.TrimSpace(string(b)), " ")
		attempt, err := strconv.Atoi(n)
		if ok && err == nil {
			l.m[e.Name()] = attemptRef{ExecutionID: id, Attempt: attempt}
		}
	}
	return l, nil
}

// add records an attempt before its workload starts.
func (l *ledger) add(executionID string, attempt int) error {
	wid := workloadID(executionID, attempt)
	if err := os.WriteFile(filepath.Join(l.dir, wid), []byte(executionID+" "+strconv.Itoa(attempt)), 0o600); err != nil {
		return fmt.Errorf("execution ledger: %w", err)
	}
	l.mu.Lock()
	l.m[wid] = attemptRef{ExecutionID: executionID, Attempt: attempt}
	l.mu.Unlock()
	return nil
}

func (l *ledger) get(wid string) (attemptRef, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	r, ok := l.m[wid]
	return r, ok
}

func (l *ledger) remove(wid string) {
	l.mu.Lock()
	delete(l.m, wid)
	l.mu.Unlock()
	_ = os.Remove(filepath.Join(l.dir, wid))
}
