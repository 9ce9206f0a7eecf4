package ipallowlist

import (
	"github.com/roundhouse/roundhouse/cluster"
	"net/http"
	"net/netip"

	"github.com/roundhouse/roundhouse/controlplane/api"
	"github.com/roundhouse/roundhouse/controlplane/authz"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// Gate returns the api.Gate enforcing the allowlist read through read.
// The address is the TCP peer's (api.ClientIP): forwarding headers are
// not trusted.
func Gate(read func() *cluster.Reader) api.Gate {
	return func(r *http.Request, p *authz.Principal) error {
		l := state.IPAllowlistOf(read())
		if l == nil || !l.Enabled || p.Has(state.PermUserManagement) {
			return nil
		}
		addr, err := netip.ParseAddr(api.ClientIP(r))
		if err == nil && l.Allows(addr) {
			return nil
		}
		return api.Errorf(http.StatusForbidden, api.CodeForbidden, "calls from %s are not allowed by the account's IP allowlist", api.ClientIP(r))
	}
}
