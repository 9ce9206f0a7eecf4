package container

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/roundhouse/roundhouse/plugins"
)

// bundlesFile in the container's work directory records what to bring
// back after a restart.
const bundlesFile = "bundles.json"

type savedBundle struct {
	Spec   plugins.BundleSpec `json:"spec"`
	Active bool               `json:"active"`
}

func loadBundles(dir string) ([]savedBundle, error) {
	data, err := os.ReadFile(filepath.Join(dir, bundlesFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("runtime container: %w", err)
	}
	var saved []savedBundle
	if err := json.Unmarshal(data, &saved); err != nil {
		return nil, fmt.Errorf("runtime container: %s: %w", bundlesFile, err)
	}
	return saved, nil
}

// persist writes the bundle list atomically. A bundle counts as active if
// it is wanted running: ACTIVE, STARTING, or FAILED after having run.
func (r *Runtime) persist() error {
	r.persistMu.Lock()
	defer r.persistMu.Unlock()
	r.mu.Lock()
	dir := r.workDir
	all := r.sortedBundles()
	r.mu.Unlock()
	if dir == "" {
		return nil
	}
	saved := make([]savedBundle, 0, len(all))
	for _, b := range all {
		st := b.info().State
		saved = append(saved, savedBundle{Spec: b.currentSpec(), Active: st == plugins.BundleActive || st == plugins.BundleStarting})
	}
	data, err := json.MarshalIndent(saved, "", "  ")
	if err != nil {
		return fmt.Errorf("runtime container: save bundles: %w", err)
	}
	tmp := filepath.Join(dir, bundlesFile+".tmp")
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return fmt.Errorf("runtime container: save bundles: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, bundlesFile)); err != nil {
		return fmt.Errorf("runtime container: save bundles: %w", err)
	}
	return nil
}
