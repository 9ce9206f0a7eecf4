package controlplane

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/julienschmidt/httprouter"

	"github.com/roundhouse/roundhouse/controlplane/state"
)

type httprouterParams = httprouter.Params

// nodeID returns the node's ID: stored in the data dir on first start, so
// a restarted node keeps its raft identity.
func nodeID(dataDir, requested string) (string, error) {
	path := filepath.Join(dataDir, "node-id")
	raw, err := os.ReadFile(path)
	switch {
	case err == nil:
		stored := strings.TrimSpace(string(raw))
		if requested != "" && requested != stored {
			return "", fmt.Errorf("--node-id %q differs from %q stored in %s", requested, stored, path)
		}
		return stored, nil
	case !errors.Is(err, os.ErrNotExist):
		return "", fmt.Errorf("read node id: %w", err)
	}
	id := requested
	if id == "" {
		host, _ := os.Hostname()
		// The random tail: an object ID starts with the time, which nodes
		// started together share.
		oid := state.NewObjectID()
		id = strings.ToLower(host) + "-" + oid[len(oid)-8:]
	}
	if err := os.WriteFile(path, []byte(id+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("store node id: %w", err)
	}
	return id, nil
}
