package agent

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/quic-go/quic-go"

	"github.com/roundhouse/roundhouse/protocol"
)

// workLink is the session stream of one session (protocol version 3):
// everything the agent says goes on it (heartbeats, renewals, statuses,
// log batches, deployment reports), and everything the server says comes
// back on it. Writes are serialised so a frame is never interleaved with
// another; answers are handed from the stream's reader to the waiting
// request.
type workLink struct {
	conn *quic.Conn
	str  *quic.Stream

	mu      sync.Mutex
	acks    chan *protocol.HeartbeatAck
	replies chan protocol.Message // RenewResponse or Error
}

func newWorkLink(conn *quic.Conn, str *quic.Stream) *workLink {
	return &workLink{conn: conn, str: str, acks: make(chan *protocol.HeartbeatAck, 1), replies: make(chan protocol.Message, 1)}
}

func (l *workLink) send(m protocol.Message) error {
	return l.sendAll(m)
}

// sendAll writes msgs in one write, so they leave in one packet when
// they fit (a heartbeat and the report riding with it).
func (l *workLink) sendAll(msgs ...protocol.Message) error {
	var b []byte
	for _, m := range msgs {
		f, err := protocol.Encode(m)
		if err != nil {
			return err
		}
		if b, err = protocol.AppendFrame(b, f); err != nil {
			return err
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	_ = l.str.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if _, err := l.str.Write(b); err != nil {
		return fmt.Errorf("write frame: %w", err)
	}
	return nil
}

// openStream announces a stream on the session stream (StreamOpen: the
// server accepts one stream per announcement) and opens it.
func (l *workLink) openStream(ctx context.Context) (*quic.Stream, error) {
	if err := l.send(&protocol.StreamOpen{}); err != nil {
		return nil, fmt.Errorf("announce stream: %w", err)
	}
	return l.conn.OpenStreamSync(ctx)
}

// deliver hands an answer to its waiter; with none waiting, it replaces
// an unclaimed older one (a late answer to a request that timed out).
func deliver[T any](ch chan T, v T) {
	for {
		select {
		case ch <- v:
			return
		default:
		}
		select {
		case <-ch:
		default:
		}
	}
}

// drain drops an unclaimed answer before a new request.
func drain[T any](ch chan T) {
	select {
	case <-ch:
	default:
	}
}

// heartbeat sends one heartbeat, after the messages riding with it in
// the same write, and waits for its ack within timeout.
func (l *workLink) heartbeat(ctx context.Context, hb *protocol.Heartbeat, timeout time.Duration, with ...protocol.Message) error {
	drain(l.acks)
	if err := l.sendAll(append(with, hb)...); err != nil {
		return err
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-l.conn.Context().Done():
			return context.Cause(l.conn.Context())
		case <-t.C:
			return fmt.Errorf("no heartbeat ack within %s", timeout)
		case ack := <-l.acks:
			if ack.Seq == hb.Seq {
				return nil
			}
		}
	}
}

// request sends m and waits for its answer (RenewResponse, or Error
// returned as the error) within timeout. One request at a time.
func (l *workLink) request(ctx context.Context, m protocol.Message, timeout time.Duration) (protocol.Message, error) {
	drain(l.replies)
	if err := l.send(m); err != nil {
		return nil, err
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-l.conn.Context().Done():
		return nil, context.Cause(l.conn.Context())
	case <-t.C:
		return nil, fmt.Errorf("no answer within %s", timeout)
	case r := <-l.replies:
		if e, ok := r.(*protocol.Error); ok {
			return nil, e
		}
		return r, nil
	}
}

// startWork opens the session's work: WorkOpen with what the agent
// holds, then the executor and the deployer send on the link.
func (a *Agent) startWork(link *workLink) error {
	if err := link.send(&protocol.WorkOpen{Running: a.exec.running(), Known: a.exec.known()}); err != nil {
		return err
	}
	a.exec.attach(link)
	a.deploy.sessionStarted(link)
	return nil
}

// readSession reads the session stream until it ends: answers go to
// their waiters, work messages to the executor and the deployer.
func (a *Agent) readSession(link *workLink) error {
	for {
		m, err := protocol.ReadMessage(link.str)
		if err != nil {
			return err
		}
		switch msg := m.(type) {
		case *protocol.HeartbeatAck:
			deliver(link.acks, msg)
		case *protocol.RenewResponse, *protocol.Error:
			deliver(link.replies, m)
		default:
			if a.exec != nil {
				a.takeWork(m)
			}
		}
	}
}

// takeWork acts on a message the server pushed.
func (a *Agent) takeWork(m protocol.Message) {
	switch msg := m.(type) {
	case *protocol.StartExecution:
		a.exec.start(msg)
	case *protocol.StopExecution:
		a.exec.stop(msg)
	case *protocol.StatusAck:
		a.exec.acked(msg)
	case *protocol.LogAck:
		a.exec.logAcked(msg)
	case *protocol.Deploy:
		a.deploy.deploy(msg)
	case *protocol.Undeploy:
		a.deploy.undeploy(msg)
	}
}
