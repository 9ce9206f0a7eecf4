// Package membership serves the control-plane member endpoints
// (/cluster/members: list, join, remove) on top of package cluster, and
// the client side of joining: a new node asks a member to admit it.
package membership
