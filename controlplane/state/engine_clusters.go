package state

import (
	"strings"
	"time"

	"github.com/roundhouse/roundhouse/cluster"
)

// EngineCluster groups Remote Engines of one environment; work sent to it
// runs on one of its available engines.
type EngineCluster struct {
	ID            string    `json:"id"`
	Name          string    `json:"name"`
	Description   string    `json:"description,omitempty"`
	EnvironmentID string    `json:"environmentId"`
	WorkspaceID   string    `json:"workspaceId,omitempty"`
	CreatedAt     time.Time `json:"createdAt"`
}

const (
	tableEngineClusters = "engine_clusters"

	CmdEngineClusterCreate = "engine-cluster.create"
	CmdEngineClusterDelete = "engine-cluster.delete"
	CmdEngineClusterAdd    = "engine-cluster.add-engine"
	CmdEngineClusterRemove = "engine-cluster.remove-engine"
)

func engineClusterSpec() cluster.Spec {
	return cluster.Spec{
		Tables: []cluster.Table{
			table(tableEngineClusters, func() any { return new(EngineCluster) }, idIndex(),
				compoundIndex("environment_name", true, "EnvironmentID", "Name")),
		},
		Handlers: map[string]cluster.Handler{
			CmdEngineClusterCreate: applyEngineClusterCreate,
			CmdEngineClusterDelete: applyEngineClusterDelete,
			CmdEngineClusterAdd:    applyEngineClusterAdd,
			CmdEngineClusterRemove: applyEngineClusterRemove,
		},
	}
}

// EngineClusterByID reads an engine cluster.
func EngineClusterByID(txn Reader, id string) *EngineCluster {
	return first[EngineCluster](txn, tableEngineClusters, "id", id)
}

// EngineClusters lists every engine cluster in ID order.
func EngineClusters(txn Reader) []*EngineCluster {
	return all[EngineCluster](txn, tableEngineClusters, "id")
}

func applyEngineClusterCreate(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var c EngineCluster
	if err := cmd.Decode(&c); err != nil {
		return nil, err
	}
	if err := validName("engine cluster name", c.Name); err != nil {
		return nil, err
	}
	if err := checkPlacement(tx.Reader, c.EnvironmentID, c.WorkspaceID); err != nil {
		return nil, err
	}
	if first[EngineCluster](tx.Reader, tableEngineClusters, "environment_name", c.EnvironmentID, strings.ToLower(c.Name)) != nil {
		return nil, cluster.Reject(cluster.CodeConflict, "an engine cluster named %q already exists in this environment", c.Name)
	}
	c.CreatedAt = cmd.Meta.Time
	return &c, tx.Insert(tableEngineClusters, &c)
}

// applyEngineClusterDelete deletes a cluster; its engines stay, unclustered.
func applyEngineClusterDelete(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req IDRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	c := EngineClusterByID(tx.Reader, req.ID)
	if c == nil {
		return nil, cluster.Reject(cluster.CodeNotFound, "engine cluster %s not found", req.ID)
	}
	for _, e := range EnginesInCluster(tx.Reader, c.ID) {
		next := *e
		next.ClusterID, next.UpdatedAt = "", cmd.Meta.Time
		if err := tx.Insert(tableEngines, &next); err != nil {
			return nil, err
		}
	}
	if err := deleteRunProfilesOf(tx, c.ID); err != nil {
		return nil, err
	}
	return c, tx.Delete(tableEngineClusters, c)
}

// EngineClusterMember names an engine joining or leaving a cluster.
type EngineClusterMember struct {
	ClusterID string `json:"id"`
	EngineID  string `json:"engineId"`
}

func applyEngineClusterAdd(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req EngineClusterMember
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	c := EngineClusterByID(tx.Reader, req.ClusterID)
	if c == nil {
		return nil, cluster.Reject(cluster.CodeNotFound, "engine cluster %s not found", req.ClusterID)
	}
	e, err := engineForUpdate(tx, req.EngineID)
	if err != nil {
		return nil, err
	}
	switch {
	case e.Kind != EngineKindRemote:
		return nil, cluster.Reject(cluster.CodeInvalid, "only %s engines can join a cluster", EngineKindRemote)
	case e.EnvironmentID != c.EnvironmentID:
		return nil, cluster.Reject(cluster.CodeInvalid, "engine %s is not in the cluster's environment", e.ID)
	case e.ClusterID != "" && e.ClusterID != c.ID:
		return nil, cluster.Reject(cluster.CodeConflict, "engine %s is already in cluster %s", e.ID, e.ClusterID)
	}
	// The product moves a clustered engine into the cluster's workspace.
	e.ClusterID, e.WorkspaceID = c.ID, c.WorkspaceID
	return nil, tx.Insert(tableEngines, &e)
}

func applyEngineClusterRemove(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req EngineClusterMember
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	e, err := engineForUpdate(tx, req.EngineID)
	if err != nil {
		return nil, err
	}
	if e.ClusterID != req.ClusterID {
		return nil, cluster.Reject(cluster.CodeNotFound, "engine %s is not in engine cluster %s", e.ID, req.ClusterID)
	}
	e.ClusterID = ""
	return nil, tx.Insert(tableEngines, &e)
}
