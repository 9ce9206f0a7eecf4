package authz

// Principal kinds.
const (
	KindUser           = "user"
	KindServiceAccount = "service-account"
)

// Principal is an authenticated caller with its effective permissions,
// resolved for this request (a token follows its owner's current roles).
type Principal struct {
	Kind string
	ID   string
	Name string
	// TokenID is the personal access token the call was made with, if
	// any (to record its last use).
	TokenID     string
	Permissions map[string]bool
	// Workspaces holds the principal's rights per workspace ID
	// (workspace permissions; roles play no part inside workspaces).
	Workspaces map[string]map[string]bool
	// WorkspaceLookup, when set, is asked instead of Workspaces: it
	// resolves one workspace on demand, so a principal with rights on
	// thousands of workspaces costs nothing on calls that need none.
	WorkspaceLookup func(workspaceID string) map[string]bool
}

// HasIn reports whether the principal holds workspace right on workspaceID.
func (p *Principal) HasIn(workspaceID, right string) bool {
	if p == nil {
		return false
	}
	if p.WorkspaceLookup != nil {
		return p.WorkspaceLookup(workspaceID)[right]
	}
	return p.Workspaces[workspaceID][right]
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

// CanView reports whether the principal may read a workspace's tasks,
// plans, schedules, runs, logs and artifacts: the View right, or any other
// right there, since whoever may author, run, manage or publish in a
// workspace must see what they act on (View = "view task details,
// run history, run logs").
func (p *Principal) CanView(workspaceID string) bool {
	if p == nil {
		return false
	}
	rights := p.Workspaces[workspaceID]
	if p.WorkspaceLookup != nil {
		rights = p.WorkspaceLookup(workspaceID)
	}
	for _, held := range rights {
		if held {
			return true
		}
	}
	return false
}
