package state

import (
	"time"

	memdb "github.com/hashicorp/go-memdb"

	"github.com/roundhouse/roundhouse/cluster"
	"github.com/roundhouse/roundhouse/protocol"
)

// DefaultPairKeyTTL is how long a pair key stays usable.
const DefaultPairKeyTTL = 7 * 24 * time.Hour

// PairKeyRecord is a pair key as stored: its public ID and the hash of its
// secret, never the secret itself.
type PairKeyRecord struct {
	ID         string    `json:"id"`
	EngineID   string    `json:"engineId"`
	SecretHash string    `json:"secretHash"`
	ExpiresAt  time.Time `json:"expiresAt"`
	Used       bool      `json:"used"`
	CreatedAt  time.Time `json:"createdAt"`
}

const tablePairKeys = "pair_keys"

func clusterIndex() *memdb.IndexSchema {
	return &memdb.IndexSchema{Name: "cluster", AllowMissing: true, Indexer: &memdb.StringFieldIndex{Field: "ClusterID"}}
}

// PairKeysOf lists the keys of an engine.
func PairKeysOf(txn Reader, engineID string) []*PairKeyRecord {
	return all[PairKeyRecord](txn, tablePairKeys, "engine", engineID)
}

func insertPairKey(tx *cluster.Tx, engineID string, k PairKeyRecord) error {
	if k.ID == "" || k.SecretHash == "" || k.ExpiresAt.IsZero() {
		return cluster.Reject(cluster.CodeInvalid, "pair key needs an id, a secret hash and an expiry")
	}
	k.EngineID, k.Used, k.CreatedAt = engineID, false, tx.Meta.Time
	return tx.Insert(tablePairKeys, &k)
}

func deletePairKeys(tx *cluster.Tx, engineID string) error {
	for _, k := range PairKeysOf(tx.Reader, engineID) {
		if err := tx.Delete(tablePairKeys, k); err != nil {
			return err
		}
	}
	return nil
}

// EngineKeyRequest replaces every key of an engine with Key.
type EngineKeyRequest struct {
	EngineID string        `json:"id"`
	Key      PairKeyRecord `json:"key"`
}

// applyEngineRegenerateKey issues a new key; the old ones stop working. A
// paired engine is unpaired: the new key is for pairing a (new) agent.
func applyEngineRegenerateKey(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req EngineKeyRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	e, err := engineForUpdate(tx, req.EngineID)
	if err != nil {
		return nil, err
	}
	if err := deletePairKeys(tx, e.ID); err != nil {
		return nil, err
	}
	if err := insertPairKey(tx, e.ID, req.Key); err != nil {
		return nil, err
	}
	unpair(&e)
	return &e, tx.Insert(tableEngines, &e)
}

// EnginePairRequest consumes a pair key for the agent presenting it.
type EnginePairRequest struct {
	KeyID      string             `json:"keyId"`
	SecretHash string             `json:"secretHash"`
	CertSerial string             `json:"certSerial"`
	Facts      protocol.HostFacts `json:"facts"`
	// Source is the agent's address; its failed attempts across the
	// cluster are limited (checkPairBudget). Empty: not limited.
	Source string `json:"source,omitempty"`
}

// EnginePairResult names the engine that was paired, or, for a request
// with a Source, the refusal of its key (one of protocol's pair-key
// errors): such a refusal is committed, as it spends the source's budget.
type EnginePairResult struct {
	EngineID string `json:"engineId,omitempty"`
	Refused  string `json:"refused,omitempty"`
}

// applyEnginePair is the one atomic step of pairing: of two agents racing
// with one key, the first applied wins and the second sees it used.
// Refusal messages are protocol's, so the link can report them verbatim.
func applyEnginePair(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req EnginePairRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	if err := checkPairBudget(tx.Reader, req.Source, cmd.Meta.Time); err != nil {
		return nil, err
	}
	if req.CertSerial == "" {
		return nil, cluster.Reject(cluster.CodeInvalid, "pairing needs a certificate serial")
	}
	k, e, refused := pairKeyFor(tx.Reader, req, cmd.Meta.Time)
	if refused != nil && req.Source != "" {
		return &EnginePairResult{Refused: refused.Error()}, spendPairBudget(tx, req.Source, cmd.Meta.Time)
	}
	if refused != nil {
		return nil, pairRefusal(refused)
	}
	used := *k
	used.Used = true
	if err := tx.Insert(tablePairKeys, &used); err != nil {
		return nil, err
	}
	next := *e
	next.Status, next.CertSerial, next.PrevCertSerial = EnginePaired, req.CertSerial, ""
	next.Host, next.PairedAt, next.UpdatedAt = req.Facts, cmd.Meta.Time, cmd.Meta.Time
	if err := tx.Insert(tableEngines, &next); err != nil {
		return nil, err
	}
	return &EnginePairResult{EngineID: e.ID}, nil
}

// pairKeyFor finds the key and engine a pairing request names, or the
// protocol error refusing it.
func pairKeyFor(txn Reader, req EnginePairRequest, now time.Time) (*PairKeyRecord, *Engine, error) {
	k := first[PairKeyRecord](txn, tablePairKeys, "id", req.KeyID)
	var e *Engine
	if k != nil {
		e = EngineByID(txn, k.EngineID)
	}
	switch {
	case k == nil || e == nil:
		return nil, nil, protocol.ErrPairKeyUnknown
	case k.SecretHash != req.SecretHash:
		return nil, nil, protocol.ErrPairKeyInvalid
	case k.Used:
		return nil, nil, protocol.ErrPairKeyUsed
	case !now.Before(k.ExpiresAt):
		return nil, nil, protocol.ErrPairKeyExpired
	}
	return k, e, nil
}

// pairRefusal carries a protocol pair-key error as a rejection; the code
// is precondition, the message the sentinel's own text.
func pairRefusal(err error) error {
	return cluster.Reject(cluster.CodePrecondition, "%s", err.Error())
}

// EngineCertRequest records a renewed certificate.
type EngineCertRequest struct {
	EngineID  string `json:"id"`
	OldSerial string `json:"oldSerial"`
	NewSerial string `json:"newSerial"`
}

func applyEngineRenewCert(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req EngineCertRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	e, err := engineForUpdate(tx, req.EngineID)
	if err != nil {
		return nil, err
	}
	if e.Status != EnginePaired || (req.OldSerial != e.CertSerial && req.OldSerial != e.PrevCertSerial) {
		return nil, cluster.Reject(cluster.CodePrecondition, "engine %s is not paired with that certificate", e.ID)
	}
	e.PrevCertSerial, e.CertSerial = req.OldSerial, req.NewSerial
	return &e, tx.Insert(tableEngines, &e)
}

// EngineFactsRequest stores the host facts of an engine's hello.
type EngineFactsRequest struct {
	EngineID string             `json:"id"`
	Facts    protocol.HostFacts `json:"facts"`
}

func applyEngineFacts(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req EngineFactsRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	e, err := engineForUpdate(tx, req.EngineID)
	if err != nil {
		return nil, err
	}
	e.Host = req.Facts
	return nil, tx.Insert(tableEngines, &e)
}
