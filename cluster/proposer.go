package cluster

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/hashicorp/raft"
)

// Group commit: the leader proposes the writes that arrive while earlier
// entries are still being committed as one log entry, so raft's cost per
// entry (log store, replication, futures) is paid once per group instead
// of once per write. Nothing waits for a group to fill: while fewer than
// groupsInFlight entries are uncommitted a write is proposed at once, so
// a lone write is not delayed; under load, writes queue behind the
// entries in flight and leave together. Each command keeps its own ID,
// dedupe row, outcome and Tx.Index; the FSM applies a group exactly as the
// same commands in separate entries (batch.go).

// groupsInFlight is how many group entries may await commit at once:
// two let one be written while the other replicates.
const groupsInFlight = 2

// errProposerStopped is returned to writes still queued at shutdown.
var errProposerStopped = errors.New("node is shutting down")

type proposal struct {
	data []byte // one encoded command
	done chan proposalOutcome
}

type proposalOutcome struct {
	res *applyResult
	err error
}

// proposer owns the grouping loop and the goroutines awaiting each group.
type proposer struct {
	raft    *raft.Raft
	max     int
	queue   chan *proposal
	slots   chan struct{}
	stopped chan struct{}
	wg      sync.WaitGroup
}

func newProposer(r *raft.Raft, maxGroup int) *proposer {
	return &proposer{
		raft:    r,
		max:     maxGroup,
		queue:   make(chan *proposal, 4*maxGroup),
		slots:   make(chan struct{}, groupsInFlight),
		stopped: make(chan struct{}),
	}
}

// propose hands one encoded command to the loop and waits for its outcome.
func (p *proposer) propose(ctx context.Context, data []byte) (*applyResult, error) {
	if p.max == 1 {
		// No grouping: every write its own entry, as many in flight as
		// there are writers (raft still batches their disk writes).
		f := p.raft.Apply(data, 0)
		if err := awaitFuture(ctx, f); err != nil {
			return nil, err
		}
		res, err := groupResults(f.Response(), 1)
		if err != nil {
			return nil, err
		}
		return res[0], nil
	}
	pr := &proposal{data: data, done: make(chan proposalOutcome, 1)}
	select {
	case p.queue <- pr:
	case <-p.stopped:
		return nil, errProposerStopped
	case <-ctx.Done():
		return nil, fmt.Errorf("queue write: %w", ctx.Err())
	}
	select {
	case out := <-pr.done:
		return out.res, out.err
	case <-p.stopped:
		return nil, errProposerStopped
	case <-ctx.Done():
		return nil, fmt.Errorf("wait for raft: %w", ctx.Err())
	}
}

// run groups queued proposals until ctx ends, then waits for the
// goroutines awaiting groups in flight.
func (p *proposer) run(ctx context.Context) {
	defer func() {
		close(p.stopped)
		p.wg.Wait()
	}()
	for {
		var first *proposal
		select {
		case <-ctx.Done():
			return
		case first = <-p.queue:
		}
		select { // while the entries in flight commit, more writes queue
		case <-ctx.Done():
			return
		case p.slots <- struct{}{}:
		}
		group := []*proposal{first}
	fill:
		for len(group) < p.max {
			select {
			case pr := <-p.queue:
				group = append(group, pr)
			default:
				break fill
			}
		}
		p.wg.Add(1)
		go p.commit(ctx, group)
	}
}

// commit proposes one group and hands each write its outcome.
func (p *proposer) commit(ctx context.Context, group []*proposal) {
	defer p.wg.Done()
	defer func() { <-p.slots }()
	data := group[0].data
	if len(group) > 1 {
		cmds := make([][]byte, len(group))
		for i, pr := range group {
			cmds[i] = pr.data
		}
		data = encodeGroup(cmds)
	}
	f := p.raft.Apply(data, 0) // the writers' contexts bound their wait
	if err := awaitFuture(ctx, f); err != nil {
		for _, pr := range group {
			pr.done <- proposalOutcome{err: err}
		}
		return
	}
	results, err := groupResults(f.Response(), len(group))
	for i, pr := range group {
		if err != nil {
			pr.done <- proposalOutcome{err: err}
			continue
		}
		pr.done <- proposalOutcome{res: results[i]}
	}
}

// groupResults reads the FSM's answer to an entry of n commands.
func groupResults(resp any, n int) ([]*applyResult, error) {
	switch r := resp.(type) {
	case *applyResult:
		if r == nil {
			break
		}
		if n == 1 {
			return []*applyResult{r}, nil
		}
		// The whole group entry failed to decode.
		out := make([]*applyResult, n)
		for i := range out {
			out[i] = r
		}
		return out, nil
	case []*applyResult:
		if len(r) == n {
			return r, nil
		}
	}
	return nil, errors.New("apply: no result from state machine")
}
