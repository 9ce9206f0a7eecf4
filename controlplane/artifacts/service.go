package artifacts

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/roundhouse/roundhouse/controlplane/api"
)

// Config configures the artifact repository of one node.
type Config struct {
	// Dir holds the blobs (<Dir>/sha256/<hex>) and upload temp files.
	Dir string
	// MaxBytes is the largest accepted archive; default 400 MB, as Talend's.
	MaxBytes int64
	// ReplicationTimeout bounds how long an upload waits for a quorum of
	// nodes to hold the blob; default 2 minutes.
	ReplicationTimeout time.Duration
	Logger             *slog.Logger
}

// Service is the artifact repository of one control-plane node.
type Service struct {
	cfg    Config
	store  api.Store
	peers  Peers
	blobs  *BlobStore
	http   *http.Client
	logger *slog.Logger
}

// New opens the blob store under cfg.Dir.
func New(cfg Config, store api.Store, peers Peers) (*Service, error) {
	if cfg.MaxBytes == 0 {
		cfg.MaxBytes = 400 << 20
	}
	if cfg.ReplicationTimeout == 0 {
		cfg.ReplicationTimeout = 2 * time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	blobs, err := OpenBlobStore(cfg.Dir)
	if err != nil {
		return nil, err
	}
	return &Service{cfg: cfg, store: store, peers: peers, blobs: blobs, logger: cfg.Logger,
		http: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8, IdleConnTimeout: 90 * time.Second}}}, nil
}

// Blobs is the node's blob store (agents' downloads read it).
func (s *Service) Blobs() *BlobStore { return s.blobs }
