package membership

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/julienschmidt/httprouter"

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
	body, _ := json.Marshal(self)
	url := "http://" + strings.TrimPrefix(addr, "http://") + "/cluster/members"
	var last error
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			return fmt.Errorf("join %s: %w", addr, err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
			resp.Body.Close()
			switch {
			case resp.StatusCode == http.StatusOK:
				return nil
			case resp.StatusCode < 500:
				return fmt.Errorf("join %s refused (%d): %s", addr, resp.StatusCode, strings.TrimSpace(string(msg)))
			}
			last = fmt.Errorf("join %s: %d %s", addr, resp.StatusCode, strings.TrimSpace(string(msg)))
		} else {
			last = err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("join %s: gave up: %w", addr, last)
		case <-time.After(500 * time.Millisecond):
		}
	}
}
