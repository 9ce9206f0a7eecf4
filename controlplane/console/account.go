package console

import (
	"net/http"
	"strings"

	"github.com/roundhouse/roundhouse/api"
)

type usersData struct {
	Users []api.User
	Roles []api.Role
	// RoleNames maps role IDs to names.
	RoleNames names
}

type tokensData struct {
	Tokens []api.AccessToken
	// Created is a token just made, its secret shown this once.
	Created *api.AccessToken
	Name    string
	Current bool // whether this browser signed in with one of them
}

func (c *Console) accountRoutes() {
	c.page("GET /console/users", c.users)
	c.page("GET /console/tokens", c.tokens)
	c.page("POST /console/tokens", c.tokenCreate)
	c.page("POST /console/tokens/{id}/revoke", c.tokenRevoke)
	c.page("GET /console/cluster", c.cluster)
}

// users lists the account's users and roles, as far as the user may see.
func (c *Console) users(w http.ResponseWriter, r *http.Request, q *request) error {
	var d usersData
	var err error
	if d.Users, err = q.api.Users().List(q.ctx, api.UserFilter{}); err != nil {
		return err
	}
	d.RoleNames = names{}
	if d.Roles, err = q.api.Roles().List(q.ctx); err == nil {
		for _, role := range d.Roles {
			d.RoleNames[role.ID] = role.Name
		}
	}
	c.render(w, http.StatusOK, "users", view{Title: "Users and roles", Nav: "users", Data: d}, q)
	return nil
}

func (c *Console) tokensData(q *request) (tokensData, error) {
	var d tokensData
	var err error
	d.Tokens, err = q.api.AccessTokens().List(q.ctx, false)
	return d, err
}

// tokens lists the user's personal access tokens.
func (c *Console) tokens(w http.ResponseWriter, r *http.Request, q *request) error {
	d, err := c.tokensData(q)
	if err != nil {
		return err
	}
	c.render(w, http.StatusOK, "tokens", view{Title: "Personal access tokens", Nav: "tokens", Data: d}, q)
	return nil
}

// tokenCreate makes a token and shows its secret once.
func (c *Console) tokenCreate(w http.ResponseWriter, r *http.Request, q *request) error {
	name := strings.TrimSpace(r.FormValue("name"))
	created, err := q.api.AccessTokens().Create(q.ctx, name)
	d, lerr := c.tokensData(q)
	if lerr != nil {
		return lerr
	}
	v := view{Title: "Personal access tokens", Nav: "tokens"}
	if err != nil {
		d.Name = name
		v.Data = d
		return c.formError(w, r, q, err, "tokens", v)
	}
	d.Created = created
	v.Data = d
	c.render(w, http.StatusCreated, "tokens", v, q)
	return nil
}

func (c *Console) tokenRevoke(w http.ResponseWriter, r *http.Request, q *request) error {
	if err := q.api.AccessTokens().Revoke(q.ctx, r.PathValue("id")); err != nil {
		return err
	}
	http.Redirect(w, r, Prefix+"tokens", http.StatusSeeOther)
	return nil
}

type clusterData struct {
	Members []api.MemberStatus
	Health  *api.Health
}

// cluster shows the control plane's members, its leader and the state
// of the node serving this page.
func (c *Console) cluster(w http.ResponseWriter, r *http.Request, q *request) error {
	var d clusterData
	var err error
	if d.Members, err = q.api.Cluster().Members(q.ctx); err != nil {
		return err
	}
	if d.Health, err = q.api.Health(q.ctx); err != nil {
		return err
	}
	c.render(w, http.StatusOK, "cluster", view{Title: "Cluster", Nav: "cluster", Data: d}, q)
	return nil
}
