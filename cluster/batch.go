package cluster

import (
	"encoding/json"
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
		b.hist.bind(b.txn)
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
		b.f.logger.Error("cannot decode log entry", "index", l.Index, "err", err)
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
		// A node must not silently diverge: refuse loudly.
		b.f.logger.Error("cannot decode log entry", "index", index, "err", err)
		res.Err = err
		return res
	}
	txn := b.write()
	if prev, ok := remembered(txn, cmd.ID); ok {
		res.Result, res.Rejection = prev.Result, prev.Rejection
		return res
	}
	if _, ok := b.f.spec.Handlers[cmd.Type]; !ok {
		if !cmd.Ignorable {
			b.f.logger.Error("unknown command type", "index", index, "type", cmd.Type)
		}
		res.Err = fmt.Errorf("unknown command type %q", cmd.Type)
		return res
	}
	result, err := b.f.run(txn, seq, cmd)
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
	b.hist.unbind()
	b.hist.rollback()
	b.f.dedupe.undo()
	pending := b.pending
	b.pending = nil
	for _, p := range pending {
		result, err := b.f.run(b.write(), p.seq, p.cmd)
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
		// History first: see historytx.go. Its store is derived state, a
		// failure here is repaired by the next start (never fsynced).
		b.hist.unbind()
		if err := b.hist.commit(); err != nil {
			b.f.logger.Error("commit history store", "err", err)
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
func (f *fsm) run(txn *memdb.Txn, seq uint64, cmd Command) (json.RawMessage, error) {
	tx := &Tx{Txn: txn, Index: seq, Meta: cmd.Meta}
	value, err := f.spec.Handlers[cmd.Type](tx, cmd)
	if err == nil && f.spec.OnApplied != nil {
		err = f.spec.OnApplied(tx, cmd, value)
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
