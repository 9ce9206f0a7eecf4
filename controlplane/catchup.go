package controlplane

import (
	"net/http"
	"strings"
	"time"

	"github.com/roundhouse/roundhouse/cluster"
	"github.com/roundhouse/roundhouse/controlplane/api"
)

// catchUpHold is how long an API request that arrives before this node has
// caught up with the cluster waits for it before it is answered 503.
const catchUpHold = 5 * time.Second

// catchUpGate holds every API request until the node has caught up with
// the cluster (cluster.Node.CaughtUp): before that its replica may lack
// acknowledged writes, so no answer read from it can be trusted, not even
// "invalid token". A request still waiting after catchUpHold gets 503
// NOT_READY. /health, /ready, /metrics and node-to-node calls pass: they
// are how operators and peers see a node that is catching up.
func catchUpGate(node *cluster.Node, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if node.CaughtUp() || passesCatchUpGate(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		t := time.NewTimer(catchUpHold)
		defer t.Stop()
		select {
		case <-node.CaughtUpCh():
			next.ServeHTTP(w, r)
		case <-t.C:
			w.Header().Set("Retry-After", "1")
			api.WriteError(w, r, api.Errorf(http.StatusServiceUnavailable, api.CodeNotReady,
				"this node has not caught up with the cluster yet (it restarted or cannot reach a leader); retry shortly or ask another node"))
		case <-r.Context().Done():
		}
	})
}

func passesCatchUpGate(path string) bool {
	switch path {
	case "/health", "/ready", "/metrics":
		return true
	}
	return strings.HasPrefix(path, cluster.PeerPathPrefix)
}

type readyView struct {
	Ready        bool   `json:"ready"`
	Reason       string `json:"reason,omitempty"`
	Leader       string `json:"leader"`
	AppliedIndex uint64 `json:"appliedIndex"`
}

// ready answers 200 once the node has caught up with the cluster, knows a
// leader and can persist: it then serves default reads with every write
// acknowledged before it started. Otherwise 503, with the reason.
func (s *Server) ready(w http.ResponseWriter, _ *http.Request, _ httprouterParams) error {
	leader, _ := s.node.Leader()
	v := readyView{Ready: true, Leader: leader, AppliedIndex: s.node.AppliedIndex()}
	switch {
	case !s.node.CaughtUp():
		v.Ready, v.Reason = false, "not caught up with the cluster yet"
	case leader == "":
		v.Ready, v.Reason = false, "no leader known"
	case s.node.StorageError() != nil:
		v.Ready, v.Reason = false, s.node.StorageError().Error()
	}
	status := http.StatusOK
	if !v.Ready {
		status = http.StatusServiceUnavailable
	}
	api.WriteJSON(w, status, v)
	return nil
}
