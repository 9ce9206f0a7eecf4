package deploy

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/roundhouse/roundhouse/agent/datadir"
	"github.com/roundhouse/roundhouse/protocol"
)

// deploymentWorkloadID names the runtime workload of a deployment: short,
// because the runtime's unix sockets live under a directory named by it.
func deploymentWorkloadID(deploymentID string) string {
	sum := sha256.Sum256([]byte("deployment/" + deploymentID))
	return "d" + hex.EncodeToString(sum[:10])
}

// deployRecord is what the engine keeps about one deployment, on disk,
// so that a restarted agent knows the services the runtime reattached as
// their deployments.
type deployRecord struct {
	Deploy protocol.Deploy `json:"deploy"`
	// WorkloadID is the service's runtime workload (for a bundle: the
	// runtime container's).
	WorkloadID string `json:"workloadId"`
	// BinaryType is artifact.BinaryMicroservice or artifact.BinaryRuntime.
	BinaryType string `json:"binaryType"`
	// Bundle is the bundle's name in the runtime container.
	Bundle string `json:"bundle,omitempty"`
	// ArtifactType is the manifest's type: route or data-service.
	ArtifactType string                    `json:"artifactType,omitempty"`
	Status       protocol.DeploymentStatus `json:"status"`
}

// deployLedger keeps one JSON file per deployment, written atomically.
type deployLedger struct{ dir string }

// openDeployLedger reads every record. A damaged file (a disk fault;
// writes are atomic) is moved aside as NAME.damaged and named in
// damaged, so the engine still starts and the file is kept for a look.
func openDeployLedger(dir string) (l *deployLedger, recs []deployRecord, damaged []string, err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, nil, nil, fmt.Errorf("deployment ledger: %w", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("deployment ledger: %w", err)
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".json") {
			continue // a temporary file a crash left
		}
		path := filepath.Join(dir, e.Name())
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("deployment ledger: %w", err)
		}
		var r deployRecord
		if err := json.Unmarshal(b, &r); err != nil || r.Deploy.DeploymentID == "" {
			if err := os.Rename(path, path+".damaged"); err != nil {
				return nil, nil, nil, fmt.Errorf("deployment ledger: %s is damaged and cannot be moved aside: %w", path, err)
			}
			damaged = append(damaged, path+".damaged")
			continue
		}
		recs = append(recs, r)
	}
	return &deployLedger{dir: dir}, recs, damaged, nil
}

func (l *deployLedger) path(deploymentID string) string {
	return filepath.Join(l.dir, deploymentWorkloadID(deploymentID)+".json")
}

func (l *deployLedger) save(r deployRecord) error {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("deployment ledger: %w", err)
	}
	return datadir.WriteAtomic(l.dir, l.path(r.Deploy.DeploymentID), b)
}

func (l *deployLedger) remove(deploymentID string) error {
	if err := os.Remove(l.path(deploymentID)); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("deployment ledger: %w", err)
	}
	return nil
}
