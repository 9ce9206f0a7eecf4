package ipallowlist

import (
	"github.com/roundhouse/roundhouse/cluster"
	"net/http"
	"net/netip"

	"github.com/roundhouse/roundhouse/controlplane/api"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// Gate returns the api.AddressGate enforcing the allowlist read through
// read. While the allowlist is active it refuses every caller outside it,
// whatever their permissions, and token issuance too; the address is
// api.ClientIP's (the TCP peer, or what a trusted proxy forwarded).
// Nobody is locked out by accident: a change that would block the
// caller's own address is refused when it is made.
func Gate(read func() *cluster.Reader) api.AddressGate {
	return func(r *http.Request) error {
		l := state.IPAllowlistOf(read())
		if l == nil || !l.Enabled {
			return nil
		}
		addr, err := netip.ParseAddr(api.ClientIP(r))
		if err == nil && l.Allows(addr) {
			return nil
		}
		return api.Errorf(http.StatusForbidden, api.CodeForbidden, "calls from %s are not allowed by the account's IP allowlist", api.ClientIP(r))
	}
}
