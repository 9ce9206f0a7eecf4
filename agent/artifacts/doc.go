// Package artifacts is the engine's artifact cache as the jobs and the
// deployments use it: an artifact is downloaded by digest over its own
// stream of the current session (once per digest, retried on a new
// session when one ends mid-way), verified and unpacked; and the control
// plane's parameters and entrypoint are merged over the artifact's own
// manifest before a launch.
//
// It may import protocol (and its artifact format) and agent/link. It
// must not run workloads.
package artifacts
