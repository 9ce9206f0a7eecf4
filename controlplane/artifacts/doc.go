// Package artifacts is the artifact repository: the /orchestration/artifacts
// endpoints, the content-addressed blob store under the node's data dir,
// the manifest (artifact.json) reader and the replication of blobs to a
// quorum of control-plane nodes before an upload is acknowledged.
//
// Blobs never travel through raft: only their metadata (name, version,
// digest, size, the nodes holding the blob) is a replicated command. A node
// asked for a blob it lacks fetches it from a holder first. This package
// must not decide anything about tasks or executions beyond refusing to
// delete an artifact in use (a state rule).
package artifacts
