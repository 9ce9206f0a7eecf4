package protocol

import (
	"context"
	"fmt"
	"time"

	"github.com/quic-go/quic-go"
)

// Request sends m on a stream of its own and reads the one answer within
// timeout: how a version-2 engine session says Hello, heartbeats and
// renews, and how pairing asks. An Error answer is returned as the error.
func Request(ctx context.Context, conn *quic.Conn, m Message, timeout time.Duration) (Message, error) {
	rctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	str, err := conn.OpenStreamSync(rctx)
	if err != nil {
		return nil, fmt.Errorf("open stream: %w", err)
	}
	defer str.CancelRead(0) // the server's FIN need not be read
	_ = str.SetDeadline(time.Now().Add(timeout))
	if err := WriteMessage(str, m); err != nil {
		str.CancelWrite(0)
		return nil, err
	}
	// The server may stop reading as soon as it has the request, before
	// this FIN: a failed Close loses nothing.
	_ = str.Close()
	reply, err := ReadMessage(str)
	if err != nil {
		return nil, err
	}
	// The server sends its FIN with the reply: reading it ends the stream
	// without a STOP_SENDING frame (the deferred CancelRead is then a no-op).
	var b [1]byte
	_, _ = str.Read(b[:])
	if e, ok := reply.(*Error); ok {
		return nil, e
	}
	return reply, nil
}
