// Package deploy runs the deployments of routes and data services on
// this engine: one instance per task (a service of its own, or a bundle
// in the engine's one runtime container), each task's Deploy and Undeploy
// in arrival order, health checks, statuses with the product's
// sub-states, the periodic full report (riding with a heartbeat) and
// request metrics. A ledger on disk (one record per deployment) lets a
// restarted agent take back the services the runtime kept running.
//
// It may import agent/link (to send on the current session),
// agent/artifacts, agent/datadir, runtime, plugins and protocol. It must
// not know about jobs or the session loop, and never import controlplane
// or cluster code.
package deploy
