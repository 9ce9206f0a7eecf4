package api

import (
	"context"
	"io"
	"iter"
	"net/url"
	"strconv"
	"time"
)

// Health is a node's answer to GET /health (no token needed).
type Health struct {
	NodeID string `json:"nodeId"`
	Leader string `json:"leader"` // the leader's node ID; empty while none
	State  string `json:"state"`  // leader, follower, candidate
}

// Health reads the node's health.
func (c *Client) Health(ctx context.Context) (*Health, error) {
	var out Health
	return &out, c.WithToken("").Do(ctx, "GET", "/health", nil, nil, &out)
}

// Metrics opens the node's Prometheus metrics (text exposition format, no
// token needed); the caller closes it.
func (c *Client) Metrics(ctx context.Context) (io.ReadCloser, error) {
	resp, err := c.WithToken("").Raw(ctx, "GET", "/metrics", nil, "", nil)
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}

// AuditEntry is one change recorded in the audit log.
type AuditEntry struct {
	Seq        uint64    `json:"seq"` // unique and increasing
	Time       time.Time `json:"time"`
	ActorID    string    `json:"actorId"`
	ActorName  string    `json:"actorName"`
	ActorKind  string    `json:"actorKind"`
	ClientIP   string    `json:"clientIp"`
	RequestID  string    `json:"requestId"`
	Action     string    `json:"action"`
	TargetID   string    `json:"targetId,omitempty"`
	TargetName string    `json:"targetName,omitempty"`
}

// AuditLog reads up to limit entries (0: the server's default) after
// sequence number after, oldest first.
func (c *Client) AuditLog(ctx context.Context, after uint64, limit int) ([]AuditEntry, error) {
	q := url.Values{}
	if after > 0 {
		q.Set("after", strconv.FormatUint(after, 10))
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var out []AuditEntry
	return out, c.Do(ctx, "GET", "/account/audit-logs", q, nil, &out)
}

// AuditEntries walks the audit log after sequence number after, fetching
// pages of limit; it stops at the first error, which it yields.
func (c *Client) AuditEntries(ctx context.Context, after uint64, limit int) iter.Seq2[AuditEntry, error] {
	return func(yield func(AuditEntry, error) bool) {
		for {
			page, err := c.AuditLog(ctx, after, limit)
			if err != nil {
				yield(AuditEntry{}, err)
				return
			}
			for _, e := range page {
				if !yield(e, nil) {
					return
				}
				after = e.Seq
			}
			if len(page) == 0 {
				return
			}
		}
	}
}

// Member is a control-plane node of the cluster.
type Member struct {
	ID       string `json:"id"`
	RaftAddr string `json:"raftAddr"`
	APIAddr  string `json:"apiAddr"`
}

// MemberStatus is a member with its raft role.
type MemberStatus struct {
	Member
	Voter  bool `json:"voter"`
	Leader bool `json:"leader"`
}

// Cluster calls /cluster: the control plane's own members.
type Cluster struct{ c *Client }

// Cluster returns the control-plane membership calls.
func (c *Client) Cluster() Cluster { return Cluster{c} }

// Members lists the control-plane nodes.
func (s Cluster) Members(ctx context.Context) ([]MemberStatus, error) {
	var out []MemberStatus
	return out, s.c.Do(ctx, "GET", "/cluster/members", nil, nil, &out)
}

// AddMember admits a node to the cluster.
func (s Cluster) AddMember(ctx context.Context, m Member) (*Member, error) {
	var out Member
	return &out, s.c.Do(ctx, "POST", "/cluster/members", nil, m, &out)
}

// RemoveMember removes a node from the cluster.
func (s Cluster) RemoveMember(ctx context.Context, id string) error {
	return s.c.Do(ctx, "DELETE", "/cluster/members/"+url.PathEscape(id), nil, nil, nil)
}

// Status reads the answering node's raft statistics.
func (s Cluster) Status(ctx context.Context) (map[string]string, error) {
	var out map[string]string
	return out, s.c.Do(ctx, "GET", "/cluster/status", nil, nil, &out)
}
