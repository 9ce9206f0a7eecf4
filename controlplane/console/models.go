package console

import (
	"time"

	"github.com/roundhouse/roundhouse/controlplane/state"
	"github.com/roundhouse/roundhouse/protocol"
)

// engine is the API's view of a Remote Engine, as the pages show it.
type engine struct {
	ID               string                `json:"id"`
	Name             string                `json:"name"`
	Description      string                `json:"description"`
	Type             string                `json:"type"`
	EnvironmentID    string                `json:"environmentId"`
	WorkspaceID      string                `json:"workspaceId"`
	ClusterID        string                `json:"clusterId"`
	Status           string                `json:"status"`
	Availability     string                `json:"availability"`
	PreAuthorizedKey string                `json:"preAuthorizedKey"`
	KeyExpires       *time.Time            `json:"preAuthorizedKeyExpirationDate"`
	Version          string                `json:"version"`
	Host             *protocol.HostFacts   `json:"host"`
	RunProfiles      []*state.RunProfile   `json:"runProfiles"`
	PairDate         *time.Time            `json:"pairDate"`
	CreateDate       time.Time             `json:"createDate"`
	LastHeartbeatAt  *time.Time            `json:"lastHeartbeatAt"`
	HostSummary      *protocol.HostSummary `json:"hostSummary"`
}

// execution is the API's view of an execution.
type execution struct {
	state.Execution
	Status string `json:"status"`
}

type executionPage struct {
	Items  []execution `json:"items"`
	Total  int         `json:"total"`
	Offset int         `json:"offset"`
	Limit  int         `json:"limit"`
}

type member struct {
	ID       string `json:"id"`
	RaftAddr string `json:"raftAddr"`
	APIAddr  string `json:"apiAddr"`
	Voter    bool   `json:"voter"`
	Leader   bool   `json:"leader"`
}

type logLine struct {
	Timestamp time.Time `json:"timestamp"`
	Severity  string    `json:"severity"`
	Message   string    `json:"logMessage"`
}

// names maps object IDs to names for display.
type names map[string]string

func (n names) Of(id string) string {
	if v, ok := n[id]; ok {
		return v
	}
	if id == "" {
		return "—"
	}
	return id
}
