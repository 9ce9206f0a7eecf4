// Package builtin holds the plugins shipped inside roundhouse-engine and
// started by re-executing it as `roundhouse-engine plugin NAME`: "exec"
// (run an artifact's command as a job or a service), "http-service" (a
// sample microservice) and "container" (the OSGi-style runtime).
//
// It must not know about the supervisor, cgroups or the agent.
package builtin
