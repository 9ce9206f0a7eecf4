package datadir

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
)

// maxRuntimeDir keeps <dir>/workloads/<workload>/<plugin socket> within
// the 90 bytes the runtime allows for a unix socket's directory.
const maxRuntimeDir = 90 - len("/workloads/") - len("x") - 20

// RuntimeDir is where the runtime keeps its workloads: <dataDir>/rt,
// absolute (plugins run in their own working directory), or, when that
// path is too long for unix sockets, a short directory under the system
// temp dir named by a hash of it, stable across agent restarts.
func RuntimeDir(dataDir string) string {
	dir, err := filepath.Abs(filepath.Join(dataDir, "rt"))
	if err != nil {
		dir = filepath.Join(dataDir, "rt")
	}
	if len(dir) <= maxRuntimeDir {
		return dir
	}
	sum := sha256.Sum256([]byte(dir))
	return filepath.Join(os.TempDir(), "roundhouse-rt-"+hex.EncodeToString(sum[:6]))
}
