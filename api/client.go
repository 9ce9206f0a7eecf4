package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// DefaultAddress is the API address of a node started with default flags.
const DefaultAddress = "http://127.0.0.1:8080"

// Config says where the API is and who calls it.
type Config struct {
	// Address is the base URL, e.g. "http://127.0.0.1:8080"; a bare
	// "host:port" means http. Empty means DefaultAddress.
	Address string
	// Token is the bearer token (personal access token, service-account
	// access token or session token); empty calls anonymously.
	Token string
	// HTTPClient sends the requests; nil means a client of its own with no
	// overall timeout (every call takes a context).
	HTTPClient *http.Client
	// Retry is the policy for idempotent calls; nil means DefaultRetry().
	Retry *RetryPolicy
}

// Client calls one Roundhouse API as one caller. It is safe for concurrent
// use; the With* methods return cheap copies sharing the HTTP client.
type Client struct {
	base       string
	token      string
	http       *http.Client
	retry      RetryPolicy
	consistent bool
	header     http.Header
}

// New returns a client for cfg.
func New(cfg Config) (*Client, error) {
	base := cfg.Address
	if base == "" {
		base = DefaultAddress
	}
	if !strings.Contains(base, "://") {
		base = "http://" + base
	}
	u, err := url.Parse(base)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("api address %q must be an http(s) URL or host:port", cfg.Address)
	}
	c := &Client{base: strings.TrimRight(base, "/"), token: cfg.Token, http: cfg.HTTPClient, retry: DefaultRetry()}
	if c.http == nil {
		c.http = &http.Client{}
	}
	if cfg.Retry != nil {
		c.retry = *cfg.Retry
	}
	return c, nil
}

// Address is the base URL the client calls.
func (c *Client) Address() string { return c.base }

// Token is the bearer token the client sends.
func (c *Client) Token() string { return c.token }

// WithToken returns a copy of c calling as the holder of token.
func (c *Client) WithToken(token string) *Client {
	cp := *c
	cp.token = token
	return &cp
}

// WithRetry returns a copy of c using policy p (NoRetry() to see every 503).
func (c *Client) WithRetry(p RetryPolicy) *Client {
	cp := *c
	cp.retry = p
	return &cp
}

// WithHeader returns a copy of c sending header name: value with every
// request (e.g. Talend's "talend-version").
func (c *Client) WithHeader(name, value string) *Client {
	cp := *c
	cp.header = c.header.Clone()
	if cp.header == nil {
		cp.header = http.Header{}
	}
	cp.header.Add(name, value)
	return &cp
}

// Consistent returns a copy of c whose reads reflect every acknowledged
// write in the cluster (?consistency=consistent: one round trip to the
// leader). By default a read is answered from the node's own replica,
// which already holds that node's own writes.
func (c *Client) Consistent() *Client {
	cp := *c
	cp.consistent = true
	return &cp
}

// Do sends in as JSON (when non-nil) to method path?query and decodes a
// JSON answer into out (when non-nil). An answer of 300 or more is an
// *Error. Idempotent methods are retried per the client's RetryPolicy.
func (c *Client) Do(ctx context.Context, method, path string, query url.Values, in, out any) error {
	var body []byte
	if in != nil {
		raw, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("%s %s: encode request: %w", method, path, err)
		}
		body = raw
	}
	resp, err := c.send(ctx, method, path, query, "application/json", body)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s %s: read answer: %w", method, path, err)
	}
	if out != nil && len(bytes.TrimSpace(raw)) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("%s %s: decode answer: %w", method, path, err)
		}
	}
	return nil
}

// Raw sends body (nil for none) with contentType and returns the answer
// unread: for uploads, downloads and streams. An answer of 300 or more is
// an *Error (and the body is closed). Only a nil body is retried.
func (c *Client) Raw(ctx context.Context, method, path string, query url.Values, contentType string, body io.Reader) (*http.Response, error) {
	if body == nil {
		return c.send(ctx, method, path, query, "", nil)
	}
	req, err := c.request(ctx, method, path, query, contentType, body)
	if err != nil {
		return nil, err
	}
	return c.roundTrip(req)
}

// send sends a buffered body, retrying idempotent methods.
func (c *Client) send(ctx context.Context, method, path string, query url.Values, contentType string, body []byte) (*http.Response, error) {
	for attempt := 0; ; attempt++ {
		var rd io.Reader
		if body != nil {
			rd = bytes.NewReader(body)
		}
		req, err := c.request(ctx, method, path, query, contentType, rd)
		if err != nil {
			return nil, err
		}
		resp, err := c.roundTrip(req)
		if err == nil || !c.retry.retries(method, attempt, err) {
			return resp, err
		}
		if werr := c.retry.wait(ctx, attempt); werr != nil {
			return nil, err
		}
	}
}

func (c *Client) request(ctx context.Context, method, path string, query url.Values, contentType string, body io.Reader) (*http.Request, error) {
	if c.consistent && (method == http.MethodGet || method == http.MethodHead) {
		q := url.Values{}
		for k, v := range query {
			q[k] = v
		}
		q.Set("consistency", "consistent")
		query = q
	}
	target := c.base + path
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	if body != nil && contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	req.Header.Set("Accept", "application/json")
	for name, values := range c.header {
		req.Header[name] = values
	}
	return req, nil
}

// roundTrip sends req and turns an error answer into an *Error.
func (c *Client) roundTrip(req *http.Request) (*http.Response, error) {
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", req.Method, req.URL.Path, err)
	}
	if resp.StatusCode < 300 {
		return resp, nil
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return nil, newError(req.Method, req.URL.Path, resp.StatusCode, raw)
}

// decodeAnswer sends req once and decodes its JSON answer.
func decodeAnswer[T any](c *Client, req *http.Request) (*T, error) {
	resp, err := c.roundTrip(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var out T
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return nil, fmt.Errorf("%s %s: decode answer: %w", req.Method, req.URL.Path, err)
	}
	return &out, nil
}

// Exchange sends body and returns the answer's status and raw body
// whatever the status: for callers that examine statuses and error bodies
// themselves, such as the API's conformance tests. body is sent as is when
// it is a []byte, else as its JSON; contentType defaults to JSON. Only a
// failure to get an answer is an error, and nothing is retried.
func (c *Client) Exchange(ctx context.Context, method, path, contentType string, body any) (int, []byte, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		if b != nil {
			rd = bytes.NewReader(b)
		}
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			return 0, nil, fmt.Errorf("%s %s: encode request: %w", method, path, err)
		}
		rd = bytes.NewReader(raw)
	}
	if contentType == "" {
		contentType = "application/json"
	}
	req, err := c.request(ctx, method, path, nil, contentType, rd)
	if err != nil {
		return 0, nil, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return resp.StatusCode, raw, err
}
