package api

import (
	"context"
	"net/url"
)

// IPEntry is one allowed address or CIDR range.
type IPEntry struct {
	ID          string `json:"id,omitempty"`
	IP          string `json:"ip"`
	Description string `json:"description"`
}

// IPAllowlist is the account's IP allowlist: when Enabled, only callers
// from IPs may use the API.
type IPAllowlist struct {
	Description string    `json:"description"`
	Enabled     bool      `json:"enabled"`
	IPs         []IPEntry `json:"ips"`
}

// IPAllowlistInput creates the allowlist or changes the fields that are
// set (IPs are added).
type IPAllowlistInput struct {
	Description *string   `json:"description,omitempty"`
	Enabled     *bool     `json:"enabled,omitempty"`
	IPs         []IPEntry `json:"ips,omitempty"`
}

// IPAllowlists calls /v1/management/ip-allowlist.
type IPAllowlists struct{ c *Client }

// IPAllowlist returns the IP allowlist calls.
func (c *Client) IPAllowlist() IPAllowlists { return IPAllowlists{c} }

const ipAllowlistPath = "/v1/management/ip-allowlist"

// Get reads the allowlist.
func (s IPAllowlists) Get(ctx context.Context) (*IPAllowlist, error) {
	var out IPAllowlist
	return &out, s.c.Do(ctx, "GET", ipAllowlistPath, nil, nil, &out)
}

// Create sets up the allowlist (409 if one exists).
func (s IPAllowlists) Create(ctx context.Context, in IPAllowlistInput) (*IPAllowlist, error) {
	var out IPAllowlist
	return &out, s.c.Do(ctx, "POST", ipAllowlistPath, nil, in, &out)
}

// Update adds IPs and changes the description or activation.
func (s IPAllowlists) Update(ctx context.Context, in IPAllowlistInput) (*IPAllowlist, error) {
	var out IPAllowlist
	return &out, s.c.Do(ctx, "PUT", ipAllowlistPath, nil, in, &out)
}

// SetEnabled activates or deactivates the allowlist.
func (s IPAllowlists) SetEnabled(ctx context.Context, enabled bool) (*IPAllowlist, error) {
	var out IPAllowlist
	return &out, s.c.Do(ctx, "PATCH", ipAllowlistPath, nil, map[string]bool{"enabled": enabled}, &out)
}

// Delete removes the allowlist.
func (s IPAllowlists) Delete(ctx context.Context) error {
	return s.c.Do(ctx, "DELETE", ipAllowlistPath, nil, nil, nil)
}

// IPs lists the entries.
func (s IPAllowlists) IPs(ctx context.Context) ([]IPEntry, error) {
	var out []IPEntry
	return out, s.c.Do(ctx, "GET", ipAllowlistPath+"/ips", nil, nil, &out)
}

// AddIPs appends entries and returns them with their IDs.
func (s IPAllowlists) AddIPs(ctx context.Context, entries []IPEntry) ([]IPEntry, error) {
	var out []IPEntry
	return out, s.c.Do(ctx, "POST", ipAllowlistPath+"/ips", nil, entries, &out)
}

// EditIPs changes the entries named by their IDs, all or none.
func (s IPAllowlists) EditIPs(ctx context.Context, entries []IPEntry) ([]IPEntry, error) {
	var out []IPEntry
	return out, s.c.Do(ctx, "PUT", ipAllowlistPath+"/ips", nil, entries, &out)
}

// IP reads one entry.
func (s IPAllowlists) IP(ctx context.Context, id string) (*IPEntry, error) {
	var out IPEntry
	return &out, s.c.Do(ctx, "GET", ipAllowlistPath+"/ips/"+url.PathEscape(id), nil, nil, &out)
}

// EditIP changes one entry.
func (s IPAllowlists) EditIP(ctx context.Context, id string, e IPEntry) (*IPEntry, error) {
	var out IPEntry
	return &out, s.c.Do(ctx, "PUT", ipAllowlistPath+"/ips/"+url.PathEscape(id), nil, e, &out)
}

// DeleteIP removes one entry.
func (s IPAllowlists) DeleteIP(ctx context.Context, id string) error {
	return s.c.Do(ctx, "DELETE", ipAllowlistPath+"/ips/"+url.PathEscape(id), nil, nil, nil)
}
