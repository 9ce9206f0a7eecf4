package link

import (
	"net"
	"slices"
)

// learnServers adds the node addresses a Welcome lists to the identity's
// server list, after the ones it was paired with (which it never drops:
// a node may advertise an address only reachable from its own network).
func (c *Client) learnServers(advertised []string) {
	cur := c.identity()
	next := mergeServers(cur.Servers, advertised)
	if len(next) == len(cur.Servers) {
		return
	}
	updated := *cur
	updated.Servers = next
	if err := c.cfg.Store.Save(&updated); err != nil {
		c.cfg.Logger.Warn("saving the learned server list failed", "err", err)
		return
	}
	c.setIdentity(&updated)
	c.cfg.Logger.Info("learned control-plane servers", "servers", next)
}

// mergeServers appends to known the usable addresses of advertised it lacks.
func mergeServers(known, advertised []string) []string {
	out := slices.Clone(known)
	for _, s := range advertised {
		host, port, err := net.SplitHostPort(s)
		if err != nil || port == "" || slices.Contains(out, s) {
			continue
		}
		if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
			continue // 0.0.0.0:7443 says nothing about where the node is
		}
		out = append(out, s)
	}
	return out
}
