package api

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
)

// HandlerTransport is an http.RoundTripper that serves each request with
// Handler in this process instead of sending it over the network, so a
// program embedding a node (the web console) calls the node's own API,
// with its authentication, permission checks and audit, through a Client:
//
//	c, _ := api.New(api.Config{Address: "http://in-process",
//		HTTPClient: &http.Client{Transport: api.HandlerTransport{Handler: node}}})
//	userClient := c.WithToken(sessionToken)
//
// Answers stream: a followed log is read while the handler writes it. The
// handler runs until it returns; closing the answer's body or ending the
// request's context makes its writes fail so it returns.
type HandlerTransport struct {
	Handler http.Handler
	// RemoteAddr is the caller's address the handler sees unless the
	// request's context names one (WithRemoteAddr); default "127.0.0.1:0".
	RemoteAddr string
}

type remoteAddrKey struct{}

// WithRemoteAddr names the address ("ip:port") a HandlerTransport shows the
// handler as the caller's, e.g. the browser's address, so the IP allowlist
// and the audit log see the real caller.
func WithRemoteAddr(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, remoteAddrKey{}, addr)
}

// RoundTrip serves req with the handler.
func (t HandlerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	in := req.Clone(req.Context())
	in.RequestURI = req.URL.RequestURI()
	in.Host = req.URL.Host
	in.RemoteAddr = t.RemoteAddr
	if addr, ok := req.Context().Value(remoteAddrKey{}).(string); ok {
		in.RemoteAddr = addr
	}
	if in.RemoteAddr == "" {
		in.RemoteAddr = "127.0.0.1:0"
	}
	if in.Body == nil {
		in.Body = http.NoBody
	}
	pr, pw := io.Pipe()
	w := &pipeResponse{header: http.Header{}, body: pw, ready: make(chan struct{})}
	go func() {
		defer func() {
			if p := recover(); p != nil {
				_ = pw.CloseWithError(fmt.Errorf("handler panicked: %v", p))
				w.commit(http.StatusInternalServerError)
				return
			}
			w.commit(http.StatusOK)
			_ = pw.Close()
		}()
		t.Handler.ServeHTTP(w, in)
	}()
	select {
	case <-w.ready:
	case <-req.Context().Done():
		_ = pr.CloseWithError(req.Context().Err())
		return nil, req.Context().Err()
	}
	return &http.Response{Status: fmt.Sprintf("%d %s", w.status, http.StatusText(w.status)), StatusCode: w.status,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Header: w.sent, Body: pr, ContentLength: -1, Request: req}, nil
}

// pipeResponse is the handler's side of an in-process answer.
type pipeResponse struct {
	header http.Header
	body   *io.PipeWriter
	once   sync.Once
	ready  chan struct{}
	status int
	sent   http.Header
}

func (w *pipeResponse) Header() http.Header { return w.header }

func (w *pipeResponse) WriteHeader(status int) { w.commit(status) }

func (w *pipeResponse) commit(status int) {
	w.once.Do(func() {
		w.status, w.sent = status, w.header.Clone()
		close(w.ready)
	})
}

func (w *pipeResponse) Write(b []byte) (int, error) {
	w.commit(http.StatusOK)
	return w.body.Write(b)
}

// Flush is a no-op: every write already reaches the reader.
func (w *pipeResponse) Flush() {}
