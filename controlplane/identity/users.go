package identity

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/julienschmidt/httprouter"

	"github.com/roundhouse/roundhouse/controlplane/api"
	"github.com/roundhouse/roundhouse/controlplane/authn"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

func (h *Handlers) registerUsers(rt *api.Router) {
	rt.Handle("GET", "/account/users", h.listUsers)
	rt.Handle("POST", "/account/users", h.createUser)
	rt.Handle("GET", "/account/users/export", h.exportUsers)
	rt.Handle("GET", "/account/users/:id", h.getUser)
	rt.Handle("PATCH", "/account/users/:id", h.updateUser)
	rt.Handle("DELETE", "/account/users/:id", h.deleteUser)
	rt.Handle("POST", "/account/users/:id/deactivate", h.setUserStatus(state.CmdUserDeactivate))
	rt.Handle("POST", "/account/users/:id/activate", h.setUserStatus(state.CmdUserActivate))
	rt.Handle("PUT", "/account/users/:id/password", h.setUserPassword)
	rt.Handle("DELETE", "/v1/management/users/:id", h.deleteUser)
	rt.Handle("POST", "/scim/v2/Users/deactivate", h.scimDeactivate)
}

// userView is a user as the API shows it.
type userView struct {
	ID           string    `json:"id"`
	Login        string    `json:"login"`
	Email        string    `json:"email"`
	FirstName    string    `json:"firstName,omitempty"`
	LastName     string    `json:"lastName,omitempty"`
	Roles        []string  `json:"roles"`
	Groups       []string  `json:"groups"`
	Status       string    `json:"status"`
	ConsumesSeat bool      `json:"consumesSeat"`
	HasPassword  bool      `json:"hasPassword"`
	CreatedAt    time.Time `json:"createdAt"`
}

func userViewOf(txn state.Reader, u *state.User) userView {
	v := userView{ID: u.ID, Login: u.Login, Email: u.Email, FirstName: u.FirstName, LastName: u.LastName,
		Roles: append([]string{}, u.Roles...), Groups: []string{}, Status: u.Status, CreatedAt: u.CreatedAt,
		ConsumesSeat: u.Status == state.UserActive && state.ConsumesSeat(state.PermissionsOf(txn, u.Roles)),
		HasPassword:  state.CredentialOf(txn, u.ID) != nil}
	for _, g := range state.Groups(txn) {
		if slices.Contains(g.Members, u.ID) {
			v.Groups = append(v.Groups, g.ID)
		}
	}
	return v
}

// matchingUsers applies ?search= (login, email or names contain it,
// case-insensitive) and ?status=.
func matchingUsers(r *http.Request, txn state.Reader) []*state.User {
	q := strings.ToLower(r.URL.Query().Get("search"))
	status := r.URL.Query().Get("status")
	var out []*state.User
	for _, u := range state.Users(txn) {
		hay := strings.ToLower(strings.Join([]string{u.Login, u.Email, u.FirstName, u.LastName}, "\x00"))
		if (q == "" || strings.Contains(hay, q)) && (status == "" || strings.EqualFold(status, u.Status)) {
			out = append(out, u)
		}
	}
	return out
}

func (h *Handlers) listUsers(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
	txn, err := h.reader(r)
	if err != nil {
		return err
	}
	users, err := usersInScope(r, txn, matchingUsers(r, txn))
	if err != nil {
		return err
	}
	out := []userView{}
	for _, u := range users {
		out = append(out, userViewOf(txn, u))
	}
	api.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h *Handlers) getUser(w http.ResponseWriter, r *http.Request, ps httprouter.Params) error {
	if err := checkUUID("user id", ps.ByName("id")); err != nil {
		return err
	}
	txn, err := h.reader(r)
	if err != nil {
		return err
	}
	u := state.UserByID(txn, ps.ByName("id"))
	if u == nil {
		return api.NotFound("user", ps.ByName("id"))
	}
	api.WriteJSON(w, http.StatusOK, userViewOf(txn, u))
	return nil
}

type userInput struct {
	Login     string   `json:"login"`
	Email     string   `json:"email"`
	FirstName string   `json:"firstName"`
	LastName  string   `json:"lastName"`
	Roles     []string `json:"roles"`
	// Password is optional: without one the user logs in with tokens an
	// administrator creates, or gets a password set later.
	Password string `json:"password"`
}

