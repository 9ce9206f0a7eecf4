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

// WriteViewable answers the read of one object kept in a workspace: 404
// naming kind and id when obj is nil, 403 without a right on its
// workspace, otherwise 200 with obj.
func WriteViewable[T any](w http.ResponseWriter, r *http.Request, kind, id string, obj *T, workspaceOf func(*T) string) error {
	if obj == nil {
		return NotFound(kind, id)
	}
	if err := RequireView(r, workspaceOf(obj)); err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, obj)
	return nil
}
