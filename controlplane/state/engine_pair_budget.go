package state

import (
	"math"
	"time"

	"github.com/roundhouse/roundhouse/cluster"
	"github.com/roundhouse/roundhouse/protocol"
)

// The cluster's budget of failed pairing attempts per source address: a
// token bucket of PairFailureBurst refilled at PairFailuresPerMinute. It
// lives in the replicated state, so guesses spread over every node draw
// on one budget; a source over it is refused even with a good key until
// the budget refills.
const (
	PairFailuresPerMinute = 10
	PairFailureBurst      = 5
)

// PairFailures is the failure budget of one source address.
type PairFailures struct {
	ID     string    `json:"id"`     // the source address
	Tokens float64   `json:"tokens"` // attempts left at At
	At     time.Time `json:"at"`
}

const (
	tablePairFailures = "pair_failures"
	// CmdEnginePairFailed is replay only: refusals now spend the budget
	// inside CmdEnginePair.
	CmdEnginePairFailed = "engine.pair-failed"
	// pairFailuresPrune bounds the full buckets one failure removes.
	pairFailuresPrune = 64
)

func pairFailureTable() cluster.Table {
	return table(tablePairFailures, func() any { return new(PairFailures) }, idIndex())
}

// pairTokensAt is the budget of b at now; a source without a row has a
// full budget.
func pairTokensAt(b *PairFailures, now time.Time) float64 {
	if b == nil {
		return PairFailureBurst
	}
	refill := now.Sub(b.At).Minutes() * PairFailuresPerMinute
	return math.Min(PairFailureBurst, b.Tokens+math.Max(refill, 0))
}

// checkPairBudget refuses a pairing attempt from a source with no failed
// attempts left.
func checkPairBudget(txn Reader, source string, now time.Time) error {
	if source == "" {
		return nil
	}
	if pairTokensAt(first[PairFailures](txn, tablePairFailures, "id", source), now) < 1 {
		return pairRefusal(protocol.ErrPairRateLimited)
	}
	return nil
}

// EnginePairFailedRequest spends one failed attempt of Source's budget
// (CmdEnginePairFailed, replay only).
type EnginePairFailedRequest struct {
	Source string `json:"source"`
}

func applyEnginePairFailed(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req EnginePairFailedRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	if req.Source == "" {
		return nil, cluster.Reject(cluster.CodeInvalid, "a failed pairing attempt needs its source address")
	}
	return nil, spendPairBudget(tx, req.Source, cmd.Meta.Time)
}

// spendPairBudget spends one failed attempt of source's budget.
func spendPairBudget(tx *cluster.Tx, source string, now time.Time) error {
	if err := prunePairFailures(tx, now); err != nil {
		return err
	}
	cur := first[PairFailures](tx.Reader, tablePairFailures, "id", source)
	next := PairFailures{ID: source, Tokens: math.Max(pairTokensAt(cur, now)-1, 0), At: now}
	return tx.Insert(tablePairFailures, &next)
}

// prunePairFailures drops buckets that are full again (a source that
// stopped failing); they mean the same as no row.
func prunePairFailures(tx *cluster.Tx, now time.Time) error {
	var full []*PairFailures
	for _, b := range all[PairFailures](tx.Reader, tablePairFailures, "id") {
		if pairTokensAt(b, now) >= PairFailureBurst {
			full = append(full, b)
		}
		if len(full) == pairFailuresPrune {
			break
		}
	}
	for _, b := range full {
		if err := tx.Delete(tablePairFailures, b); err != nil {
			return err
		}
	}
	return nil
}
