package console

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/roundhouse/roundhouse/controlplane/state"
)

type accessToken struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	CreatedAt  time.Time `json:"createdAt"`
	LastUsedAt time.Time `json:"lastUsedAt"`
	Token      string    `json:"token"`
}

type usersData struct {
	Users []state.User
	Roles []state.Role
	// RoleNames maps role IDs to names.
	RoleNames names
}

type tokensData struct {
	Tokens []accessToken
	// Created is a token just made, its secret shown this once.
	Created *accessToken
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
	if err := q.api.json(r.Context(), http.MethodGet, "/account/users", nil, &d.Users); err != nil {
		return err
	}
	d.RoleNames = names{}
	if q.api.json(r.Context(), http.MethodGet, "/account/roles", nil, &d.Roles) == nil {
		for _, role := range d.Roles {
			d.RoleNames[role.ID] = role.Name
		}
	}
	c.render(w, http.StatusOK, "users", view{Title: "Users and roles", Nav: "users", Data: d}, q)
	return nil
}

func (c *Console) tokensData(r *http.Request, q *request) (tokensData, error) {
	var d tokensData
	err := q.api.json(r.Context(), http.MethodGet, "/account/access-tokens", nil, &d.Tokens)
	return d, err
}

// tokens lists the user's personal access tokens.
func (c *Console) tokens(w http.ResponseWriter, r *http.Request, q *request) error {
	d, err := c.tokensData(r, q)
	if err != nil {
		return err
	}
	c.render(w, http.StatusOK, "tokens", view{Title: "Personal access tokens", Nav: "tokens", Data: d}, q)
	return nil
}

// tokenCreate makes a token and shows its secret once.
func (c *Console) tokenCreate(w http.ResponseWriter, r *http.Request, q *request) error {
	name := strings.TrimSpace(r.FormValue("name"))
	var created accessToken
	err := q.api.json(r.Context(), http.MethodPost, "/account/access-tokens", map[string]string{"name": name}, &created)
	d, lerr := c.tokensData(r, q)
	if lerr != nil {
		return lerr
	}
	v := view{Title: "Personal access tokens", Nav: "tokens"}
	if err != nil {
		d.Name = name
		v.Data = d
		return c.formError(w, r, q, err, "tokens", v)
	}
	d.Created = &created
	v.Data = d
	c.render(w, http.StatusCreated, "tokens", v, q)
	return nil
}

func (c *Console) tokenRevoke(w http.ResponseWriter, r *http.Request, q *request) error {
	if err := q.api.json(r.Context(), http.MethodDelete, "/account/access-tokens/"+url.PathEscape(r.PathValue("id")), nil, nil); err != nil {
		return err
	}
	http.Redirect(w, r, Prefix+"tokens", http.StatusSeeOther)
	return nil
}

type clusterData struct {
	Members []member
	Health  struct {
		NodeID string `json:"nodeId"`
		Leader string `json:"leader"`
		State  string `json:"state"`
	}
}

// cluster shows the control plane's members, its leader and the state
// of the node serving this page.
func (c *Console) cluster(w http.ResponseWriter, r *http.Request, q *request) error {
	var d clusterData
	if err := q.api.json(r.Context(), http.MethodGet, "/cluster/members", nil, &d.Members); err != nil {
		return err
	}
	if err := q.api.json(r.Context(), http.MethodGet, "/health", nil, &d.Health); err != nil {
		return err
	}
	c.render(w, http.StatusOK, "cluster", view{Title: "Cluster", Nav: "cluster", Data: d}, q)
	return nil
}
