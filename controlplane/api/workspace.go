package api

import "net/http"

// RequireRight answers 403 unless the caller holds right on workspaceID.
func RequireRight(r *http.Request, workspaceID, right string) error {
	if PrincipalOf(r).HasIn(workspaceID, right) {
		return nil
	}
	return Errorf(http.StatusForbidden, CodeForbidden, "this needs the %s permission on workspace %s", right, workspaceID)
}

// RequireView answers 403 unless the caller may read what workspaceID
// holds (authz.Principal.CanView).
func RequireView(r *http.Request, workspaceID string) error {
	if PrincipalOf(r).CanView(workspaceID) {
		return nil
	}
	return Errorf(http.StatusForbidden, CodeForbidden, "this needs a permission (VIEW or any other) on workspace %s", workspaceID)
}

// CanView reports whether the caller may read what workspaceID holds; list
// endpoints use it to leave out what the caller may not see.
func CanView(r *http.Request, workspaceID string) bool {
	return PrincipalOf(r).CanView(workspaceID)
}
