package artifacts

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/roundhouse/roundhouse/agent/link"
	"github.com/roundhouse/roundhouse/protocol"
	"github.com/roundhouse/roundhouse/protocol/artifact"
)

// maxArtifactBytes is the largest archive the control plane accepts.
const maxArtifactBytes = 400 << 20

// Fetcher keeps the artifact cache and fills it over the current session.
type Fetcher struct {
	cache   artifact.Cache
	session *link.Current
	ctx     context.Context // the agent's run: a download ends with it

	mu       sync.Mutex
	fetching map[string]*sync.Mutex // one download per digest
}

// NewFetcher returns a fetcher for the cache in dir that downloads over
// the session current holds, until ctx ends.
func NewFetcher(ctx context.Context, dir string, current *link.Current) *Fetcher {
	return &Fetcher{cache: artifact.Cache{Dir: dir}, session: current, ctx: ctx, fetching: map[string]*sync.Mutex{}}
}

// Fetch returns the unpacked, verified artifact (its directory and
// manifest), downloading it by digest into the cache first when needed
// (one download per digest).
func (x *Fetcher) Fetch(ref protocol.ArtifactRef) (string, artifact.Manifest, error) {
	if _, err := artifact.ParseDigest(ref.Digest); err != nil {
		return "", artifact.Manifest{}, err
	}
	x.mu.Lock()
	lock := x.fetching[ref.Digest]
	if lock == nil {
		lock = &sync.Mutex{}
		x.fetching[ref.Digest] = lock
	}
	x.mu.Unlock()
	lock.Lock()
	defer lock.Unlock()
	if !x.cache.Has(ref.Digest) {
		if err := x.download(ref); err != nil {
			return "", artifact.Manifest{}, err
		}
	}
	return x.cache.Unpacked(ref.Digest)
}

// download fetches an archive over its own stream of the session
// (announced on the session stream), trying
// again on a new session if the one in use ends mid-way.
func (x *Fetcher) download(ref protocol.ArtifactRef) error {
	ctx, cancel := context.WithTimeout(x.ctx, 10*time.Minute)
	defer cancel()
	var last error
	for attempt := 0; attempt < 5; attempt++ {
		s, err := x.session.Wait(ctx)
		if err != nil {
			return fmt.Errorf("download %s: no session: %w", ref.Digest, err)
		}
		err = x.fetch(ctx, s, ref.Digest)
		if err == nil {
			return nil
		}
		last = err
		if perr, refused := err.(*protocol.Error); refused {
			if perr.Code != protocol.CodeUnavailable {
				return err
			}
			// The node could not get the archive from its peers (one may be
			// down or electing): a moment later it may.
			if !link.Sleep(ctx, time.Duration(attempt+1)*500*time.Millisecond) {
				return err
			}
			continue
		}
		if s.Context().Err() == nil {
			return err // the session is fine: the failure is the content's
		}
	}
	return last
}

func (x *Fetcher) fetch(ctx context.Context, s *link.Session, digest string) error {
	str, err := s.OpenStream(ctx)
	if err != nil {
		return fmt.Errorf("download %s: %w", digest, err)
	}
	defer str.CancelRead(0)
	defer str.Close()
	stop := context.AfterFunc(ctx, func() { str.CancelRead(0) })
	defer stop()
	if err := protocol.WriteMessage(str, &protocol.ArtifactRequest{Digest: digest}); err != nil {
		return fmt.Errorf("download %s: %w", digest, err)
	}
	m, err := protocol.ReadMessage(str)
	if err != nil {
		return fmt.Errorf("download %s: %w", digest, err)
	}
	switch h := m.(type) {
	case *protocol.Error:
		return h
	case *protocol.ArtifactHeader:
		if h.Digest != digest || h.Size < 0 || h.Size > maxArtifactBytes {
			return fmt.Errorf("download %s: the server announced %s of %d bytes", digest, h.Digest, h.Size)
		}
		// Put verifies the SHA-256: a short or altered stream keeps nothing.
		if _, err := x.cache.Put(io.LimitReader(str, h.Size), digest); err != nil {
			return fmt.Errorf("download %s: %w", digest, err)
		}
		return nil
	}
	return fmt.Errorf("download %s: unexpected message type %d", digest, m.MessageType())
}
