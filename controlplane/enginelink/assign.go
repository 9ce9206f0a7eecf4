package enginelink

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/quic-go/quic-go"

	"github.com/roundhouse/roundhouse/protocol"
)

// workStream is the server's end of an engine's work stream; writes are
// serialised (assignments, acks).
type workStream struct {
	str *quic.Stream
	mu  sync.Mutex
}

func (w *workStream) send(m protocol.Message) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	_ = w.str.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return protocol.WriteMessage(w.str, m)
}

// serveWork serves a version-2 work stream: it pushes the engine's
// assignments and deployment requests and takes its statuses and logs
// until the stream or the session ends.
func (s *Server) serveWork(ctx context.Context, ss *session, str *quic.Stream, open *protocol.WorkOpen) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	w := &workStream{str: str}
	s.startWatch(ctx, ss.engineID, w, open, &wg, func(error) { str.CancelRead(0) }) // ends the reader below
	for {
		m, err := protocol.ReadMessage(str)
		if err != nil {
			return
		}
		s.takeWork(ctx, ss.engineID, w, m, &wg)
	}
}

// startWatch starts the session's one watcher of its work (assignments
// and deployment requests, see watchWork); fail is called, with the
// reason, when it ends on a failed send while the session lives.
func (s *Server) startWatch(ctx context.Context, engineID string, w *workStream, open *protocol.WorkOpen, wg *sync.WaitGroup, fail func(error)) {
	wg.Go(func() {
		if err := s.watchWork(ctx, engineID, w, open); err != nil && ctx.Err() == nil {
			s.cfg.Logger.Warn("work watcher failed: ending the engine's work stream", "engine", engineID, "err", err)
			fail(fmt.Errorf("work watcher: %w", err))
		}
	})
}

// takeWork handles one work message an engine sent: statuses (recorded
// beside the reader, acknowledged once recorded), log batches and
// deployment messages (inline, in arrival order).
func (s *Server) takeWork(ctx context.Context, engineID string, w *workStream, m protocol.Message, wg *sync.WaitGroup) {
	switch msg := m.(type) {
	case *protocol.ExecutionStatus:
		wg.Go(func() { s.report(ctx, engineID, w, msg) })
	case *protocol.LogBatch:
		lctx, lcancel := context.WithTimeout(ctx, s.cfg.RequestTimeout)
		defer lcancel()
		if err := s.work.AppendLogs(lctx, engineID, msg); err != nil {
			s.cfg.Logger.Warn("engine logs not stored", "engine", engineID, "execution", msg.ExecutionID, "err", err)
		} else if ack := logAck(msg); ack != nil {
			_ = w.send(ack)
		}
	default:
		s.takeDeploymentMessage(ctx, engineID, w, msg)
	}
}

// report records a status, retrying while the failure is transient (no
// leader yet), and acknowledges it once recorded. Without an ack the
// agent sends it again at its next session.
func (s *Server) report(ctx context.Context, engineID string, w *workStream, st *protocol.ExecutionStatus) {
	delay := 50 * time.Millisecond
	for {
		rctx, cancel := context.WithTimeout(ctx, s.cfg.RequestTimeout)
		err := s.work.ReportStatus(rctx, engineID, st)
		cancel()
		if err == nil {
			_ = w.send(&protocol.StatusAck{ExecutionID: st.ExecutionID, Attempt: st.Attempt, Status: st.Status})
			return
		}
		if ctx.Err() != nil {
			return
		}
		s.cfg.Logger.Debug("engine status not recorded yet; retrying", "engine", engineID, "execution", st.ExecutionID, "err", err)
		if !sleepCtx(ctx, delay) {
			return
		}
		delay = min(2*delay, time.Second)
	}
}

