// Package deployments owns route and data-service deployments on the
// control plane: the deploy, undeploy and listing endpoints, the leader's
// deployment watcher that moves rollouts (single node, parallel, rolling,
// rollback) forward, and the Deploy messages engines are sent. The
// records, rollouts and their rules live in controlplane/state; the
// watcher only writes desired state there through raft and never talks
// to engines: engine sessions (controlplane/enginelink) follow the
// records and send the requests.
package deployments
