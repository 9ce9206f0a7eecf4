package runtime

// cgroupDriver makes one cgroup (or one per v1 controller) per workload.
type cgroupDriver interface {
	version() string
	create(id string, l Limits, taskAllowance int) (*cgroup, error)
	// limit (re)writes the limits of an existing group.
	limit(cg *cgroup, l Limits, taskAllowance int) error
}

// cgroup is one workload's group: a dir per controller (v1) or one dir
// (v2). It is persisted in the workload record so a restarted agent can
// still kill and remove it.
//
// With cgroup v1 the pids group is split: the plugin lives in PIDS/plugin
// and the job's processes are forked into PIDS/job, whose pids.max is the
// run profile's. A fork bomb then exhausts PIDS/job only, and the plugin
// (whose Go runtime dies if it cannot create a thread) keeps the
// allowance to report the outcome. The plugin joins PIDS/job just for the
// fork (plugins.StartRequest.ForkCgroups) and returns (HomeCgroups).
type cgroup struct {
	Version string            `json:"version"`
	Dirs    map[string]string `json:"dirs"` // "memory", "cpu", "pids", "pids/plugin", "pids/job" or "unified" → dir
	Home    []string          `json:"home"` // dirs the plugin lives in
	Fork    []string          `json:"fork"` // dirs the job's processes are forked into
}