// watchWork follows the local replica for one engine: it sends each
// execution waiting for the engine once per session, a stop for one a
// user stops or one that ended here while the engine had it (a timeout),
// and each pending deployment request once per session. One goroutine
// per session waits for either to change.
func (s *Server) watchWork(ctx context.Context, engineID string, w *workStream, open *protocol.WorkOpen) error {
	skip, err := s.reconcile(ctx, engineID, open, w)
	if err != nil {
		return err
	}
	as := assigner{skip: skip, started: map[string]bool{}, stopped: map[string]bool{}}
	dw, _ := s.work.(DeploymentWork)
	dp := deployPusher{sent: map[string]bool{}}
	for {
		// Taken before the reads: a snapshot installed after them closes it.
		replaced := s.replaced()
		assigned, err := as.step(s.work, engineID, w)
		if err != nil {
			return err
		}
		var deployed <-chan struct{}
		if dw != nil {
			if deployed, err = dp.step(dw, engineID, w); err != nil {
				return err
			}
		}
		if !awaitChange(ctx, assigned, deployed, replaced) {
			return nil
		}
	}
}

// assigner is what a session has sent of the engine's executions.
type assigner struct {
	skip, started, stopped map[string]bool
}

// step sends what changed since the last step and returns the channel
// closed on the next change.
func (as *assigner) step(work Work, engineID string, w *workStream) (<-chan struct{}, error) {
	list, changed := work.Assignments(engineID)
	current := make(map[string]bool, len(list))
	for _, a := range list {
		key := a.ExecutionID + "/" + strconv.Itoa(a.Attempt)
		current[key] = true
		if a.Start != nil && !as.started[key] && !as.skip[key] {
			as.started[key] = true
			if err := w.send(a.Start); err != nil {
				return nil, err
			}
		}
		if a.Stop && !as.stopped[key] {
			as.stopped[key] = true
			as.started[key] = true
			if err := w.send(&protocol.StopExecution{ExecutionID: a.ExecutionID, Attempt: a.Attempt, Reason: "stopped by a user"}); err != nil {
				return nil, err
			}
		}
		if a.Start == nil {
			as.started[key] = true // running: stop it if it ends here
		}
	}
	for key := range as.started {
		if current[key] {
			continue
		}
		delete(as.started, key)
		delete(as.stopped, key)
		id, attempt := splitKey(key)
		// Ended without the engine's word (a timeout) or with it (then the
		// engine has nothing running and ignores this).
		if err := w.send(&protocol.StopExecution{ExecutionID: id, Attempt: attempt, Reason: "ended by the control plane"}); err != nil {
			return nil, err
		}
	}
	return changed, nil
}

func splitKey(key string) (string, int) {
	for i := len(key) - 1; i >= 0; i-- {
		if key[i] == '/' {
			n, _ := strconv.Atoi(key[i+1:])
			return key[:i], n
		}
	}
	return key, 0
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// serveArtifact streams an archive: a header, then its raw bytes.
func (s *Server) serveArtifact(ctx context.Context, ss *session, str *quic.Stream, req *protocol.ArtifactRequest) {
	rc, size, err := s.work.OpenArtifact(ctx, req.Digest)
	if err != nil {
		code := protocol.CodeUnavailable
		if errors.Is(err, ErrArtifactNotFound) {
			code = protocol.CodeArtifactNotFound
		}
		s.cfg.Logger.Warn("artifact not served", "engine", ss.engineID, "digest", req.Digest, "err", err)
		_ = protocol.WriteMessage(str, &protocol.Error{Code: code, Message: "artifact " + req.Digest + ": " + err.Error()})
		return
	}
	defer rc.Close()
	if err := protocol.WriteMessage(str, &protocol.ArtifactHeader{Digest: req.Digest, Size: size}); err != nil {
		return
	}
	if _, err := copyCtx(ctx, str, rc); err != nil {
		s.cfg.Logger.Debug("artifact download interrupted", "engine", ss.engineID, "digest", req.Digest, "err", err)
		str.CancelWrite(0)
	}
}

// awaitChange waits until any channel is closed (a nil one never is);
// false once ctx ends.
func awaitChange(ctx context.Context, a, b, c <-chan struct{}) bool {
	select {
	case <-ctx.Done():
		return false
	case <-a:
	case <-b:
	case <-c:
	}
	return true
}

// replaced is the channel closed when the replica is next replaced; nil
// (never closed) without Config.Replaced.
func (s *Server) replaced() <-chan struct{} {
	if s.cfg.Replaced == nil {
		return nil
	}
	return s.cfg.Replaced()
}
