package cluster

import (
	"context"
	"fmt"
	"sort"

	"github.com/hashicorp/raft"
)

// MemberStatus is a member as the raft configuration and the member table
// see it together.
type MemberStatus struct {
	Member
	Voter  bool `json:"voter"`
	Leader bool `json:"leader"`
}

// Members lists the raft configuration with each node's API address.
func (n *Node) Members() ([]MemberStatus, error) {
	f := n.raft.GetConfiguration()
	if err := f.Error(); err != nil {
		return nil, fmt.Errorf("read raft configuration: %w", err)
	}
	_, leader := n.raft.LeaderWithID()
	txn := n.Read()
	var out []MemberStatus
	for _, s := range f.Configuration().Servers {
		m := MemberStatus{Member: Member{ID: string(s.ID), RaftAddr: string(s.Address)},
			Voter: s.Suffrage == raft.Voter, Leader: s.ID == leader}
		rec, err := readMember(txn, string(s.ID))
		if err != nil {
			return nil, err
		}
		if rec != nil {
			m.APIAddr = rec.APIAddr
		}
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// AddMember admits a node as a voter (on the leader, or forwarded to it).
// A node already present with the same ID and address is a no-op; one
// with the same ID or address but not both is replaced, so a node that
// lost its data dir can rejoin.
func (n *Node) AddMember(ctx context.Context, m Member) error {
	if m.ID == "" || m.RaftAddr == "" || m.APIAddr == "" {
		return Reject(CodeInvalid, "member needs id, raftAddr and apiAddr")
	}
	return n.onLeader(ctx, func() error { return n.addMemberLocal(ctx, m) },
		func() error { return n.peers.addMember(ctx, m) })
}

// RemoveMember removes a node from the raft configuration.
func (n *Node) RemoveMember(ctx context.Context, id string) error {
	return n.onLeader(ctx, func() error { return n.removeMemberLocal(ctx, id) },
		func() error { return n.peers.removeMember(ctx, id) })
}

func (n *Node) onLeader(ctx context.Context, local, remote func() error) error {
	ctx, cancel := context.WithTimeout(ctx, n.cfg.ApplyTimeout)
	defer cancel()
	for {
		var err error
		if n.IsLeader() {
			err = local()
		} else {
			err = remote()
		}
		if err == nil || !retryable(err) {
			return err
		}
		if werr := n.waitBeforeRetry(ctx); werr != nil {
			return werr
		}
	}
}

func (n *Node) addMemberLocal(ctx context.Context, m Member) error {
	if !n.IsLeader() {
		return raft.ErrNotLeader
	}
	f := n.raft.GetConfiguration()
	if err := f.Error(); err != nil {
		return err
	}
	present := false
	for _, s := range f.Configuration().Servers {
		sameID, sameAddr := string(s.ID) == m.ID, string(s.Address) == m.RaftAddr
		switch {
		case sameID && sameAddr:
			present = true
		case sameID || sameAddr:
			if err := n.raft.RemoveServer(s.ID, 0, 0).Error(); err != nil {
				return fmt.Errorf("remove stale member %s: %w", s.ID, err)
			}
		}
	}
	if !present {
		if err := n.raft.AddVoter(raft.ServerID(m.ID), raft.ServerAddress(m.RaftAddr), 0, 0).Error(); err != nil {
			return fmt.Errorf("add voter %s: %w", m.ID, err)
		}
	}
	cmd, err := NewCommand(cmdMemberUpsert, Meta{}, m)
	if err != nil {
		return err
	}
	_, err = n.Apply(ctx, cmd, nil)
	return err
}

func (n *Node) removeMemberLocal(ctx context.Context, id string) error {
	if !n.IsLeader() {
		return raft.ErrNotLeader
	}
	f := n.raft.GetConfiguration()
	if err := f.Error(); err != nil {
		return err
	}
	found := false
	for _, s := range f.Configuration().Servers {
		found = found || string(s.ID) == id
	}
	if !found {
		return Reject(CodeNotFound, "no control-plane member %q", id)
	}
	cmd, err := NewCommand(cmdMemberRemove, Meta{}, Member{ID: id})
	if err != nil {
		return err
	}
	if _, err := n.Apply(ctx, cmd, nil); err != nil {
		return err
	}
	if err := n.raft.RemoveServer(raft.ServerID(id), 0, 0).Error(); err != nil {
		return fmt.Errorf("remove member %s: %w", id, err)
	}
	return nil
}
