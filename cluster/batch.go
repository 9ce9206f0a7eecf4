package cluster

import (
	"encoding/json"
	"errors"
	"fmt"

	memdb "github.com/hashicorp/go-memdb"
	"github.com/hashicorp/raft"
)

// A batch applies the commands of one raft batch in a single memdb write
// transaction: the radix paths they share are copied once and committed
// once, instead of once per command (a third of the FSM's CPU).
//
// A command that fails or is rejected must leave nothing behind, but
// memdb cannot undo part of a transaction. So on a failure the batch
// aborts the transaction, applies again the commands that succeeded
// before it (handlers are deterministic: same state, same command, same
// outcome), records the rejection and commits: a checkpoint, so each
// command is applied at most twice whatever the mix. The outcome and the
// state are those of applying one command at a time, which replicas with
// other batch boundaries (followers, a restart replaying the log) do.
//
// A command that meets a failed read or a failed history write, a command
// type this node does not know, or a log entry it cannot decode stops the
// node (see fsm.stop) before the batch commits: the other replicas applied
// what this one cannot, and going on would make it decide differently.
type batch struct {
	f       *fsm
	db      *memdb.MemDB
	txn     *memdb.Txn // nil until the first write since the last commit
	pending []pendingCommand
	hist    historyBatch // the history store's side (historytx.go)
}

// pendingCommand is a command applied in the open transaction.
type pendingCommand struct {
	seq uint64 // Tx.Index
	cmd Command
	res *applyResult
}

func (b *batch) write() *memdb.Txn {
	if b.txn == nil {
		b.txn = b.db.Txn(true)
	}
	return b.txn
}

// applyEntry applies a log entry's command, or each command of a group
// entry, which then answers with one result per command.
func (b *batch) applyEntry(l *raft.Log) any {
	if len(l.Data) == 0 || l.Data[0] != encodingGroup {
		return b.apply(l.Index, l.Index*maxGroup, l.Data)
	}
	cmds, err := splitGroup(l.Data)
	if err != nil {
		b.f.stop(l.Index, "", fmt.Errorf("cannot decode log entry: %w", err))
		return &applyResult{Index: l.Index, Err: err}
	}
	out := make([]*applyResult, len(cmds))
	for i, data := range cmds {
		out[i] = b.apply(l.Index, l.Index*maxGroup+uint64(i), data)
	}
	return out
}

// apply applies one encoded command of the entry at index; seq is its
// Tx.Index.
func (b *batch) apply(index, seq uint64, data []byte) *applyResult {
	res := &applyResult{Index: index}
	cmd, err := decodeCommand(data)
	if err != nil {
		b.f.stop(index, "", fmt.Errorf("cannot decode log entry: %w", err))
		res.Err = err
		return res
	}
	txn := b.write()
	prev, err := remembered(txn, cmd.ID)
	if err != nil {
		b.f.stop(index, cmd.Type, &StoreError{Op: "read", What: tableApplied, Err: err})
	}
	if prev != nil {
		res.Result, res.Rejection = prev.Result, prev.Rejection
		return res
	}
	if err := b.f.knows(cmd); err != nil {
		if !cmd.Ignorable {
			b.f.stop(index, cmd.Type, err)
		}
		res.Err = err
		return res
	}
	result, err := b.f.run(txn, &b.hist, seq, cmd)
	if err == nil {
		res.Result = result
		b.pending = append(b.pending, pendingCommand{seq: seq, cmd: cmd, res: res})
		return res
	}
	b.rollback()
	if rej, ok := AsRejection(err); ok {
		// Rejections are deterministic: remember them too so that a
		// retry gets the same answer. Only the dedupe row is written.
		res.Rejection = rej
		if err := b.f.dedupe.remember(b.write(), cmd, nil, rej); err != nil {
			b.f.logger.Error("remember rejection", "index", index, "type", cmd.Type, "err", err)
			b.rollback()
		}
		b.commit()
		return res
	}
	b.f.logger.Error("command failed", "index", index, "type", cmd.Type, "err", err)
	res.Err = err
	b.commit()
	return res
}

// rollback drops the open transaction and applies the pending commands
// again in a fresh one.
func (b *batch) rollback() {
	if b.txn != nil {
		b.txn.Abort()
		b.txn = nil
	}
	b.hist.rollback()
	b.f.dedupe.undo()
	pending := b.pending
	b.pending = nil
	for _, p := range pending {
		result, err := b.f.run(b.write(), &b.hist, p.seq, p.cmd)
		if err != nil {
			// Only a handler that is not deterministic gets here.
			b.f.logger.Error("command failed when applied again", "index", p.res.Index, "type", p.cmd.Type, "err", err)
			b.rollback()
			p.res.Result, p.res.Err = nil, fmt.Errorf("apply %s again: %w", p.cmd.Type, err)
			continue
		}
		p.res.Result = result
		b.pending = append(b.pending, p)
	}
}

// commit makes the open transaction visible to readers.
func (b *batch) commit() {
	if b.txn != nil {
		// History first: see reader.go. Its store is derived state,
		// rebuilt at every start (never fsynced): a node that cannot
		// commit it stops, and its restart repairs it.
		if err := b.hist.commit(); err != nil {
			b.f.stop(0, "", &StoreError{Op: "write", What: "history store", Err: err})
		}
		b.txn.Commit()
		b.txn = nil
	}
	b.f.dedupe.commit()
	b.pending = b.pending[:0]
}

// run applies one command in txn: its handler, the OnApplied hook and the
// dedupe row. It returns the encoded result, or why the command failed
// (a *Rejection or an internal error); txn then holds partial writes.
// A failed read or history write stops the node, whatever the handler
// made of it.
func (f *fsm) run(txn *memdb.Txn, hist *historyBatch, seq uint64, cmd Command) (json.RawMessage, error) {
	defer func() {
		if v := recover(); v != nil {
			if s, ok := v.(*NodeStop); ok {
				panic(s)
			}
			f.stop(seq/maxGroup, cmd.Type, fmt.Errorf("handler panicked: %v", v))
		}
	}()
	tx := newTx(txn, hist, seq, cmd.Meta)
	value, err := f.spec.Handlers[cmd.Type](tx, cmd)
	if err == nil && f.spec.OnApplied != nil {
		err = f.spec.OnApplied(tx, cmd, value)
	}
	var storeErr *StoreError
	if errors.As(err, &storeErr) {
		f.stop(seq/maxGroup, cmd.Type, storeErr)
	} else if rerr := tx.Err(); rerr != nil {
		f.stop(seq/maxGroup, cmd.Type, rerr)
	}
	if err != nil {
		if _, ok := AsRejection(err); ok {
			return nil, err
		}
		return nil, fmt.Errorf("apply %s: %w", cmd.Type, err)
	}
	var result json.RawMessage
	if value != nil {
		if result, err = json.Marshal(value); err != nil {
			return nil, fmt.Errorf("encode %s result: %w", cmd.Type, err)
		}
	}
	if err := f.dedupe.remember(txn, cmd, result, nil); err != nil {
		return nil, fmt.Errorf("record %s: %w", cmd.Type, err)
	}
	return result, nil
}
