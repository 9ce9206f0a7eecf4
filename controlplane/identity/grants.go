package identity

import (
	"net/http"
	"slices"
	"sort"
	"strings"

	"github.com/roundhouse/roundhouse/controlplane/api"
	"github.com/roundhouse/roundhouse/controlplane/authz"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// requireHeld refuses (403) a change that would grant permissions the
// caller does not hold: nobody hands out more than their own rights,
// whether to a service account, a role or (through roles) a user. Only
// what the change adds is checked: permissions already granted (kept by
// a rename, say) are not the caller's to justify. Unknown permission
// names are left to the validation that answers 400.
func requireHeld(r *http.Request, granted, already []string) error {
	p := api.PrincipalOf(r)
	var missing []string
	for _, perm := range granted {
		if slices.Contains(state.KnownPermissions(), perm) && !slices.Contains(already, perm) &&
			!holds(p, perm) && !slices.Contains(missing, perm) {
			missing = append(missing, perm)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	sort.Strings(missing)
	return api.Errorf(http.StatusForbidden, api.CodeForbidden,
		"you cannot grant permissions you do not hold yourself: %s", strings.Join(missing, ", "))
}

// holds reports whether p may grant perm: it holds it, or holds a wider
// one. TMC_ENGINE_USE (running tasks on engines, with nothing more than
// Execute and View in workspaces) lies within Operations - Manage and
// Engines - Manage.
func holds(p *authz.Principal, perm string) bool {
	if perm == state.PermEngineUse {
		return p.HasAny(perm, state.PermOperator, state.PermEngineManagement)
	}
	return p.Has(perm)
}

// permissionsOfRoles lists the permissions the roles give (unknown role
// IDs give none; the state machine refuses them).
func permissionsOfRoles(txn state.Reader, roleIDs []string) []string {
	var out []string
	for perm := range state.PermissionsOf(txn, roleIDs) {
		out = append(out, perm)
	}
	return out
}
