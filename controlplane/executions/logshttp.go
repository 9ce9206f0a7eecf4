package executions

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/julienschmidt/httprouter"

	"github.com/roundhouse/roundhouse/cluster"
	"github.com/roundhouse/roundhouse/controlplane/api"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// InternalLogsPrefix is where InternalHandler is mounted: other nodes read
// this node's share of an execution's log there (peer secret required).
const InternalLogsPrefix = "/internal/execution-logs/"

// Peers is what log assembly needs from the cluster node.
type Peers interface {
	ID() string
	Members() ([]cluster.MemberStatus, error)
	PeerSecret() string
	AuthenticPeer(r *http.Request) bool
}

// SetPeers lets the service read other nodes' shares of logs.
func (s *Service) SetPeers(p Peers) { s.peers = p }

// serveLogs answers GET .../logs: the whole log as JSON lines, or with
// ?follow=true a live tail that ends when the execution has ended and its
// lines on this node are all sent.
func (s *Service) serveLogs(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	id := p.ByName("id")
	txn, err := api.Reader(r, s.store)
	if err != nil {
		return err
	}
	e, err := state.ExecutionByID(txn, id)
	if err != nil {
		return err
	}
	if e == nil {
		return api.NotFound("execution", id)
	}
	if err := api.RequireView(r, e.WorkspaceID); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	if r.URL.Query().Get("follow") == "true" {
		return s.follow(w, r, id)
	}
	return s.download(w, r, e)
}

func (s *Service) download(w http.ResponseWriter, r *http.Request, e *state.Execution) error {
	var sources [][]byte
	if local, err := s.readLocal(e.ID); err != nil {
		return err
	} else if len(local) > 0 {
		sources = append(sources, local)
	}
	for _, node := range e.LogNodes {
		if node == s.store.ID() || s.peers == nil {
			continue
		}
		remote, err := s.readRemote(r.Context(), node, e.ID)
		if err != nil {
			s.cfg.Logger.Warn("execution log share unavailable", "execution", e.ID, "node", node, "err", err)
			continue
		}
		sources = append(sources, remote)
	}
	w.WriteHeader(http.StatusOK)
	if len(sources) == 1 {
		_, _ = w.Write(sources[0])
		return nil
	}
	_, _ = w.Write(mergeByTime(sources))
	return nil
}

func (s *Service) readLocal(id string) ([]byte, error) {
	f, err := s.logs.Open(id)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

// mergeByTime interleaves JSON-line logs from several nodes by timestamp;
// a numbered line two nodes hold (resent after a lost acknowledgement)
// comes once.
func mergeByTime(sources [][]byte) []byte {
	type entry struct {
		at  time.Time
		raw []byte
	}
	type lineKey struct {
		attempt int
		seq     uint64
	}
	var all []entry
	seen := map[lineKey]bool{}
	for _, src := range sources {
		sc := bufio.NewScanner(bytes.NewReader(src))
		sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
		for sc.Scan() {
			var l LogLine
			_ = json.Unmarshal(sc.Bytes(), &l)
			if k := (lineKey{l.Attempt, l.Seq}); l.Seq > 0 {
				if seen[k] {
					continue
				}
				seen[k] = true
			}
			all = append(all, entry{l.Timestamp, append(append([]byte(nil), sc.Bytes()...), '\n')})
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].at.Before(all[j].at) })
	var out []byte
	for _, e := range all {
		out = append(out, e.raw...)
	}
	return out
}

func (s *Service) readRemote(ctx context.Context, node, id string) ([]byte, error) {
	members, err := s.peers.Members()
	if err != nil {
		return nil, err
	}
	addr := ""
	for _, m := range members {
		if m.ID == node {
			addr = m.APIAddr
		}
	}
	if addr == "" {
		return nil, fmt.Errorf("node %s is not a member", node)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+InternalLogsPrefix+id, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set(cluster.PeerSecretHeader, s.peers.PeerSecret())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("node %s answered %d", node, resp.StatusCode)
	}
	return io.ReadAll(io.LimitReader(resp.Body, s.cfg.MaxLogBytes+(1<<20)))
}

// InternalHandler serves this node's share of a log to other nodes.
func (s *Service) InternalHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.peers == nil || !s.peers.AuthenticPeer(r) {
			http.Error(w, "peer authentication failed", http.StatusUnauthorized)
			return
		}
		id := strings.TrimPrefix(r.URL.Path, InternalLogsPrefix)
		f, err := s.logs.Open(id)
		if err != nil {
			w.WriteHeader(http.StatusOK) // nothing here (any more): an empty share
			return
		}
		defer f.Close()
		_, _ = io.Copy(w, f)
	})
}

// follow streams this node's lines as they arrive (chunked), until the
// execution ended and everything here was sent, or the client left.
func (s *Service) follow(w http.ResponseWriter, r *http.Request, id string) error {
	flusher, _ := w.(http.Flusher)
	w.WriteHeader(http.StatusOK)
	var off int64
	for {
		appended := s.logs.Watch(id) // before reading: no append is missed
		e, changed, err := state.WatchExecution(s.store.Read(), id)
		if err != nil {
			return err // headers are sent: the stream just ends
		}
		if err := s.copyNew(w, id, &off); err != nil {
			return nil // the client went away
		}
		if flusher != nil {
			flusher.Flush()
		}
		if e == nil || !e.Active {
			return nil
		}
		t := time.NewTimer(time.Second) // lines may also reach other nodes
		select {
		case <-r.Context().Done():
			t.Stop()
			return nil
		case <-appended:
		case <-changed:
		case <-t.C:
		}
		t.Stop()
	}
}

// copyNew writes the complete lines appended since *off.
func (s *Service) copyNew(w io.Writer, id string, off *int64) error {
	f, err := s.logs.Open(id)
	if err != nil {
		return nil // no lines on this node yet
	}
	defer f.Close()
	if _, err := f.Seek(*off, io.SeekStart); err != nil {
		return nil
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return nil
	}
	end := bytes.LastIndexByte(data, '\n') + 1
	if end == 0 {
		return nil
	}
	if _, err := w.Write(data[:end]); err != nil {
		return err
	}
	*off += int64(end)
	return nil
}
