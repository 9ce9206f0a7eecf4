package cluster

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Node-to-node calls ride on the members' HTTP API listeners under
// PeerPathPrefix, authenticated by the cluster's peer secret (replicated
// state). They carry already-authorized commands: the API node that took
// the request checked the caller before proposing.

// PeerPathPrefix is where Node.PeerHandler must be mounted.
const PeerPathPrefix = "/internal/cluster/"

const peerSecretHeader = "X-Roundhouse-Peer-Secret"

var (
	errLeaderUnknown   = errors.New("leader unknown")
	errPeerUnreachable = errors.New("leader unreachable")
)

type peerClient struct {
	n    *Node
	http *http.Client
}

func newPeerClient(n *Node) *peerClient {
	tr := &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: 90 * time.Second}
	return &peerClient{n: n, http: &http.Client{Transport: tr}}
}

func (p *peerClient) close() { p.http.CloseIdleConnections() }

// wireResult is applyResult on the wire.
type wireResult struct {
	Index     uint64          `json:"index"`
	Result    json.RawMessage `json:"result,omitempty"`
	Rejection *Rejection      `json:"rejection,omitempty"`
	Error     string          `json:"error,omitempty"`
	// Retry says the leader lost leadership meanwhile: try again.
	Retry bool `json:"retry,omitempty"`
	// CannotPersist says the leader's disk is full (ErrCannotPersist).
	CannotPersist bool `json:"cannotPersist,omitempty"`
}

func (p *peerClient) apply(ctx context.Context, data []byte) (*applyResult, error) {
	var w wireResult
	if err := p.call(ctx, http.MethodPost, "apply", data, &w); err != nil {
		return nil, err
	}
	if w.Retry {
		return nil, errLeaderUnknown
	}
	if w.CannotPersist {
		return nil, fmt.Errorf("%w: the leader's disk: %s", ErrCannotPersist, w.Error)
	}
	res := &applyResult{Index: w.Index, Result: w.Result, Rejection: w.Rejection}
	if w.Error != "" {
		res.Err = errors.New(w.Error)
	}
	return res, nil
}

func (p *peerClient) readIndex(ctx context.Context) (uint64, error) {
	var w wireResult
	if err := p.call(ctx, http.MethodPost, "read-index", nil, &w); err != nil {
		return 0, err
	}
	if w.Retry {
		return 0, errLeaderUnknown
	}
	if w.Error != "" {
		return 0, errors.New(w.Error)
	}
	return w.Index, nil
}

func (p *peerClient) addMember(ctx context.Context, m Member) error {
	body, _ := json.Marshal(m)
	var w wireResult
	if err := p.call(ctx, http.MethodPost, "members", body, &w); err != nil {
		return err
	}
	return w.err()
}

func (p *peerClient) removeMember(ctx context.Context, id string) error {
	var w wireResult
	if err := p.call(ctx, http.MethodDelete, "members/"+id, nil, &w); err != nil {
		return err
	}
	return w.err()
}

func (w wireResult) err() error {
	switch {
	case w.Retry:
		return errLeaderUnknown
	case w.Rejection != nil:
		return w.Rejection
	case w.Error != "":
		return errors.New(w.Error)
	}
	return nil
}

// call sends one request to the current leader. Transport failures come
// back as errPeerUnreachable so callers retry until their deadline.
func (p *peerClient) call(ctx context.Context, method, op string, body []byte, out *wireResult) error {
	id, addr := p.n.Leader()
	if id == "" || addr == "" || id == p.n.ID() {
		return errLeaderUnknown
	}
	secret := p.n.PeerSecret()
	if secret == "" {
		return errLeaderUnknown // not caught up with the cluster yet
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://"+addr+PeerPathPrefix+op, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("peer request: %w", err)
	}
	req.Header.Set(peerSecretHeader, secret)
	resp, err := p.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("%w: %v", errPeerUnreachable, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("%w: leader %s answered %d: %s", errPeerUnreachable, id, resp.StatusCode, strings.TrimSpace(string(msg)))
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("%w: decode leader answer: %v", errPeerUnreachable, err)
	}
	return nil
}

// PeerHandler serves the node-to-node endpoints; mount it at PeerPathPrefix.
func (n *Node) PeerHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !n.AuthenticPeer(r) {
			http.Error(w, "peer authentication failed", http.StatusUnauthorized)
			return
		}
		op := strings.TrimPrefix(r.URL.Path, PeerPathPrefix)
		var out wireResult
		switch {
		case op == "apply" && r.Method == http.MethodPost:
			out = n.servePeerApply(r)
		case op == "read-index" && r.Method == http.MethodPost:
			out = n.servePeerReadIndex()
		case op == "members" && r.Method == http.MethodPost:
			var m Member
			if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&m); err != nil {
				http.Error(w, "bad member", http.StatusBadRequest)
				return
			}
			out = wireOutcome(n.addMemberLocal(r.Context(), m))
		case strings.HasPrefix(op, "members/") && r.Method == http.MethodDelete:
			out = wireOutcome(n.removeMemberLocal(r.Context(), strings.TrimPrefix(op, "members/")))
		default:
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(out)
	})
}

func (n *Node) servePeerApply(r *http.Request) wireResult {
	if !n.IsLeader() {
		return wireResult{Retry: true}
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, maxCommandBytes+1))
	if err != nil {
		return wireResult{Error: fmt.Sprintf("read command: %v", err)}
	}
	if len(data) > maxCommandBytes {
		return wireResult{Error: "command too large"}
	}
	if !isCommand(data) {
		return wireResult{Error: "a forwarded write must be one command"}
	}
	if err := n.StorageError(); err != nil {
		return wireResult{Error: err.Error(), CannotPersist: true}
	}
	if cmd, err := decodeCommand(data); err != nil {
		return wireResult{Error: fmt.Sprintf("decode forwarded command: %v", err)}
	} else if err := n.fsm.knows(cmd); err != nil && !cmd.Ignorable {
		// A follower of a newer version: in the log it would stop
		// every node of this one.
		return wireResult{Error: fmt.Sprintf("refuse to propose: %v", err)}
	}
	ctx, cancel := context.WithTimeout(r.Context(), n.cfg.ApplyTimeout)
	defer cancel()
	res, err := n.prop.propose(ctx, data)
	if full, ok := noSpace(err); ok {
		return wireResult{Error: full.Error(), CannotPersist: true}
	}
	if err != nil {
		// Out of time is retryable too: a retry carries the same command
		// ID, so it applies at most once (dedupe.go).
		if retryable(err) || ctx.Err() != nil {
			return wireResult{Retry: true}
		}
		return wireResult{Error: err.Error()}
	}
	out := wireResult{Index: res.Index, Result: res.Result, Rejection: res.Rejection}
	if res.Err != nil {
		out.Error = res.Err.Error()
	}
	return out
}

func (n *Node) servePeerReadIndex() wireResult {
	if !n.IsLeader() {
		return wireResult{Retry: true}
	}
	idx, err := n.leaderReadIndex()
	if err != nil {
		return wireResult{Retry: retryable(err), Error: err.Error()}
	}
	return wireResult{Index: idx}
}

func wireOutcome(err error) wireResult {
	if err == nil {
		return wireResult{}
	}
	if retryable(err) {
		return wireResult{Retry: true}
	}
	if rej, ok := AsRejection(err); ok {
		return wireResult{Rejection: rej}
	}
	return wireResult{Error: err.Error()}
}

// maxCommandBytes caps one log entry. Large payloads (artifact blobs, log
// archives) never travel through raft.
const maxCommandBytes = 4 << 20
