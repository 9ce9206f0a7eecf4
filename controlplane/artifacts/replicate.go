package artifacts

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/roundhouse/roundhouse/cluster"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// InternalPrefix is where Service.InternalHandler is mounted: node-to-node
// blob pushes and fetches, authenticated by the cluster's peer secret.
const InternalPrefix = "/internal/artifacts/"

// Peers is what replication needs from the cluster node.
type Peers interface {
	ID() string
	Members() ([]cluster.MemberStatus, error)
	PeerSecret() string
	AuthenticPeer(r *http.Request) bool
	WaitForIndex(ctx context.Context, idx uint64) error
}

// replicate pushes a stored blob to the other voters and returns the IDs
// of the nodes holding it (this one first) as soon as they form a quorum
// of the voters. Pushes still running then are cancelled: those nodes
// fetch the blob when first asked for it.
func (s *Service) replicate(ctx context.Context, digest string) ([]string, error) {
	members, err := s.peers.Members()
	if err != nil {
		return nil, fmt.Errorf("replicate %s: %w", digest, err)
	}
	voters, quorum := 0, 0
	var targets []cluster.MemberStatus
	for _, m := range members {
		if !m.Voter {
			continue
		}
		voters++
		if m.ID != s.peers.ID() && m.APIAddr != "" {
			targets = append(targets, m)
		}
	}
	quorum = voters/2 + 1
	holders := []string{s.peers.ID()}
	if len(holders) >= quorum {
		return holders, nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type outcome struct {
		id  string
		err error
	}
	results := make(chan outcome, len(targets))
	for _, m := range targets {
		go func() { results <- outcome{m.ID, s.push(ctx, m.APIAddr, digest)} }()
	}
	var errs []error
	for range targets {
		o := <-results
		if o.err != nil {
			errs = append(errs, fmt.Errorf("node %s: %w", o.id, o.err))
			continue
		}
		holders = append(holders, o.id)
		if len(holders) >= quorum {
			cancel()
			return holders, nil // the remaining goroutines end on ctx and write to the buffered channel
		}
	}
	return nil, fmt.Errorf("replicate %s to %d of %d control-plane nodes: %w", digest, quorum, voters, errors.Join(errs...))
}

func (s *Service) push(ctx context.Context, addr, digest string) error {
	f, err := s.blobs.Open(digest)
	if err != nil {
		return err
	}
	defer f.Close()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+InternalPrefix+"blobs/"+digest, f)
	if err != nil {
		return err
	}
	if fi, err := f.Stat(); err == nil {
		req.ContentLength = fi.Size()
	}
	req.Header.Set(cluster.PeerSecretHeader, s.peers.PeerSecret())
	resp, err := s.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("answered %d: %s", resp.StatusCode, strings.TrimSpace(string(msg)))
	}
	return nil
}

// fetch copies a blob this node lacks from one of its holders.
func (s *Service) fetch(ctx context.Context, v *state.ArtifactVersion) error {
	members, err := s.peers.Members()
	if err != nil {
		return err
	}
	addr := map[string]string{}
	for _, m := range members {
		addr[m.ID] = m.APIAddr
	}
	var errs []error
	for _, id := range v.Holders {
		if id == s.peers.ID() || addr[id] == "" {
			continue
		}
		err := s.fetchFrom(ctx, addr[id], v.Digest)
		if err == nil {
			return nil
		}
		errs = append(errs, fmt.Errorf("node %s: %w", id, err))
	}
	return fmt.Errorf("fetch artifact %s from its holders %v: %w", v.Digest, v.Holders, errors.Join(errs...))
}

func (s *Service) fetchFrom(ctx context.Context, addr, digest string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+InternalPrefix+"fetch/"+digest, nil)
	if err != nil {
		return err
	}
	req.Header.Set(cluster.PeerSecretHeader, s.peers.PeerSecret())
	resp, err := s.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("answered %d", resp.StatusCode)
	}
	return s.blobs.Import(digest, resp.Body, state.MaxArtifactBytes)
}

