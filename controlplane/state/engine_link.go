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

const (
	tableEngineLink   = "engine_link"
	engineLinkRowID   = "cluster"
	CmdEngineLinkInit = "engine-link.init"
)

func engineLinkSpec() cluster.Spec {
	return cluster.Spec{
		Tables: []cluster.Table{
			table(tableEngineLink, func() any { return new(EngineLinkSecrets) }, idIndex()),
		},
		Handlers: map[string]cluster.Handler{CmdEngineLinkInit: applyEngineLinkInit},
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
	if EngineLink(tx.Txn) != nil {
		return nil, cluster.Reject(cluster.CodePrecondition, "the engine link is already initialised")
	}
	if req.CACertPEM == "" || req.CAKeyPEM == "" || req.ForwardSecret == "" {
		return nil, cluster.Reject(cluster.CodeInvalid, "engine link init needs a CA and a forward secret")
	}
	req.ID = engineLinkRowID
	return nil, tx.Insert(tableEngineLink, &req)
}
