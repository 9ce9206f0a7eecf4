package link

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/roundhouse/roundhouse/agent/datadir"
)

// Status is what `roundhouse-engine run` last wrote about its session, for
// `roundhouse-engine status` to show.
type Status struct {
	PID           int       `json:"pid"`
	Server        string    `json:"server,omitempty"`
	Connected     bool      `json:"connected"`
	SessionSince  time.Time `json:"sessionSince,omitzero"`
	LastHeartbeat time.Time `json:"lastHeartbeat,omitzero"`
	LastError     string    `json:"lastError,omitempty"`
	RunningWork   int       `json:"runningWork"`
	UpdatedAt     time.Time `json:"updatedAt"`
}

func statusPath(dir string) string { return filepath.Join(dir, "status.json") }

// WriteStatus replaces the status file of dir.
func WriteStatus(dir string, s Status) error {
	s.UpdatedAt = time.Now()
	b, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("write status: %w", err)
	}
	return datadir.WriteAtomic(dir, statusPath(dir), b)
}

// ReadStatus reads the status file of dir; ok is false when run never wrote one.
func ReadStatus(dir string) (s Status, ok bool, err error) {
	b, err := os.ReadFile(statusPath(dir))
	if errors.Is(err, fs.ErrNotExist) {
		return Status{}, false, nil
	}
	if err != nil {
		return Status{}, false, fmt.Errorf("read status: %w", err)
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return Status{}, false, fmt.Errorf("read status %s: %w", statusPath(dir), err)
	}
	return s, true, nil
}
