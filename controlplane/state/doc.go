// Package state is the control plane's domain model as replicated state:
// the go-memdb tables and indexes, the typed commands that change them, and
// the rules enforced atomically when a command applies (unique names,
// limits, cascades such as "deleting the last workspace deletes its
// environment"). Spec hands all of it to package cluster.
//
// Handlers are deterministic: they use only the transaction and the
// command (its Meta.Time is the clock; IDs and secrets' hashes arrive in
// the payload). This package does no I/O, knows nothing of HTTP and never
// sees a secret in clear.
package state
