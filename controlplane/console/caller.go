package console

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// APIError is a refusal from the API, shown to the user beside the form
// or on the page that caused it.
type APIError struct {
	Status  int
	Message string
}

func (e *APIError) Error() string { return e.Message }

// caller is the one way pages reach the API: the node's handler called
// in-process with the signed-in user's token and the browser's address
// (so the IP allowlist and the audit log see the real client).
type caller struct {
	api        http.Handler
	token      string
	remoteAddr string
}

// request builds an in-process API request on behalf of the user.
func (c caller) request(ctx context.Context, method, path string, body io.Reader, contentType string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, path, body)
	if err != nil {
		return nil, fmt.Errorf("build %s %s: %w", method, path, err)
	}
	req.RemoteAddr = c.remoteAddr
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return req, nil
}

// stream starts a call and returns its response, for bodies read as they
// arrive; the caller closes the body.
func (c caller) stream(ctx context.Context, method, path string) (*http.Response, error) {
	req, err := c.request(ctx, method, path, nil, "")
	if err != nil {
		return nil, err
	}
	resp := serveInProcess(c.api, req)
	if resp.StatusCode >= 300 {
		defer resp.Body.Close()
		return nil, apiErrorOf(resp)
	}
	return resp, nil
}

// json sends in (when not nil) as JSON and decodes the answer into out
// (when not nil).
func (c caller) json(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	ctype := ""
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("encode %s %s: %w", method, path, err)
		}
		body, ctype = bytes.NewReader(b), "application/json"
	}
	return c.raw(ctx, method, path, body, ctype, out)
}

// raw sends body with contentType and decodes the JSON answer into out.
func (c caller) raw(ctx context.Context, method, path string, body io.Reader, contentType string, out any) error {
	req, err := c.request(ctx, method, path, body, contentType)
	if err != nil {
		return err
	}
	resp := serveInProcess(c.api, req)
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		return apiErrorOf(resp)
	}
	if out == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("decode the answer of %s %s: %w", method, path, err)
	}
	return nil
}

func apiErrorOf(resp *http.Response) error {
	var body struct {
		Message string `json:"message"`
	}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if json.Unmarshal(raw, &body) != nil || body.Message == "" {
		body.Message = strings.TrimSpace(string(raw))
	}
	if body.Message == "" {
		body.Message = http.StatusText(resp.StatusCode)
	}
	return &APIError{Status: resp.StatusCode, Message: body.Message}
}