// InternalHandler serves blob pushes (POST blobs/<digest>) and fetches
// (POST fetch/<digest>) between control-plane nodes.
func (s *Service) InternalHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.peers.AuthenticPeer(r) {
			http.Error(w, "peer authentication failed", http.StatusUnauthorized)
			return
		}
		op, digest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, InternalPrefix), "/")
		if !ValidDigest(digest) || r.Method != http.MethodPost {
			http.NotFound(w, r)
			return
		}
		switch op {
		case "blobs":
			if err := s.blobs.Import(digest, r.Body, state.MaxArtifactBytes); err != nil {
				s.logger.Warn("artifact push refused", "digest", digest, "err", err)
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			w.WriteHeader(http.StatusNoContent)
		case "remove":
			s.removeIfUnused(r, digest)
			w.WriteHeader(http.StatusNoContent)
		case "fetch":
			f, err := s.blobs.Open(digest)
			if err != nil {
				http.NotFound(w, r)
				return
			}
			defer f.Close()
			w.Header().Set("Content-Type", "application/gzip")
			if _, err := io.Copy(w, f); err != nil {
				s.logger.Warn("artifact fetch interrupted", "digest", digest, "err", err)
			}
		default:
			http.NotFound(w, r)
		}
	})
}

// removeIfUnused deletes a local blob no artifact version references once
// this node applied the index the caller names (the delete command).
func (s *Service) removeIfUnused(r *http.Request, digest string) {
	if idx, err := strconv.ParseUint(r.URL.Query().Get("index"), 10, 64); err == nil && idx > 0 {
		ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
		err = s.peers.WaitForIndex(ctx, idx)
		cancel()
		if err != nil {
			return // not caught up: keep the blob rather than guess
		}
	}
	if state.ArtifactVersionByDigest(s.store.Read(), digest) == nil {
		if err := s.blobs.Remove(digest); err != nil {
			s.logger.Warn("artifact blob not removed", "digest", digest, "err", err)
		}
	}
}

// removeEverywhere asks every other node to drop blobs the delete at
// index left unreferenced; best effort (a node that misses it keeps an
// unreferenced blob, which nothing serves).
func (s *Service) removeEverywhere(ctx context.Context, digests []string, index uint64) {
	members, err := s.peers.Members()
	if err != nil {
		return
	}
	for _, m := range members {
		if m.ID == s.peers.ID() || m.APIAddr == "" {
			continue
		}
		for _, d := range digests {
			url := fmt.Sprintf("http://%s%sremove/%s?index=%d", m.APIAddr, InternalPrefix, d, index)
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, nil)
			if err != nil {
				continue
			}
			req.Header.Set(cluster.PeerSecretHeader, s.peers.PeerSecret())
			if resp, err := s.http.Do(req); err == nil {
				resp.Body.Close()
			}
		}
	}
}

// OpenBlob opens the archive with digest for an engine's download,
// fetching it from a holder first when this node lacks it. It returns
// ErrUnknownDigest when no artifact version has that digest.
func (s *Service) OpenBlob(ctx context.Context, digest string) (*os.File, int64, error) {
	v := state.ArtifactVersionByDigest(s.store.Read(), digest)
	if v == nil {
		return nil, 0, fmt.Errorf("%w: %s", ErrUnknownDigest, digest)
	}
	if !s.blobs.Has(digest) {
		if err := s.fetch(ctx, v); err != nil {
			return nil, 0, err
		}
	}
	f, err := s.blobs.Open(digest)
	if err != nil {
		return nil, 0, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("artifact %s: %w", digest, err)
	}
	return f, fi.Size(), nil
}

// ErrUnknownDigest means no artifact version has the digest asked for.
var ErrUnknownDigest = errors.New("no artifact with that digest")
