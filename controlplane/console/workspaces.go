package console

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/roundhouse/roundhouse/api"
)

// workspaceRights are the rights a workspace permission can hold, in the
// order the console shows them.
var workspaceRights = []string{api.RightView, api.RightExecute, api.RightAuthor, api.RightPublish, api.RightManage}

// permissionsRule is the route whose rule decides who may read, grant and
// revoke workspace permissions.
const permissionsRule = "/security/workspaces/:workspaceId/users/:userId/permissions"

type workspaceData struct {
	Workspace   api.Workspace
	Environment string
	Plans       []api.Plan
	// Holders is who holds which rights (nil when the user may not read
	// permissions).
	Holders []holder
	// Users are the users the grant form offers (those holding no rights here).
	Users  []api.User
	Rights []string
	// Form holds what the user chose when the API refused it.
	UserID string
	Chosen []string
}

type holder struct {
	UserID, Login string
	Rights        []string
}

// Holds reports whether the grant form had right ticked.
func (d workspaceData) Holds(right string) bool { return slices.Contains(d.Chosen, right) }

func (c *Console) workspaceRoutes() {
	c.page("GET /console/workspaces/{id}", c.workspace)
	c.page("POST /console/workspaces/{id}/permissions", c.permissionGrant)
	c.page("GET /console/workspaces/{id}/permissions/{user}/revoke", c.permissionConfirmRevoke)
	c.page("POST /console/workspaces/{id}/permissions/{user}/revoke", c.permissionRevoke)
}

func (c *Console) workspaceData(q *request, id string) (workspaceData, error) {
	d := workspaceData{Rights: workspaceRights, Chosen: []string{api.RightView}}
	ws, err := q.api.Workspaces().Get(q.ctx, id)
	if err != nil {
		return d, err
	}
	d.Workspace = *ws
	if env, err := q.api.Environments().Get(q.ctx, ws.EnvironmentID); err == nil {
		d.Environment = env.Name
	}
	if d.Plans, err = q.api.Plans().List(q.ctx, id); err != nil {
		return d, err
	}
	v := view{principal: q.principal}
	if !v.Can("GET", permissionsRule) {
		return d, nil
	}
	perms, err := q.api.UserPermissions().Search(q.ctx, api.PermissionFilter{WorkspaceID: id})
	if err != nil {
		return d, err
	}
	logins := names{}
	if v.Can("GET", "/account/users") {
		users, err := q.api.Users().List(q.ctx, api.UserFilter{})
		if err != nil {
			return d, err
		}
		held := map[string]bool{}
		for _, p := range perms {
			held[p.UserID] = true
		}
		for _, u := range users {
			logins[u.ID] = u.Login
			if !held[u.ID] {
				d.Users = append(d.Users, u)
			}
		}
	}
	d.Holders = []holder{}
	for _, p := range perms {
		rights := slices.Clone(p.Permissions)
		slices.SortFunc(rights, func(a, b string) int {
			return slices.Index(workspaceRights, a) - slices.Index(workspaceRights, b)
		})
		d.Holders = append(d.Holders, holder{UserID: p.UserID, Login: logins.Of(p.UserID), Rights: rights})
	}
	slices.SortFunc(d.Holders, func(a, b holder) int { return strings.Compare(a.Login, b.Login) })
	return d, nil
}

func (c *Console) workspace(w http.ResponseWriter, r *http.Request, q *request) error {
	d, err := c.workspaceData(q, r.PathValue("id"))
	if err != nil {
		return err
	}
	c.render(w, http.StatusOK, "workspace", view{Title: d.Workspace.Name, Nav: "environments", Data: d}, q)
	return nil
}

// permissionGrant gives the chosen user the ticked rights; the API checks
// that the caller may grant them.
func (c *Console) permissionGrant(w http.ResponseWriter, r *http.Request, q *request) error {
	id := r.PathValue("id")
	userID, rights := r.FormValue("userId"), r.Form["right"]
	err := q.api.UserPermissions().Grant(q.ctx, id, userID, rights...)
	if err != nil {
		d, lerr := c.workspaceData(q, id)
		if lerr != nil {
			return lerr
		}
		d.UserID, d.Chosen = userID, rights
		return c.formError(w, r, q, err, "workspace", view{Title: d.Workspace.Name, Nav: "environments", Data: d})
	}
	http.Redirect(w, r, Prefix+"workspaces/"+url.PathEscape(id), http.StatusSeeOther)
	return nil
}

func (c *Console) permissionConfirmRevoke(w http.ResponseWriter, r *http.Request, q *request) error {
	id, userID := r.PathValue("id"), r.PathValue("user")
	ws, err := q.api.Workspaces().Get(q.ctx, id)
	if err != nil {
		return err
	}
	who := userID
	if u, err := q.api.Users().Get(q.ctx, userID); err == nil {
		who = u.Login
	}
	back := Prefix + "workspaces/" + url.PathEscape(id)
	c.render(w, http.StatusOK, "confirm", view{Title: "Revoke the rights of " + who, Nav: "environments", Data: confirmData{
		Verb: "Revoke the rights of", What: "user", Name: who,
		Action: back + "/permissions/" + url.PathEscape(userID) + "/revoke", Cancel: back,
		Consequence: "They lose every right on the workspace " + ws.Name + " at once: they no longer see its tasks, plans and runs there.",
	}}, q)
	return nil
}

func (c *Console) permissionRevoke(w http.ResponseWriter, r *http.Request, q *request) error {
	id := r.PathValue("id")
	if err := q.api.UserPermissions().Revoke(q.ctx, id, r.PathValue("user")); err != nil {
		return err
	}
	http.Redirect(w, r, Prefix+"workspaces/"+url.PathEscape(id), http.StatusSeeOther)
	return nil
}
