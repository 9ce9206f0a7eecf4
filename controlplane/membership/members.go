package membership

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/julienschmidt/httprouter"

	apiclient "github.com/roundhouse/roundhouse/api"
	"github.com/roundhouse/roundhouse/cluster"
	"github.com/roundhouse/roundhouse/controlplane/api"
)

// Register adds the member endpoints to rt.
func Register(rt *api.Router, n *cluster.Node) {
	rt.Handle("GET", "/cluster/members", func(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
		members, err := n.Members()
		if err != nil {
			return err
		}
		api.WriteJSON(w, http.StatusOK, members)
		return nil
	})
	rt.Handle("POST", "/cluster/members", func(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
		var m cluster.Member
		if err := api.Decode(w, r, &m); err != nil {
			return err
		}
		if err := n.AddMember(r.Context(), m); err != nil {
			return err
		}
		api.WriteJSON(w, http.StatusOK, m)
		return nil
	})
	rt.Handle("GET", "/cluster/status", func(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
		api.WriteJSON(w, http.StatusOK, n.Stats())
		return nil
	})
	rt.Handle("DELETE", "/cluster/members/:id", func(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
		if err := n.RemoveMember(r.Context(), p.ByName("id")); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
}

// Join asks the member at addr (its HTTP address) to admit self, retrying
// until ctx ends: the member may still be electing a leader.
func Join(ctx context.Context, addr, token string, self cluster.Member) error {
	c, err := apiclient.New(apiclient.Config{Address: addr, Token: token, HTTPClient: http.DefaultClient})
	if err != nil {
		return fmt.Errorf("join %s: %w", addr, err)
	}
	m := apiclient.Member{ID: self.ID, RaftAddr: self.RaftAddr, APIAddr: self.APIAddr}
	var last error
	for {
		_, err := c.Cluster().AddMember(ctx, m)
		status := apiclient.StatusCode(err)
		switch {
		case err == nil:
			return nil
		case status != 0 && status < 500:
			return fmt.Errorf("join %s refused (%d): %w", addr, status, err)
		}
		last = fmt.Errorf("join %s: %w", addr, err)
		select {
		case <-ctx.Done():
			return fmt.Errorf("join %s: gave up: %w", addr, last)
		case <-time.After(500 * time.Millisecond):
		}
	}
}
