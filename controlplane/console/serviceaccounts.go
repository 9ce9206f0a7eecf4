package console

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/roundhouse/roundhouse/api"
)

type serviceAccountsData struct {
	Accounts []api.ServiceAccount
	// Permissions are those a service account can hold.
	Permissions []string
	// Created is an account just made, its secret shown this once.
	Created *api.ServiceAccount
	// Form holds what the user typed when the API refused it.
	Name   string
	Chosen []string
}

// Holds reports whether the create form had permission ticked.
func (d serviceAccountsData) Holds(permission string) bool {
	return slices.Contains(d.Chosen, permission)
}

func (c *Console) serviceAccountRoutes() {
	c.page("GET /console/service-accounts", c.serviceAccounts)
	c.page("POST /console/service-accounts", c.serviceAccountCreate)
	c.page("GET /console/service-accounts/{id}/delete", c.serviceAccountConfirmDelete)
	c.page("POST /console/service-accounts/{id}/delete", c.serviceAccountDelete)
}

func serviceAccountsOf(q *request) (serviceAccountsData, error) {
	var d serviceAccountsData
	var err error
	if d.Accounts, err = q.api.ServiceAccounts().List(q.ctx); err != nil {
		return d, err
	}
	slices.SortFunc(d.Accounts, func(a, b api.ServiceAccount) int { return strings.Compare(a.Name, b.Name) })
	d.Permissions, err = q.api.ServiceAccounts().Permissions(q.ctx)
	return d, err
}

func (c *Console) serviceAccounts(w http.ResponseWriter, r *http.Request, q *request) error {
	d, err := serviceAccountsOf(q)
	if err != nil {
		return err
	}
	c.render(w, http.StatusOK, "service_accounts", view{Title: "Service accounts", Nav: "users", Data: d}, q)
	return nil
}

// serviceAccountCreate makes the account and shows its secret once.
func (c *Console) serviceAccountCreate(w http.ResponseWriter, r *http.Request, q *request) error {
	in := api.ServiceAccountInput{Name: strings.TrimSpace(r.FormValue("name")), Permissions: r.Form["permission"]}
	if in.Permissions == nil {
		in.Permissions = []string{}
	}
	created, err := q.api.ServiceAccounts().Create(q.ctx, in)
	d, lerr := serviceAccountsOf(q)
	if lerr != nil {
		return lerr
	}
	v := view{Title: "Service accounts", Nav: "users"}
	if err != nil {
		d.Name, d.Chosen = in.Name, in.Permissions
		v.Data = d
		return c.formError(w, r, q, err, "service_accounts", v)
	}
	d.Created = created
	v.Data = d
	c.render(w, http.StatusCreated, "service_accounts", v, q)
	return nil
}

func (c *Console) serviceAccountConfirmDelete(w http.ResponseWriter, r *http.Request, q *request) error {
	sa, err := q.api.ServiceAccounts().Get(q.ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	c.render(w, http.StatusOK, "confirm", view{Title: "Delete service account " + sa.Name, Nav: "users", Data: confirmData{
		What: "service account", Name: sa.Name, Action: Prefix + "service-accounts/" + url.PathEscape(sa.ID) + "/delete",
		Cancel: Prefix + "service-accounts", Consequence: "Its secret and the tokens issued for it stop working at once. This cannot be undone.",
	}}, q)
	return nil
}

func (c *Console) serviceAccountDelete(w http.ResponseWriter, r *http.Request, q *request) error {
	if err := q.api.ServiceAccounts().Delete(q.ctx, r.PathValue("id")); err != nil {
		return err
	}
	http.Redirect(w, r, Prefix+"service-accounts", http.StatusSeeOther)
	return nil
}
