package api

import (
	"context"
	"net/http"

	"github.com/roundhouse/roundhouse/cluster"
)

// Store is what handlers need from the replicated state (a *cluster.Node).
type Store interface {
	Read() *cluster.Reader
	ConsistentRead(ctx context.Context) (*cluster.Reader, error)
	Apply(ctx context.Context, cmd cluster.Command, out any) (uint64, error)
}

// Propose replicates a command made on behalf of the request's caller and
// decodes its result into out.
func Propose(r *http.Request, s Store, typ string, payload, out any) error {
	cmd, err := cluster.NewCommand(typ, Meta(r), payload)
	if err != nil {
		return err
	}
	_, err = s.Apply(r.Context(), cmd, out)
	return err
}

// Reader returns a read transaction honouring ?consistency=: "stale" (the
// default: this node's replica, which already reflects this node's own
// writes) or "consistent" (reflects every acknowledged write, at the cost
// of a round trip to the leader).
func Reader(r *http.Request, s Store) (*cluster.Reader, error) {
	switch r.URL.Query().Get("consistency") {
	case "", "stale":
		return s.Read(), nil
	case "consistent":
		return s.ConsistentRead(r.Context())
	default:
		return nil, Errorf(http.StatusBadRequest, CodeInvalid, "consistency must be stale or consistent")
	}
}
