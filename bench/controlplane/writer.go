package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// writer is one load-generating API client: a kept-alive HTTP/1.1
// connection on which it sends its writes one after another, as a real
// client's connection does. It formats its requests itself and reads the
// answers with net/http's ReadResponse: the Transport (two goroutines and
// their channels per connection) cost the shared 2-core host about a
// fifth of what the three servers spent per write, CPU taken from the
// cluster under test.
type writer struct {
	addr string
	conn net.Conn
	br   *bufio.Reader
	buf  []byte
}

// writeTimeout bounds one write, as the net/http client's Timeout did.
const writeTimeout = 15 * time.Second

// createEnvironment sends one POST /orchestration/environments and
// expects 201 (see client.createEnvironment).
func (w *writer) createEnvironment(ctx context.Context, name string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if w.conn == nil {
		d := net.Dialer{Timeout: writeTimeout}
		conn, err := d.DialContext(ctx, "tcp", w.addr)
		if err != nil {
			return err
		}
		w.conn, w.br = conn, bufio.NewReader(conn)
	}
	body, _ := json.Marshal(map[string]string{"name": name})
	w.buf = fmt.Appendf(w.buf[:0], "POST /orchestration/environments HTTP/1.1\r\nHost: %s\r\n"+
		"Authorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		w.addr, benchToken, len(body), body)
	status, answer, err := w.roundTrip()
	if err != nil {
		w.close() // the connection's state is unknown: start afresh
		return err
	}
	if status != http.StatusCreated {
		return fmt.Errorf("POST /orchestration/environments: %d %s", status, answer)
	}
	return nil
}

func (w *writer) roundTrip() (int, []byte, error) {
	if err := w.conn.SetDeadline(time.Now().Add(writeTimeout)); err != nil {
		return 0, nil, err
	}
	if _, err := w.conn.Write(w.buf); err != nil {
		return 0, nil, err
	}
	resp, err := http.ReadResponse(w.br, nil)
	if err != nil {
		return 0, nil, err
	}
	answer, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if err != nil {
		return 0, nil, err
	}
	if resp.Close {
		w.close()
	}
	return resp.StatusCode, answer, nil
}

func (w *writer) close() {
	if w.conn != nil {
		w.conn.Close()
		w.conn, w.br = nil, nil
	}
}
