package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/roundhouse/roundhouse/api"
)

// tasksPageSize is how many tasks one page of the list shows.
const tasksPageSize = 20

type taskFilter struct {
	EnvironmentID, WorkspaceID, Status, Text string
	Page                                     int
}

func (f taskFilter) query(page int) string {
	v := url.Values{}
	for k, s := range map[string]string{"environmentId": f.EnvironmentID, "workspaceId": f.WorkspaceID, "status": f.Status, "q": f.Text} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	return v.Encode()
}

// matches applies the filters the API has no parameter for.
func (f taskFilter) matches(t api.Task) bool {
	switch {
	case f.Status == "PAUSED" && !t.Paused, f.Status == "ACTIVE" && t.Paused:
		return false
	case f.Text != "" && !strings.Contains(strings.ToLower(t.Name+" "+t.Description), strings.ToLower(f.Text)):
		return false
	}
	return true
}

type tasksData struct {
	Tasks                    []api.Task
	Filter                   taskFilter
	Total, Page, Pages       int
	PrevQuery, NextQuery     string
	Environments             []api.Environment
	Workspaces               []api.Workspace
	EnvNames, WsNames, Names names
}

func (c *Console) taskRoutes() {
	c.page("GET /console/tasks", c.tasks)
	c.page("GET /console/tasks/new", c.taskForm)
	c.page("POST /console/tasks", c.taskCreate)
	c.page("GET /console/tasks/{id}", c.taskDetails)
	c.page("POST /console/tasks/{id}/run", c.taskRun)
	c.page("POST /console/tasks/{id}/pause", c.taskPause)
	c.page("POST /console/tasks/{id}/resume", c.taskResume)
	c.deploymentRoutes()
}

func (c *Console) tasks(w http.ResponseWriter, r *http.Request, q *request) error {
	f := taskFilter{EnvironmentID: r.FormValue("environmentId"), WorkspaceID: r.FormValue("workspaceId"),
		Status: r.FormValue("status"), Text: strings.TrimSpace(r.FormValue("q"))}
	f.Page, _ = strconv.Atoi(r.FormValue("page"))
	all, err := q.api.Tasks().List(q.ctx, api.TaskFilter{EnvironmentID: f.EnvironmentID, WorkspaceID: f.WorkspaceID})
	if err != nil {
		return err
	}
	d := tasksData{Filter: f}
	for _, t := range all {
		if f.matches(t) {
			d.Tasks = append(d.Tasks, t)
		}
	}
	d.Total = len(d.Tasks)
	d.Pages = max(1, (d.Total+tasksPageSize-1)/tasksPageSize)
	d.Page = min(max(f.Page, 1), d.Pages)
	d.Tasks = d.Tasks[(d.Page-1)*tasksPageSize : min(d.Page*tasksPageSize, d.Total)]
	d.PrevQuery, d.NextQuery = f.query(d.Page-1), f.query(d.Page+1)
	if d.Environments, d.Workspaces, err = places(q); err != nil {
		return err
	}
	d.EnvNames, d.WsNames = namesOf(d.Environments), workspaceNames(d.Workspaces)
	c.render(w, http.StatusOK, "tasks", view{Title: "Tasks", Nav: "tasks", Data: d}, q)
	return nil
}

type taskFormData struct {
	Name, WorkspaceID, ArtifactID, Version, EngineID, Parameters string
	Workspaces                                                   []api.Workspace
	Artifacts                                                    []api.Artifact
	Engines                                                      []api.Engine
	WsNames                                                      names
}

func (c *Console) taskFormData(q *request) (taskFormData, error) {
	var d taskFormData
	var err error
	if d.Artifacts, err = q.api.Artifacts().List(q.ctx, ""); err != nil {
		return d, err
	}
	if d.Engines, err = q.api.Engines().List(q.ctx, api.EngineFilter{}); err != nil {
		return d, err
	}
	_, wss, err := places(q)
	d.Workspaces, d.WsNames = wss, workspaceNames(wss)
	return d, err
}

func (c *Console) taskForm(w http.ResponseWriter, r *http.Request, q *request) error {
	d, err := c.taskFormData(q)
	if err != nil {
		return err
	}
	c.render(w, http.StatusOK, "task_new", view{Title: "Add a task", Nav: "tasks", Data: d}, q)
	return nil
}

