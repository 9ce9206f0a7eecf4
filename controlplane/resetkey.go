package controlplane

import (
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/quic-go/quic-go"
)

// resetKeyFile holds the node's QUIC stateless reset key.
const resetKeyFile = "quic-reset-key"

// statelessResetKey returns the node's stateless reset key, created on
// first start: it must stay the same across restarts, so that a node that
// crashed resets the sessions of its previous run (enginelink.Config).
// It is a secret (anyone holding it can end this node's sessions), so the
// file is 0600 and the key never reaches a log.
func statelessResetKey(dataDir string) (*quic.StatelessResetKey, error) {
	var key quic.StatelessResetKey
	path := filepath.Join(dataDir, resetKeyFile)
	raw, err := os.ReadFile(path)
	switch {
	case err == nil:
		if len(raw) != len(key) {
			return nil, fmt.Errorf("stateless reset key %s holds %d bytes, want %d (delete it to make a new one)", path, len(raw), len(key))
		}
		copy(key[:], raw)
		return &key, nil
	case !errors.Is(err, os.ErrNotExist):
		return nil, fmt.Errorf("read stateless reset key: %w", err)
	}
	if _, err := rand.Read(key[:]); err != nil {
		return nil, fmt.Errorf("make stateless reset key: %w", err)
	}
	if err := os.WriteFile(path, key[:], 0o600); err != nil {
		return nil, fmt.Errorf("store stateless reset key: %w", err)
	}
	return &key, nil
}
