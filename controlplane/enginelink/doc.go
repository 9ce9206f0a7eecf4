// Package enginelink is the control plane's side of the agent link: the QUIC
// listener that serves engines (pairing with a pre-authorization key,
// mutual-TLS sessions, heartbeats, certificate renewal over the live
// session), the registry of live sessions that closes one on revocation, and
// the heartbeat monitor that turns silence into NOT_AVAILABLE, and each
// session's work (assignments followed from the local replica, statuses
// and logs taken in) and artifact downloads, through the Work interface;
// when the Work also implements DeploymentWork, the work carries
// deployments too (Deploy/Undeploy pushed, statuses, reports and metrics
// taken in, reports reconciled: deploy.go). Version-3 sessions carry all
// of it on one session stream (sessionstream.go), version-2 sessions on a
// stream per heartbeat and a work stream (streams.go).
//
// It reaches the replicated state only through the small interfaces in
// directory.go, so it does not import cluster or controlplane/state; the
// node wiring adapts those. It must not import agent, runtime or plugins.
// Heartbeats never write to the replicated log: only a change of
// availability does, many engines' changes per command (monitor.go); each
// engine's last heartbeat time and host summary are written at most once
// per summary interval and at a change of its availability, many engines
// per command too (monitor_heartbeats.go).
// Agents the node no longer serves (below Config.MinEngineVersion, or
// speaking roundhouse-engine/1) are closed with CloseUnsupportedVersion
// and their engine recorded RETIRED once, until a supported agent
// connects (retire.go, version.go).
package enginelink
