package jobs

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// The journal keeps what was added and not removed across reopenings,
// ignores a torn last line, takes an earlier agent's one-file-per-workload
// entries, and stays small however many jobs pass through it.
func TestLedgerJournal(t *testing.T) {
	dir := t.TempDir()
	legacy := workloadID("old-exec", 1)
	if err := os.WriteFile(filepath.Join(dir, legacy), []byte("old-exec 1"), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := openLedger(dir)
	if err != nil {
		t.Fatal(err)
	}
	if r, ok := l.get(legacy); !ok || r.ExecutionID != "old-exec" {
		t.Fatalf("legacy entry: %+v %v", r, ok)
	}
	for i := range 2000 {
		exec := "exec-" + string(rune('a'+i%26)) + "-" + strconv.Itoa(i)
		if err := l.add(exec, 1); err != nil {
			t.Fatal(err)
		}
		l.remove(workloadID(exec, 1))
	}
	if err := l.add("kept", 3); err != nil {
		t.Fatal(err)
	}
	f, _ := os.OpenFile(filepath.Join(dir, ledgerJournal), os.O_APPEND|os.O_WRONLY, 0)
	_, _ = f.WriteString("+ x12 torn") // the agent died mid-append
	f.Close()
	again, err := openLedger(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(again.m) != 2 {
		t.Fatalf("entries after reopening: %v", again.m)
	}
	if r, ok := again.get(workloadID("kept", 3)); !ok || r.Attempt != 3 {
		t.Fatalf("kept entry: %+v %v", r, ok)
	}
	if st, _ := os.Stat(filepath.Join(dir, ledgerJournal)); st.Size() > 4096 {
		t.Fatalf("journal not compacted: %d bytes", st.Size())
	}
	if _, err := os.Stat(filepath.Join(dir, legacy)); !os.IsNotExist(err) {
		t.Fatalf("legacy file left: %v", err)
	}
}
