package state

import (
	"github.com/roundhouse/roundhouse/cluster"
)

// EngineLinkSecrets is the cluster-wide material of the agent link: the
// cluster CA (certificate and key, PEM) that signs node and engine
// certificates, and the secret nodes use to forward heartbeats to the
// leader. One row, created once.
type EngineLinkSecrets struct {
	ID            string `json:"id"`
	CACertPEM     string `json:"caCertPem"`
	CAKeyPEM      string `json:"caKeyPem"`
	ForwardSecret string `json:"forwardSecret"`
}

// EngineLinkNode is where one control-plane node serves agents; agents
// learn the list at session start and fail over along it.
type EngineLinkNode struct {
	ID       string `json:"id"` // the node ID
	QUICAddr string `json:"quicAddr"`
}

const (
	tableEngineLink      = "engine_link"
	tableEngineLinkNodes = "engine_link_nodes"
	engineLinkRowID      = "cluster"
	CmdEngineLinkInit    = "engine-link.init"
	CmdEngineLinkNode    = "engine-link.node"
)

func engineLinkSpec() cluster.Spec {
	return cluster.Spec{
		Tables: []cluster.Table{
			table(tableEngineLink, func() any { return new(EngineLinkSecrets) }, idIndex()),
			table(tableEngineLinkNodes, func() any { return new(EngineLinkNode) }, idIndex()),
		},
		Handlers: map[string]cluster.Handler{CmdEngineLinkInit: applyEngineLinkInit, CmdEngineLinkNode: applyEngineLinkNode},
	}
}

// EngineLink reads the link secrets (nil before the first init).
func EngineLink(txn Reader) *EngineLinkSecrets {
	return first[EngineLinkSecrets](txn, tableEngineLink, "id", engineLinkRowID)
}

func applyEngineLinkInit(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req EngineLinkSecrets
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	if EngineLink(tx.Reader) != nil {
		return nil, cluster.Reject(cluster.CodePrecondition, "the engine link is already initialised")
	}
	if req.CACertPEM == "" || req.CAKeyPEM == "" || req.ForwardSecret == "" {
		return nil, cluster.Reject(cluster.CodeInvalid, "engine link init needs a CA and a forward secret")
	}
	req.ID = engineLinkRowID
	return nil, tx.Insert(tableEngineLink, &req)
}

// EngineLinkNodes lists where every node serves agents, in node-ID order.
func EngineLinkNodes(txn Reader) []*EngineLinkNode {
	return all[EngineLinkNode](txn, tableEngineLinkNodes, "id")
}

func applyEngineLinkNode(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var n EngineLinkNode
	if err := cmd.Decode(&n); err != nil {
		return nil, err
	}
	if n.ID == "" || n.QUICAddr == "" {
		return nil, cluster.Reject(cluster.CodeInvalid, "engine link node needs an id and an address")
	}
	return nil, tx.Insert(tableEngineLinkNodes, &n)
}
