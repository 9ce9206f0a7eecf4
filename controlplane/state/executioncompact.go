package state

import "unique"

// Execution records are kept for the whole retention (31 days), so their
// size is the control plane's memory. What keeps them small: strings many
// records share point at one copy (task, workspace, artifact and runtime
// IDs come from the task row; user, type and log level are interned
// here), and a run without parameter overrides shares its artifact
// version's parameter map (rows are never mutated).

// intern returns the canonical copy of s (unique keeps it only while some
// record uses it).
func intern(s string) string {
	if s == "" {
		return ""
	}
	return unique.Make(s).Value()
}

// covers reports whether m has every key of keys.
func covers(m, keys map[string]string) bool {
	for k := range keys {
		if _, ok := m[k]; !ok {
			return false
		}
	}
	return true
}

// executionParams merges an execution's parameters: the artifact
// version's defaults, the task's values, the run's. Without run overrides
// the task's or the defaults' map itself is used when it is the merge.
func executionParams(defaults, task, run map[string]string) map[string]string {
	if len(run) == 0 {
		if len(task) == 0 && defaults != nil {
			return defaults
		}
		if task != nil && covers(task, defaults) {
			return task // the task sets every default: the merge is the task's map
		}
	}
	params := copyParams(defaults)
	for k, v := range task {
		params[k] = v
	}
	for k, v := range run {
		params[k] = v
	}
	return params
}
