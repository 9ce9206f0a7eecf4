package cluster

import (
	"crypto/subtle"
	"net/http"
)

// PeerSecretHeader carries the cluster's peer secret on node-to-node calls
// made by other subsystems (artifact blobs, execution logs), which mount
// their own internal handlers next to PeerHandler.
const PeerSecretHeader = peerSecretHeader

// PeerSecret returns the secret node-to-node calls carry; empty before this
// node applied the cluster's records, or when reading them failed (logged:
// peer calls are then refused, never let through).
func (n *Node) PeerSecret() string {
	meta, err := readMeta(n.Read())
	if err != nil {
		n.cfg.Logger.Error("read cluster record", "err", err)
	}
	if meta == nil {
		return ""
	}
	return meta.PeerSecret
}

// AuthenticPeer reports whether r carries the cluster's peer secret.
func (n *Node) AuthenticPeer(r *http.Request) bool {
	want, got := n.PeerSecret(), r.Header.Get(PeerSecretHeader)
	return want != "" && got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}
