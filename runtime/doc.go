// Package runtime runs workloads on an engine host: the Supervisor starts
// each job, microservice or runtime container as a go-plugin subprocess
// (gRPC over a unix socket, no AutoMTLS so that a restarted agent can
// reattach), in its own working directory, process group and cgroup.
//
// What it guarantees:
//   - Limits from the run profile: memory, CPU and process count through
//     cgroup v2 or v1 (detected; on v1 the pids group is split so a fork
//     bomb exhausts the job's share, not the plugin's), open files through
//     rlimits. Without root or controllers only open files and process
//     groups apply, and New logs why.
//   - Stop and timeout end the whole tree: SIGTERM, a grace period, then
//     SIGKILL to both process groups and every process left in the cgroup.
//     When Handle.Wait returns, nothing of the workload runs.
//   - Logs are captured line by line, 100 KB per message at most, and sent
//     to Config.OnLog with a per-workload sequence number.
//   - At most MaxConcurrentJobs jobs run (3); at most MaxServices
//     microservices (20), on ports from a pool or a custom one.
//   - Agent restart kills nothing. Each workload's record (plugin pid AND
//     start time, socket, cgroup, port, deadline) is saved before its work
//     starts; New reattaches to live plugins, reports finished jobs with
//     their saved result, and marks LOST (never signals) a pid whose start
//     time no longer matches. A job's result stays in the state directory
//     until Release, so it is reported once even across restarts.
//
// Platforms: Linux has all of the above. macOS has process groups and
// open-files rlimits (set by the plugin itself: there is no prlimit) but
// no cgroups and no parent-death signal. Windows has neither process
// groups nor cgroups: a plugin holds its job's processes in a Job Object
// that dies with it, and an open-files limit or run-as is refused with a
// clear error. The _linux, _darwin, _unix and _windows files hold the
// differences behind processStart, killProcessGroup, pluginProcAttr,
// applyRlimits, platformLimits and detectCgroups.
//
// The agent keeps one Supervisor per engine: New(Config{StateDir}), then
// StartJob / StartService / StartContainer, Handle.Wait for results,
// Supervisor.Stop, List after a restart, Release once a result is recorded
// upstream, Close on shutdown (workloads keep running).
//
// It may import plugins (the interfaces). It must not import agent,
// controlplane or cluster code, and it knows nothing about the network
// session with the control plane or about artifact archives (the agent
// unpacks and verifies them with protocol/artifact first).
package runtime
