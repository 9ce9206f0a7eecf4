// Package cluster owns the replicated state machinery of the control plane:
// the hashicorp/raft node with its raft-boltdb/v2 log and stable stores and
// file snapshots, a finite state machine over an indexed in-memory store
// (hashicorp/go-memdb), membership (bootstrap, join, remove), forwarding of
// writes from followers to the leader, group commit of concurrent writes
// into one log entry (proposer.go), one store transaction per applied raft
// batch (batch.go), the log's command encoding (a binary envelope around
// a JSON payload, envelope.go; older JSON entries still load), consistent
// and stale reads through a Reader whose reads return their errors
// (reader.go), stopping the node on a log entry it cannot apply as the
// other replicas do (fsm.go), the lifecycle of leader-only loops, and the node-local
// on-disk history store (history.go: rows that only grow until retention
// prunes them, written by the FSM in the same batch, carried in snapshots,
// rebuilt from raft at every start), and the guard that refuses writes
// while the data dir's disk is full (storage.go: ErrCannotPersist, so raft
// never steps a leader down over a log it cannot store).
//
// It knows nothing about the product: tables and command handlers are given
// to it by the caller (see controlplane/state). It must not import
// controlplane, agent or runtime code, and it never talks HTTP to users.
package cluster
