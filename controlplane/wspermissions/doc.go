// Package wspermissions serves the workspace permissions API of Talend's
// Cloud API reference:
// one principal's rights on one workspace (/security/workspaces/...),
// batches applied in list order with 204 or 207 multi-status, batch
// deletes by intersection, and searches. Users and service accounts have
// the same endpoints under their own paths.
//
// The rules (rights names, the TMC_ENGINE_USE rule, existence checks)
// live in controlplane/state so every item is applied whole or not at
// all inside one Raft command; this package shapes requests and answers.
package wspermissions
