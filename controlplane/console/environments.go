package console

import (
	"net/http"
	"strings"

	"github.com/roundhouse/roundhouse/api"
)

// places lists the environments and all their workspaces the user sees.
func places(q *request) ([]api.Environment, []api.Workspace, error) {
	envs, err := q.api.Environments().List(q.ctx, "")
	if err != nil {
		return nil, nil, err
	}
	var all []api.Workspace
	for _, e := range envs {
		wss, err := q.api.Workspaces().List(q.ctx, api.WorkspaceFilter{EnvironmentID: e.ID})
		if err != nil {
			return nil, nil, err
		}
		all = append(all, wss...)
	}
	return envs, all, nil
}

func namesOf(envs []api.Environment) names {
	n := names{}
	for _, e := range envs {
		n[e.ID] = e.Name
	}
	return n
}

func workspaceNames(wss []api.Workspace) names {
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
	All                     []api.Environment
}

type environmentRow struct {
	api.Environment
	Workspaces []api.Workspace
}

func (c *Console) environmentRoutes() {
	c.page("GET /console/environments", c.environments)
	c.page("POST /console/environments", c.environmentCreate)
	c.page("POST /console/workspaces", c.workspaceCreate)
}

func (c *Console) environmentsData(q *request) (environmentsData, error) {
	envs, wss, err := places(q)
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
	d, err := c.environmentsData(q)
	if err != nil {
		return err
	}
	c.render(w, http.StatusOK, "environments", view{Title: "Environments", Nav: "environments", Data: d}, q)
	return nil
}

func (c *Console) environmentCreate(w http.ResponseWriter, r *http.Request, q *request) error {
	in := api.EnvironmentCreate{Name: strings.TrimSpace(r.FormValue("name")), Description: strings.TrimSpace(r.FormValue("description"))}
	if _, err := q.api.Environments().Create(q.ctx, in); err != nil {
		d, lerr := c.environmentsData(q)
		if lerr != nil {
			return lerr
		}
		d.EnvName, d.EnvDescription = in.Name, in.Description
		return c.formError(w, r, q, err, "environments", view{Title: "Environments", Nav: "environments", Data: d})
	}
	http.Redirect(w, r, Prefix+"environments", http.StatusSeeOther)
	return nil
}

func (c *Console) workspaceCreate(w http.ResponseWriter, r *http.Request, q *request) error {
	me, err := q.api.Me(q.ctx)
	if err != nil {
		return err
	}
	in := api.WorkspaceCreate{Name: strings.TrimSpace(r.FormValue("name")), EnvironmentID: r.FormValue("environmentId"), Owner: me.ID}
	if _, err := q.api.Workspaces().Create(q.ctx, in); err != nil {
		d, lerr := c.environmentsData(q)
		if lerr != nil {
			return lerr
		}
		d.WsName, d.WsEnvironmentID = in.Name, in.EnvironmentID
		return c.formError(w, r, q, err, "environments", view{Title: "Environments", Nav: "environments", Data: d})
	}
	http.Redirect(w, r, Prefix+"environments", http.StatusSeeOther)
	return nil
}
