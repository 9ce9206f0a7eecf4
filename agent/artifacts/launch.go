package artifacts

import (
	"maps"

	"github.com/roundhouse/roundhouse/protocol/artifact"
)

// LaunchInputs merges what the control plane sent over the artifact's own
// manifest: its parameters override the manifest's defaults, and an empty
// entrypoint means the manifest's.
func LaunchInputs(man artifact.Manifest, params map[string]string, entry []string) (map[string]string, []string) {
	merged := make(map[string]string, len(man.Parameters)+len(params))
	maps.Copy(merged, man.Parameters)
	maps.Copy(merged, params)
	if len(entry) == 0 {
		entry = man.Entrypoint
	}
	return merged, entry
}
