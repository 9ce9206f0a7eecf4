package console

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/roundhouse/roundhouse/controlplane/state"
)

// places lists the environments and all their workspaces the user sees.
func places(r *http.Request, q *request) ([]state.Environment, []state.Workspace, error) {
	var envs []state.Environment
	if err := q.api.json(r.Context(), http.MethodGet, "/orchestration/environments", nil, &envs); err != nil {
		return nil, nil, err
	}
	var all []state.Workspace
	for _, e := range envs {
		var wss []state.Workspace
		if err := q.api.json(r.Context(), http.MethodGet, "/orchestration/workspaces?environmentId="+url.QueryEscape(e.ID), nil, &wss); err != nil {
			return nil, nil, err
		}
		all = append(all, wss...)
	}
	return envs, all, nil
}

func namesOf(envs []state.Environment) names {
	n := names{}
	for _, e := range envs {
		n[e.ID] = e.Name
	}
	return n
}

func workspaceNames(wss []state.Workspace) names {
	n := names{}
	for _, w := range wss {
		n[w.ID] = w.Name
	}
	return n
}

type environmentsData struct {
	Environments []environmentRow
	// Form holds what the user typed when the API refused it.
	EnvName, EnvDescription string
	WsName, WsEnvironmentID string
	All                     []state.Environment
}

type environmentRow struct {
	state.Environment
	Workspaces []state.Workspace
}

func (c *Console) environmentRoutes() {
	c.page("GET /console/environments", c.environments)
	c.page("POST /console/environments", c.environmentCreate)
	c.page("POST /console/workspaces", c.workspaceCreate)
}

func (c *Console) environmentsData(r *http.Request, q *request) (environmentsData, error) {
	envs, wss, err := places(r, q)
	d := environmentsData{All: envs}
	for _, e := range envs {
		row := environmentRow{Environment: e}
		for _, ws := range wss {
			if ws.EnvironmentID == e.ID {
				row.Workspaces = append(row.Workspaces, ws)
			}
		}
		d.Environments = append(d.Environments, row)
	}
	return d, err
}

func (c *Console) environments(w http.ResponseWriter, r *http.Request, q *request) error {
	d, err := c.environmentsData(r, q)
	if err != nil {
		return err
	}
	c.render(w, http.StatusOK, "environments", view{Title: "Environments", Nav: "environments", Data: d}, q)
	return nil
}

func (c *Console) environmentCreate(w http.ResponseWriter, r *http.Request, q *request) error {
	in := map[string]string{"name": strings.TrimSpace(r.FormValue("name")), "description": strings.TrimSpace(r.FormValue("description"))}
	if err := q.api.json(r.Context(), http.MethodPost, "/orchestration/environments", in, nil); err != nil {
		d, lerr := c.environmentsData(r, q)
		if lerr != nil {
			return lerr
		}
		d.EnvName, d.EnvDescription = in["name"], in["description"]
		return c.formError(w, r, q, err, "environments", view{Title: "Environments", Nav: "environments", Data: d})
	}
	http.Redirect(w, r, Prefix+"environments", http.StatusSeeOther)
	return nil
}

func (c *Console) workspaceCreate(w http.ResponseWriter, r *http.Request, q *request) error {
	var me struct {
		ID string `json:"id"`
	}
	if err := q.api.json(r.Context(), http.MethodGet, "/account/me", nil, &me); err != nil {
		return err
	}
	in := map[string]string{"name": strings.TrimSpace(r.FormValue("name")), "environmentId": r.FormValue("environmentId"), "owner": me.ID}
	if err := q.api.json(r.Context(), http.MethodPost, "/orchestration/workspaces", in, nil); err != nil {
		d, lerr := c.environmentsData(r, q)
		if lerr != nil {
			return lerr
		}
		d.WsName, d.WsEnvironmentID = in["name"], in["environmentId"]
		return c.formError(w, r, q, err, "environments", view{Title: "Environments", Nav: "environments", Data: d})
	}
	http.Redirect(w, r, Prefix+"environments", http.StatusSeeOther)
	return nil
}
