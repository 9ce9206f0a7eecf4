package agent

import (
	"context"
	"sync"
	"time"

	"github.com/quic-go/quic-go"

	"github.com/roundhouse/roundhouse/protocol"
)

// workLink is the live work stream of one session: assignments arrive on
// it, statuses and log batches leave on it. Writes are serialised so a
// frame is never interleaved with another.
type workLink struct {
	conn *quic.Conn
	str  *quic.Stream

	mu sync.Mutex
}

func (l *workLink) send(m protocol.Message) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	_ = l.str.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return protocol.WriteMessage(l.str, m)
}

// serveWork opens the work stream of a session and handles what the
// server sends on it until the stream or ctx ends.
func (a *Agent) serveWork(ctx context.Context, conn *quic.Conn) error {
	str, err := conn.OpenStreamSync(ctx)
	if err != nil {
		return err
	}
	link := &workLink{conn: conn, str: str}
	if err := link.send(&protocol.WorkOpen{Running: a.exec.running(), Known: a.exec.known()}); err != nil {
		return err
	}
	a.exec.attach(link)
	defer a.exec.detach(link)
	a.deploy.sessionStarted(link)
	stop := context.AfterFunc(ctx, func() { str.CancelRead(0) })
	defer stop()
	for {
		m, err := protocol.ReadMessage(str)
		if err != nil {
			return err
		}
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
}
