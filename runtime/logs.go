package runtime

import (
	"context"
	"path/filepath"
	"time"

	"github.com/roundhouse/roundhouse/plugins"
)

// logCursorEvery bounds how often the log position is saved: after an
// agent restart at most this much of a workload's log is sent twice.
const logCursorEvery = time.Second

func (w *workload) pumpLogs(ctx context.Context) {
	cursor := filepath.Join(w.dir, logCursorFile)
	var from uint64
	acked := false
	if w.s.cfg.LogFrom != nil {
		from, acked = w.s.cfg.LogFrom(w.id)
	}
	if !acked {
		_ = readJSON(cursor, &from) // a fresh workload has none
	}
	saved, savedAt := from, time.Time{} // the first line is saved at once
	save := func() {
		if from != saved && !acked {
			_ = writeJSON(cursor, from)
			saved, savedAt = from, time.Now()
		}
	}
	defer save()
	for attempt := 0; attempt < 50; attempt++ {
		err := w.rpc.Logs(ctx, plugins.LogsRequest{From: from}, func(l plugins.LogLine) error {
			from = l.Seq + 1
			if len(l.Text) > plugins.MaxLogMessage {
				l.Text, l.Truncated = l.Text[:plugins.MaxLogMessage], true
			}
			if w.s.cfg.OnLog != nil {
				w.s.cfg.OnLog(w.id, l)
			}
			if time.Since(savedAt) > logCursorEvery {
				save()
			}
			return nil
		})
		if err == nil || ctx.Err() != nil || !w.rec.Plugin.alive() {
			return
		}
		select {
		case <-time.After(100 * time.Millisecond):
		case <-ctx.Done():
			return
		}
	}
}
