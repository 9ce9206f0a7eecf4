package authz

// Principal kinds.
const (
	KindUser           = "user"
	KindServiceAccount = "service-account"
)

// Principal is an authenticated caller with its effective permissions,
// resolved for this request (a token follows its owner's current roles).
type Principal struct {
	Kind        string
	ID          string
	Name        string
	Permissions map[string]bool
}

// Has reports whether the principal holds permission perm.
func (p *Principal) Has(perm string) bool { return p != nil && p.Permissions[perm] }

// HasAny reports whether the principal holds at least one of perms.
func (p *Principal) HasAny(perms ...string) bool {
	for _, perm := range perms {
		if p.Has(perm) {
			return true
		}
	}
	return false
}
