package state

import (
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/roundhouse/roundhouse/cluster"
)

// IPAllowlist is the account's IP allowlist policy. While Enabled, API
// calls and token requests from addresses outside IPs are refused, from
// every caller; engine sessions are never affected. A change that would
// leave the list active without the changing caller's own address is
// refused (a conflict), so nobody locks themselves out.
type IPAllowlist struct {
	ID          string    `json:"id"`
	Description string    `json:"description"`
	Enabled     bool      `json:"enabled"`
	IPs         []IPEntry `json:"ips"`
	CreatedAt   time.Time `json:"createdAt"`
	UpdatedAt   time.Time `json:"updatedAt"`
}

// IPEntry is one allowed address (IPv4 or IPv6) or CIDR range.
type IPEntry struct {
	ID          string `json:"id"`
	IP          string `json:"ip"`
	Description string `json:"description"`
}

const (
	tableIPAllowlist = "ip_allowlist"
	allowlistRowID   = "allowlist"

	CmdIPAllowlistCreate  = "ip_allowlist.create"
	CmdIPAllowlistUpdate  = "ip_allowlist.update"
	CmdIPAllowlistDelete  = "ip_allowlist.delete"
	CmdIPAllowlistEnable  = "ip_allowlist.enable"
	CmdIPAllowlistAddIPs  = "ip_allowlist.add_ips"
	CmdIPAllowlistEditIPs = "ip_allowlist.edit_ips"
	CmdIPAllowlistDelIP   = "ip_allowlist.delete_ip"
)

func ipAllowlistSpec() cluster.Spec {
	return cluster.Spec{
		Tables: []cluster.Table{table(tableIPAllowlist, func() any { return new(IPAllowlist) }, idIndex())},
		Handlers: map[string]cluster.Handler{
			CmdIPAllowlistCreate:  applyAllowlistCreate,
			CmdIPAllowlistUpdate:  withAllowlist(updateAllowlist),
			CmdIPAllowlistDelete:  applyAllowlistDelete,
			CmdIPAllowlistEnable:  withAllowlist(enableAllowlist),
			CmdIPAllowlistAddIPs:  withAllowlist(addAllowlistIPs),
			CmdIPAllowlistEditIPs: withAllowlist(editAllowlistIPs),
			CmdIPAllowlistDelIP:   withAllowlist(deleteAllowlistIP),
		},
	}
}

// IPAllowlistOf reads the policy, nil when none was created.
func IPAllowlistOf(txn Reader) *IPAllowlist {
	return first[IPAllowlist](txn, tableIPAllowlist, "id", allowlistRowID)
}

// ParseAllowedIP parses an IPv4/IPv6 address or CIDR range and returns
// its canonical form (ranges masked: 10.1.2.3/8 is 10.0.0.0/8).
func ParseAllowedIP(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, cluster.Reject(cluster.CodeInvalid, "%q is not a valid IP address or CIDR range", s)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, cluster.Reject(cluster.CodeInvalid, "%q is not a valid IP address or CIDR range", s)
	}
	return netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()), nil
}

func canonicalIP(p netip.Prefix) string {
	if p.IsSingleIP() {
		return p.Addr().String()
	}
	return p.String()
}

// Allows reports whether addr is on the list.
func (l *IPAllowlist) Allows(addr netip.Addr) bool {
	addr = addr.Unmap()
	for _, e := range l.IPs {
		if p, err := ParseAllowedIP(e.IP); err == nil && p.Contains(addr) {
			return true
		}
	}
	return false
}

// keepsCaller refuses a policy that is active and would block the
// address of the caller making the change. A command without a readable
// caller address (none comes from the API without one) is not checked.
func keepsCaller(l *IPAllowlist, caller string) error {
	addr, err := netip.ParseAddr(caller)
	if !l.Enabled || err != nil || l.Allows(addr) {
		return nil
	}
	return cluster.Reject(cluster.CodeConflict,
		"this change would block your own address %s: add it (or a range holding it) to the IP allowlist first, or leave the list inactive", addr.Unmap())
}

// IPAllowlistInput is the body of POST and PUT /v1/management/ip-allowlist.
type IPAllowlistInput struct {
	Description *string   `json:"description,omitempty"`
	Enabled     *bool     `json:"enabled,omitempty"`
	IPs         []IPEntry `json:"ips"`
}

// addEntries validates and appends entries (their IDs come from the
// proposer); a duplicate address is a conflict.
func addEntries(list []IPEntry, add []IPEntry) ([]IPEntry, error) {
	out := slices.Clone(list)
	for _, e := range add {
		p, err := ParseAllowedIP(e.IP)
		if err != nil {
			return nil, err
		}
		if e.ID == "" {
			return nil, cluster.Reject(cluster.CodeInvalid, "ip entry id is required")
		}
		e.IP = canonicalIP(p)
		if slices.ContainsFunc(out, func(x IPEntry) bool { return x.IP == e.IP }) {
			return nil, cluster.Reject(cluster.CodeConflict, "%s is already on the IP allowlist", e.IP)
		}
		out = append(out, e)
	}
	return out, nil
}

