package cluster

import (
	"context"
	"crypto/rand"
	"encoding/hex"

	memdb "github.com/hashicorp/go-memdb"
)

// Member is a control-plane node as recorded in the replicated state: the
// raft configuration knows its raft address; this adds where its API is.
type Member struct {
	ID       string `json:"id"`
	RaftAddr string `json:"raftAddr"`
	APIAddr  string `json:"apiAddr"`
}

// clusterMeta holds cluster-wide facts set once at bootstrap.
type clusterMeta struct {
	ID string `json:"id"` // always "cluster"
	// ClusterID names the cluster; logged by every node.
	ClusterID string `json:"clusterId"`
	// PeerSecret authenticates node-to-node calls (forwarding, join). It
	// reaches a new node through replication, after it was admitted.
	PeerSecret string `json:"peerSecret"`
}

const (
	tableMembers     = "cluster_members"
	tableClusterMeta = "cluster_meta"

	cmdMemberUpsert = "cluster.member.upsert"
	cmdMemberRemove = "cluster.member.remove"
	cmdClusterInit  = "cluster.init"
)

func builtinSpec() Spec {
	return Spec{
		Tables: []Table{
			{
				Schema: &memdb.TableSchema{Name: tableMembers, Indexes: map[string]*memdb.IndexSchema{
					"id": {Name: "id", Unique: true, Indexer: &memdb.StringFieldIndex{Field: "ID"}},
				}},
				New: func() any { return new(Member) },
			},
			{
				Schema: &memdb.TableSchema{Name: tableClusterMeta, Indexes: map[string]*memdb.IndexSchema{
					"id": {Name: "id", Unique: true, Indexer: &memdb.StringFieldIndex{Field: "ID"}},
				}},
				New: func() any { return new(clusterMeta) },
			},
			dedupeTable(),
		},
		Handlers: map[string]Handler{
			cmdMemberUpsert: applyMemberUpsert,
			cmdMemberRemove: applyMemberRemove,
			cmdClusterInit:  applyClusterInit,
		},
	}
}

func applyMemberUpsert(tx *Tx, cmd Command) (any, error) {
	var m Member
	if err := cmd.Decode(&m); err != nil {
		return nil, err
	}
	if m.ID == "" {
		return nil, Reject(CodeInvalid, "member id is required")
	}
	return nil, tx.Insert(tableMembers, &m)
}

func applyMemberRemove(tx *Tx, cmd Command) (any, error) {
	var m Member
	if err := cmd.Decode(&m); err != nil {
		return nil, err
	}
	_, err := tx.DeleteAll(tableMembers, "id", m.ID)
	return nil, err
}

func applyClusterInit(tx *Tx, cmd Command) (any, error) {
	existing, err := tx.First(tableClusterMeta, "id", "cluster")
	if err != nil {
		return nil, err
	}
	if existing != nil {
		return nil, nil // already initialised: a replayed bootstrap is a no-op
	}
	var meta clusterMeta
	if err := cmd.Decode(&meta); err != nil {
		return nil, err
	}
	meta.ID = "cluster"
	return nil, tx.Insert(tableClusterMeta, &meta)
}

func newSecret() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// readMeta returns the cluster record, nil before the first leader
// wrote it.
func readMeta(r *Reader) (*clusterMeta, error) {
	raw, err := r.First(tableClusterMeta, "id", "cluster")
	if err != nil || raw == nil {
		return nil, err
	}
	return raw.(*clusterMeta), nil
}

// readMember returns a member's record, nil if it has none.
func readMember(r *Reader, id string) (*Member, error) {
	raw, err := r.First(tableMembers, "id", id)
	if err != nil || raw == nil {
		return nil, err
	}
	return raw.(*Member), nil
}

// ensureClusterRecords runs on every leadership gain: it creates the
// cluster meta (peer secret) on a new cluster and keeps this node's member
// record current, so followers can find the leader's API address.
func (n *Node) ensureClusterRecords(ctx context.Context) {
	meta, err := readMeta(n.Read())
	if err != nil {
		n.cfg.Logger.Error("read cluster record", "err", err)
		return
	}
	if meta == nil {
		cmd, err := NewCommand(cmdClusterInit, Meta{}, clusterMeta{ClusterID: newSecret()[:16], PeerSecret: newSecret()})
		if err == nil {
			_, err = n.Apply(ctx, cmd, nil)
		}
		if err != nil {
			n.cfg.Logger.Error("initialise cluster record", "err", err)
			return
		}
	}
	self := Member{ID: n.cfg.NodeID, RaftAddr: string(n.trans.LocalAddr()), APIAddr: n.cfg.APIAddr}
	cur, err := readMember(n.Read(), self.ID)
	if err != nil {
		n.cfg.Logger.Error("read leader member", "err", err)
		return
	}
	if cur == nil || *cur != self {
		cmd, err := NewCommand(cmdMemberUpsert, Meta{}, self)
		if err == nil {
			_, err = n.Apply(ctx, cmd, nil)
		}
		if err != nil {
			n.cfg.Logger.Error("record leader member", "err", err)
		}
	}
}