func (h *Handlers) createUser(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
	var in userInput
	if err := api.Decode(w, r, &in); err != nil {
		return err
	}
	txn, err := h.reader(r)
	if err != nil {
		return err
	}
	if err := requireHeld(r, permissionsOfRoles(txn, in.Roles), nil); err != nil {
		return err
	}
	req := state.UserCreateRequest{
		User: state.User{ID: state.NewUUID(), Login: in.Login, Email: in.Email, FirstName: in.FirstName,
			LastName: in.LastName, Roles: in.Roles},
		PersonalWorkspaceID: state.NewObjectID(), SeatLimit: h.opts.License.Seats,
	}
	if in.Password != "" {
		if err := authn.CheckPasswordRules(in.Password); err != nil {
			return badRequest("%v", err)
		}
		req.PasswordHash = authn.HashPassword(in.Password)
	}
	var u state.User
	if err := api.Propose(r, h.store, state.CmdUserCreate, req, &u); err != nil {
		return err
	}
	w.Header().Set("Location", "/account/users/"+u.ID)
	api.WriteJSON(w, http.StatusCreated, userViewOf(h.store.Read(), &u))
	return nil
}

func (h *Handlers) updateUser(w http.ResponseWriter, r *http.Request, ps httprouter.Params) error {
	if err := checkUUID("user id", ps.ByName("id")); err != nil {
		return err
	}
	var in struct {
		Email     *string   `json:"email"`
		FirstName *string   `json:"firstName"`
		LastName  *string   `json:"lastName"`
		Roles     *[]string `json:"roles"`
	}
	if err := api.Decode(w, r, &in); err != nil {
		return err
	}
	if in.Roles != nil {
		txn, err := h.reader(r)
		if err != nil {
			return err
		}
		var already []string
		if cur := state.UserByID(txn, ps.ByName("id")); cur != nil {
			already = permissionsOfRoles(txn, cur.Roles)
		}
		if err := requireHeld(r, permissionsOfRoles(txn, *in.Roles), already); err != nil {
			return err
		}
	}
	req := state.UserUpdate{ID: ps.ByName("id"), Email: in.Email, FirstName: in.FirstName, LastName: in.LastName,
		Roles: in.Roles, SeatLimit: h.opts.License.Seats}
	var u state.User
	if err := api.Propose(r, h.store, state.CmdUserUpdate, req, &u); err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, userViewOf(h.store.Read(), &u))
	return nil
}

func (h *Handlers) setUserStatus(cmd string) api.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, ps httprouter.Params) error {
		if err := checkUUID("user id", ps.ByName("id")); err != nil {
			return err
		}
		var u state.User
		req := state.UserStatusRequest{ID: ps.ByName("id"), SeatLimit: h.opts.License.Seats}
		if err := api.Propose(r, h.store, cmd, req, &u); err != nil {
			return err
		}
		api.WriteJSON(w, http.StatusOK, userViewOf(h.store.Read(), &u))
		return nil
	}
}

// deleteUser serves DELETE /account/users/:id and Talend's
// DELETE /v1/management/users/:id: 204, with the cascade of
// state.CmdUserDelete.
func (h *Handlers) deleteUser(w http.ResponseWriter, r *http.Request, ps httprouter.Params) error {
	if err := checkUUID("user id", ps.ByName("id")); err != nil {
		return err
	}
	if err := api.Propose(r, h.store, state.CmdUserDelete, state.IDRequest{ID: ps.ByName("id")}, nil); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// scimDeactivate is the product's deactivation call:
// {"accountName", "userName"} → 204.
func (h *Handlers) scimDeactivate(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
	if r.Header.Get("Content-Type") == "" {
		return api.Errorf(http.StatusUnsupportedMediaType, api.CodeUnsupportedType, "Content-Type: application/json is required")
	}
	var in struct {
		AccountName string `json:"accountName"`
		UserName    string `json:"userName"`
	}
	if err := api.Decode(w, r, &in); err != nil {
		return err
	}
	txn := h.store.Read()
	if acct := state.AccountOf(txn); acct == nil || !strings.EqualFold(acct.Name, in.AccountName) {
		return api.NotFound("account", in.AccountName)
	}
	u := state.UserByLogin(txn, in.UserName)
	if u == nil {
		return api.NotFound("user", in.UserName)
	}
	if err := api.Propose(r, h.store, state.CmdUserDeactivate, state.UserStatusRequest{ID: u.ID}, nil); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handlers) setUserPassword(w http.ResponseWriter, r *http.Request, ps httprouter.Params) error {
	if err := checkUUID("user id", ps.ByName("id")); err != nil {
		return err
	}
	var in struct {
		Password string `json:"password"`
	}
	if err := api.Decode(w, r, &in); err != nil {
		return err
	}
	if err := authn.CheckPasswordRules(in.Password); err != nil {
		return badRequest("%v", err)
	}
	req := state.PasswordSetRequest{UserID: ps.ByName("id"), Hash: authn.HashPassword(in.Password)}
	if err := api.Propose(r, h.store, state.CmdPasswordSet, req, nil); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
