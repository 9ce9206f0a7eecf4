package cptest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/api"
	"github.com/roundhouse/roundhouse/cluster"
	"github.com/roundhouse/roundhouse/controlplane"
	"github.com/roundhouse/roundhouse/internal/testnet"
)

// AdminToken is the bootstrap administrator's token of every test server.
const AdminToken = "rhp_cptest-admin-token-0123456789abcdefghijklmnopq"

// Server is a running single-node control plane.
type Server struct {
	*controlplane.Server
	URL string
}

// Start runs a bootstrapped single-node control plane until the test ends.
// mutate may adjust the config (heartbeat timings, ...) before start.
func Start(t testing.TB, mutate ...func(*controlplane.Config)) *Server {
	t.Helper()
	var srv *controlplane.Server
	var err error
	// Two tests drawing the same free port at once is rare but possible
	// (testnet); fresh draws (and a fresh directory, in case the failed
	// attempt left files behind) settle it.
	for attempt := 0; attempt < 3; attempt++ {
		cfg := controlplane.Config{
			DataDir:        t.TempDir(),
			HTTPAddr:       "127.0.0.1:0",
			QUICAddr:       freeUDP(t),
			RaftAddr:       freeTCP(t),
			BootstrapToken: AdminToken,
			Raft:           cluster.Config{HeartbeatTimeout: 200 * time.Millisecond, ElectionTimeout: 200 * time.Millisecond},
			Logger:         slog.New(slog.NewTextHandler(io.Discard, nil)),
		}
		for _, m := range mutate {
			m(&cfg)
		}
		if srv, err = controlplane.New(cfg); !errors.Is(err, syscall.EADDRINUSE) {
			break
		}
	}
	if err != nil {
		t.Fatalf("new control plane: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return awaitReady(t, srv)
}

// Boot runs a control plane with exactly cfg (a data dir to restart on,
// say) until stop is called, which returns once it has stopped: restart
// tests boot the same config twice.
func Boot(t testing.TB, cfg controlplane.Config) (s *Server, stop func()) {
	t.Helper()
	srv, err := controlplane.New(cfg)
	if err != nil {
		t.Fatalf("new control plane: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Run(ctx) }()
	stop = func() { cancel(); <-done }
	t.Cleanup(stop)
	return awaitReady(t, srv), stop
}

// awaitReady waits until srv answers the bootstrap administrator.
func awaitReady(t testing.TB, srv *controlplane.Server) *Server {
	t.Helper()
	s := &Server{Server: srv, URL: "http://" + srv.Addr()}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if status, _, err := s.Client(AdminToken).Do("GET", "/account/me", nil); err == nil && status == 200 {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatal("control plane did not become ready")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func freeTCP(t testing.TB) string {
	addr, err := testnet.Addr()
	if err != nil {
		t.Fatal(err)
	}
	return addr
}

func freeUDP(t testing.TB) string { return freeTCP(t) }

// Client calls the API with a token, through the api package, with no
// retries: tests see every answer as the node gave it.
type Client struct {
	URL, Token string
	// Header is sent with every request (X-Forwarded-For, talend-version).
	Header http.Header
	// HTTP sends the requests; nil is http.DefaultClient.
	HTTP *http.Client
}

// From returns a copy of c whose connections leave from the loopback
// address ip (127.0.0.2, say), so the node sees another caller address.
func (c *Client) From(ip string) *Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	cp := *c
	cp.HTTP = &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
	return &cp
}

// With returns a copy of c sending header name: value on every request.
func (c *Client) With(name, value string) *Client {
	cp := *c
	cp.Header = c.Header.Clone()
	if cp.Header == nil {
		cp.Header = http.Header{}
	}
	cp.Header.Set(name, value)
	return &cp
}

// Client returns an API client using token.
func (s *Server) Client(token string) *Client { return &Client{URL: s.URL, Token: token} }

// API is the typed client of the server calling as token, with no retries.
func (s *Server) API(token string) *api.Client { return s.Client(token).API() }

// API is the typed client c's calls go through.
func (c *Client) API() *api.Client {
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	a, err := api.New(api.Config{Address: c.URL, Token: c.Token, HTTPClient: hc})
	if err != nil {
		panic(fmt.Sprintf("cptest: %v", err)) // the URL comes from a started server
	}
	for name, values := range c.Header {
		for _, v := range values {
			a = a.WithHeader(name, v)
		}
	}
	return a.WithRetry(api.NoRetry())
}

// Response is a raw answer.
type Response struct {
	Status int
	Body   []byte
}

// Do sends body as JSON (a []byte is sent as is) and returns the answer.
func (c *Client) Do(method, path string, body any) (int, []byte, error) {
	defer c.closeIdle()
	return c.API().Exchange(context.Background(), method, path, "", body)
}

// Send sends body with contentType, e.g. an artifact archive as
// application/gzip, and returns the answer.
func (c *Client) Send(method, path, contentType string, body []byte) (int, []byte, error) {
	defer c.closeIdle()
	return c.API().Exchange(context.Background(), method, path, contentType, body)
}

// closeIdle drops the connections of a client of c's own (From), so each
// call dials from its address afresh.
func (c *Client) closeIdle() {
	if c.HTTP != nil {
		c.HTTP.CloseIdleConnections()
	}
}

// Must sends a request, fails the test unless the status is want, and
// decodes the answer into out (if non-nil).
func (c *Client) Must(t testing.TB, want int, method, path string, body, out any) {
	t.Helper()
	status, raw, err := c.Do(method, path, body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	if status != want {
		t.Fatalf("%s %s: status %d, want %d; body %s", method, path, status, want, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: decode %s: %v", method, path, raw, err)
		}
	}
}

// ErrorBody is the contract's error body.
type ErrorBody struct {
	Status    int    `json:"status"`
	Message   string `json:"message"`
	Detail    string `json:"detail"`
	Details   string `json:"details"`
	Code      string `json:"code"`
	RequestID string `json:"requestId"`
}

// MustFail sends a request expecting status want with a well-formed
// contract error body, which it returns.
func (c *Client) MustFail(t testing.TB, want int, method, path string, body any) ErrorBody {
	t.Helper()
	status, raw, err := c.Do(method, path, body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	var e ErrorBody
	if status != want {
		t.Fatalf("%s %s: status %d, want %d; body %s", method, path, status, want, raw)
	}
	if err := json.Unmarshal(raw, &e); err != nil || e.Status != want || e.Message == "" || e.Detail != e.Message || e.Code == "" || e.RequestID == "" || e.Details == "" {
		t.Fatalf("%s %s: error body not per contract: %s", method, path, raw)
	}
	return e
}

// String formats a response for failure messages.
func (r Response) String() string { return fmt.Sprintf("%d %s", r.Status, r.Body) }