func applyAllowlistCreate(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var in IPAllowlistInput
	if err := cmd.Decode(&in); err != nil {
		return nil, err
	}
	if IPAllowlistOf(tx.Reader) != nil {
		return nil, cluster.Reject(cluster.CodeConflict, "the IP allowlist already exists; update it with PUT")
	}
	l := &IPAllowlist{ID: allowlistRowID, IPs: []IPEntry{}, CreatedAt: cmd.Meta.Time, UpdatedAt: cmd.Meta.Time}
	if err := updateAllowlist(l, cmd); err != nil {
		return nil, err
	}
	if err := keepsCaller(l, cmd.Meta.ClientIP); err != nil {
		return nil, err
	}
	return l, tx.Insert(tableIPAllowlist, l)
}

func applyAllowlistDelete(tx *cluster.Tx, _ cluster.Command) (any, error) {
	l := IPAllowlistOf(tx.Reader)
	if l == nil {
		return nil, cluster.Reject(cluster.CodeNotFound, "no IP allowlist exists")
	}
	return nil, tx.Delete(tableIPAllowlist, l)
}

// withAllowlist runs change on a copy of the existing policy and stores it.
func withAllowlist(change func(*IPAllowlist, cluster.Command) error) cluster.Handler {
	return func(tx *cluster.Tx, cmd cluster.Command) (any, error) {
		cur := IPAllowlistOf(tx.Reader)
		if cur == nil {
			return nil, cluster.Reject(cluster.CodeNotFound, "no IP allowlist exists; create it with POST /v1/management/ip-allowlist")
		}
		next := *cur
		next.IPs = slices.Clone(cur.IPs)
		if err := change(&next, cmd); err != nil {
			return nil, err
		}
		if err := keepsCaller(&next, cmd.Meta.ClientIP); err != nil {
			return nil, err
		}
		next.UpdatedAt = cmd.Meta.Time
		return &next, tx.Insert(tableIPAllowlist, &next)
	}
}

func updateAllowlist(l *IPAllowlist, cmd cluster.Command) error {
	var in IPAllowlistInput
	if err := cmd.Decode(&in); err != nil {
		return err
	}
	ips, err := addEntries(l.IPs, in.IPs)
	if err != nil {
		return err
	}
	l.IPs = ips
	if in.Description != nil {
		l.Description = *in.Description
	}
	if in.Enabled != nil {
		l.Enabled = *in.Enabled
	}
	return nil
}

func enableAllowlist(l *IPAllowlist, cmd cluster.Command) error {
	var in struct {
		Enabled bool `json:"enabled"`
	}
	if err := cmd.Decode(&in); err != nil {
		return err
	}
	l.Enabled = in.Enabled
	return nil
}

func addAllowlistIPs(l *IPAllowlist, cmd cluster.Command) error {
	var in []IPEntry
	if err := cmd.Decode(&in); err != nil {
		return err
	}
	ips, err := addEntries(l.IPs, in)
	l.IPs = ips
	return err
}

// editAllowlistIPs replaces entries by ID, all or none.
func editAllowlistIPs(l *IPAllowlist, cmd cluster.Command) error {
	var in []IPEntry
	if err := cmd.Decode(&in); err != nil {
		return err
	}
	edited := map[string]bool{}
	for _, e := range in {
		if edited[e.ID] {
			return cluster.Reject(cluster.CodeInvalid, "ip entry %s listed twice", e.ID)
		}
		edited[e.ID] = true
		if !slices.ContainsFunc(l.IPs, func(x IPEntry) bool { return x.ID == e.ID }) {
			return cluster.Reject(cluster.CodeNotFound, "ip entry %s not found", e.ID)
		}
	}
	rest := slices.DeleteFunc(slices.Clone(l.IPs), func(x IPEntry) bool { return edited[x.ID] })
	ips, err := addEntries(rest, in)
	if err != nil {
		return err
	}
	// Keep the list's order: edited entries stay where they were.
	byID := map[string]IPEntry{}
	for _, e := range ips {
		byID[e.ID] = e
	}
	for i, e := range l.IPs {
		l.IPs[i] = byID[e.ID]
	}
	return nil
}

func deleteAllowlistIP(l *IPAllowlist, cmd cluster.Command) error {
	var req IDRequest
	if err := cmd.Decode(&req); err != nil {
		return err
	}
	n := len(l.IPs)
	l.IPs = slices.DeleteFunc(l.IPs, func(x IPEntry) bool { return x.ID == req.ID })
	if len(l.IPs) == n {
		return cluster.Reject(cluster.CodeNotFound, "ip entry %s not found", req.ID)
	}
	return nil
}