// taskCreate creates the task, then sets its run config when an engine
// was chosen.
func (c *Console) taskCreate(w http.ResponseWriter, r *http.Request, q *request) error {
	d, err := c.taskFormData(q)
	if err != nil {
		return err
	}
	d.Name, d.WorkspaceID, d.ArtifactID = strings.TrimSpace(r.FormValue("name")), r.FormValue("workspaceId"), r.FormValue("artifactId")
	d.Version, d.EngineID, d.Parameters = strings.TrimSpace(r.FormValue("version")), r.FormValue("engineId"), r.FormValue("parameters")
	env := ""
	for _, ws := range d.Workspaces {
		if ws.ID == d.WorkspaceID {
			env = ws.EnvironmentID
		}
	}
	in := api.TaskCreate{Name: d.Name, EnvironmentID: env, WorkspaceID: d.WorkspaceID,
		Artifact: api.ArtifactRef{ID: d.ArtifactID, Version: d.Version}, Parameters: parseParameters(d.Parameters),
		AlwaysLatest: d.Version == ""}
	t, err := q.api.Tasks().Create(q.ctx, in)
	if err == nil && d.EngineID != "" {
		err = q.api.Tasks().SetRunConfig(q.ctx, t.ID, api.RunConfig{
			Runtime: api.TaskRuntime{Type: "REMOTE_ENGINE", ID: d.EngineID}, LogLevel: "INFO"})
	}
	if err != nil {
		return c.formError(w, r, q, err, "task_new", view{Title: "Add a task", Nav: "tasks", Data: d})
	}
	http.Redirect(w, r, Prefix+"tasks/"+t.ID, http.StatusSeeOther)
	return nil
}

// parseParameters reads NAME=value lines.
func parseParameters(s string) map[string]string {
	out := map[string]string{}
	for _, line := range strings.Split(s, "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), "="); ok && strings.TrimSpace(k) != "" {
			out[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return out
}

type taskDetailsData struct {
	Task                   api.Task
	Environment, Workspace string
	Artifact, Engine       string
	Executions             []api.Execution
	Schedule               *api.Schedule
	NextRuns               []time.Time
	// Service is set for route and data-service tasks, which are
	// deployed to engines instead of run.
	Service     bool
	Deployments deploymentsData
}

func (c *Console) taskDetails(w http.ResponseWriter, r *http.Request, q *request) error {
	var d taskDetailsData
	t, err := q.api.Tasks().Get(q.ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	d.Task = *t
	envs, wss, err := places(q)
	if err != nil {
		return err
	}
	d.Environment, d.Workspace = namesOf(envs).Of(d.Task.EnvironmentID), workspaceNames(wss).Of(d.Task.WorkspaceID)
	if art, err := q.api.Artifacts().Get(q.ctx, t.ArtifactID); err == nil {
		d.Artifact, d.Service = art.Name, isService(art.Type)
	}
	if d.Service {
		if d.Deployments, err = deploymentsOf(q, d.Task); err != nil {
			return err
		}
	}
	if rc := t.RunConfig; rc != nil && rc.Runtime.Type == "REMOTE_ENGINE" {
		if e, err := q.api.Engines().Get(q.ctx, rc.Runtime.ID); err == nil {
			d.Engine = e.Name
		}
	}
	if d.Schedule, err = q.api.TaskSchedules().Get(q.ctx, t.ID); err != nil {
		return err
	}
	d.NextRuns = nextRunTimes(d.Schedule)
	page, err := q.api.Executions().List(q.ctx, api.ExecutionFilter{TaskID: t.ID, ListOptions: api.ListOptions{Limit: 20}})
	if err != nil {
		return err
	}
	d.Executions = page.Items
	c.render(w, http.StatusOK, "task", view{Title: d.Task.Name, Nav: "tasks", Data: d}, q)
	return nil
}

func (c *Console) taskRun(w http.ResponseWriter, r *http.Request, q *request) error {
	out, err := q.api.Tasks().Run(q.ctx, r.PathValue("id"), api.RunRequest{})
	if err != nil {
		return err
	}
	http.Redirect(w, r, Prefix+"executions/"+url.PathEscape(out.ExecutionID), http.StatusSeeOther)
	return nil
}

func (c *Console) taskPause(w http.ResponseWriter, r *http.Request, q *request) error {
	if _, err := q.api.Tasks().Pause(q.ctx, r.PathValue("id"), ""); err != nil {
		return err
	}
	http.Redirect(w, r, Prefix+"tasks/"+url.PathEscape(r.PathValue("id")), http.StatusSeeOther)
	return nil
}

func (c *Console) taskResume(w http.ResponseWriter, r *http.Request, q *request) error {
	if _, err := q.api.Tasks().Resume(q.ctx, r.PathValue("id")); err != nil {
		return err
	}
	http.Redirect(w, r, Prefix+"tasks/"+url.PathEscape(r.PathValue("id")), http.StatusSeeOther)
	return nil
}
