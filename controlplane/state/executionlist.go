package state

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"github.com/roundhouse/roundhouse/cluster"
)

// listed is one execution matching a list filter: from memdb (row set) or
// from history (only its key, decoded if it lands on the page).
type listed struct {
	order []byte // trigger time key then ID: newest first is descending
	id    string
	row   *Execution
}

// ListExecutions returns one page of executions matching f, newest first,
// and the total number that match. Unfinished executions come from
// memdb, finished ones from the history store's indexes (by task, by
// engine or by trigger time, within the time range); only the rows of
// the page are decoded. An error is a failed read of the history store.
func ListExecutions(txn Reader, f ExecutionFilter) ([]*Execution, int, error) {
	live, inMemdb := liveMatches(txn, f)
	total := len(live)
	page := rowsOf(pageOf(live, f))
	err := readHistory(txn, func(v *cluster.HistoryView) error {
		finished, err := historyMatches(v, f, inMemdb)
		if err != nil {
			return err
		}
		all := mergeNewestFirst(live, finished)
		total = len(all)
		page, err = decodePage(v, all, f)
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("list executions: %w", err)
	}
	if page == nil {
		page = []*Execution{}
	}
	return page, total, nil
}

// liveMatches returns the memdb executions matching f, newest first, and
// the IDs of every memdb execution.
func liveMatches(txn Reader, f ExecutionFilter) ([]listed, map[string]bool) {
	ids := map[string]bool{}
	var out []listed
	for _, e := range all[Execution](txn, tableExecutions, "id") {
		ids[e.ID] = true
		if f.matches(e) {
			out = append(out, listed{order: append(cluster.TimeKey(e.TriggerTime), e.ID...), id: e.ID, row: e})
		}
	}
	sort.Slice(out, func(i, j int) bool { return bytes.Compare(out[i].order, out[j].order) > 0 })
	return out, ids
}

// historyMatches scans the most selective index for f, newest first, and
// filters on the entries' tags.
func historyMatches(v *cluster.HistoryView, f ExecutionFilter, skip map[string]bool) ([]listed, error) {
	index, prefix := "triggered", []byte(nil)
	switch {
	case f.TaskID != "":
		index, prefix = "task", prefixKey(f.TaskID)
	case f.EngineID != "":
		index, prefix = "engine", prefixKey(f.EngineID)
	}
	r := cluster.HistoryRange{From: prefix, To: prefixEnd(prefix), Reverse: true}
	if !f.From.IsZero() {
		r.From = append(append([]byte(nil), prefix...), cluster.TimeKey(f.From)...)
	}
	if !f.To.IsZero() {
		r.To = append(append([]byte(nil), prefix...), cluster.TimeKey(f.To)...)
	}
	var out []listed
	err := v.Scan(historyExecutions, index, r, func(e cluster.HistoryEntry) bool {
		if skip[string(e.Key)] || !f.matchesTag(parseExecutionTag(e.Tag)) {
			return true
		}
		at := e.IndexKey[len(e.IndexKey)-8:]
		out = append(out, listed{order: append(append(make([]byte, 0, 8+len(e.Key)), at...), e.Key...), id: string(e.Key)})
		return true
	})
	return out, err
}

// matchesTag is matches for what a history tag holds (the index scan
// already chose task and time range).
func (f ExecutionFilter) matchesTag(t executionTag) bool {
	switch {
	case f.Status != "" && f.Status != t.status && !strings.EqualFold(f.Status, ShortStatus(t.status)):
		return false
	case f.EngineID != "" && f.EngineID != t.engineID:
		return false
	case f.Visible != nil && !f.Visible(t.workspaceID):
		return false
	}
	return true
}

func mergeNewestFirst(a, b []listed) []listed {
	out := make([]listed, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if bytes.Compare(a[0].order, b[0].order) >= 0 {
			out, a = append(out, a[0]), a[1:]
		} else {
			out, b = append(out, b[0]), b[1:]
		}
	}
	return append(append(out, a...), b...)
}

func pageOf(all []listed, f ExecutionFilter) []listed {
	if f.Offset >= len(all) {
		return nil
	}
	end := len(all)
	if f.Limit > 0 && f.Offset+f.Limit < end {
		end = f.Offset + f.Limit
	}
	return all[f.Offset:end]
}

func rowsOf(ls []listed) []*Execution {
	out := make([]*Execution, 0, len(ls))
	for _, l := range ls {
		out = append(out, l.row)
	}
	return out
}

// decodePage returns the rows of f's page, reading history rows in v.
func decodePage(v *cluster.HistoryView, all []listed, f ExecutionFilter) ([]*Execution, error) {
	ls := pageOf(all, f)
	for i := range ls {
		if ls[i].row != nil {
			continue
		}
		row := new(Execution)
		if _, err := v.Get(historyExecutions, []byte(ls[i].id), row); err != nil {
			return nil, err
		}
		ls[i].row = row
	}
	return rowsOf(ls), nil
}
