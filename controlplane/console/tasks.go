package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/roundhouse/roundhouse/controlplane/state"
)

const tasksPath = "/orchestration/executables/tasks"

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
func (f taskFilter) matches(t state.Task) bool {
	switch {
	case f.Status == "PAUSED" && !t.Paused, f.Status == "ACTIVE" && t.Paused:
		return false
	case f.Text != "" && !strings.Contains(strings.ToLower(t.Name+" "+t.Description), strings.ToLower(f.Text)):
		return false
	}
	return true
}

type tasksData struct {
	Tasks                    []state.Task
	Filter                   taskFilter
	Total, Page, Pages       int
	PrevQuery, NextQuery     string
	Environments             []state.Environment
	Workspaces               []state.Workspace
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
}

func (c *Console) tasks(w http.ResponseWriter, r *http.Request, q *request) error {
	f := taskFilter{EnvironmentID: r.FormValue("environmentId"), WorkspaceID: r.FormValue("workspaceId"),
		Status: r.FormValue("status"), Text: strings.TrimSpace(r.FormValue("q"))}
	f.Page, _ = strconv.Atoi(r.FormValue("page"))
	api := url.Values{}
	if f.EnvironmentID != "" {
		api.Set("environmentId", f.EnvironmentID)
	}
	if f.WorkspaceID != "" {
		api.Set("workspaceId", f.WorkspaceID)
	}
	var all []state.Task
	if err := q.api.json(r.Context(), http.MethodGet, tasksPath+"?"+api.Encode(), nil, &all); err != nil {
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
	var err error
	if d.Environments, d.Workspaces, err = places(r, q); err != nil {
		return err
	}
	d.EnvNames, d.WsNames = namesOf(d.Environments), workspaceNames(d.Workspaces)
	c.render(w, http.StatusOK, "tasks", view{Title: "Tasks", Nav: "tasks", Data: d}, q)
	return nil
}

type taskFormData struct {
	Name, WorkspaceID, ArtifactID, Version, EngineID, Parameters string
	Workspaces                                                   []state.Workspace
	Artifacts                                                    []state.Artifact
	Engines                                                      []engine
	WsNames                                                      names
}

func (c *Console) taskFormData(r *http.Request, q *request) (taskFormData, error) {
	var d taskFormData
	if err := q.api.json(r.Context(), http.MethodGet, "/orchestration/artifacts", nil, &d.Artifacts); err != nil {
		return d, err
	}
	if err := q.api.json(r.Context(), http.MethodGet, enginesPath, nil, &d.Engines); err != nil {
		return d, err
	}
	_, wss, err := places(r, q)
	d.Workspaces, d.WsNames = wss, workspaceNames(wss)
	return d, err
}

func (c *Console) taskForm(w http.ResponseWriter, r *http.Request, q *request) error {
	d, err := c.taskFormData(r, q)
	if err != nil {
		return err
	}
	c.render(w, http.StatusOK, "task_new", view{Title: "Add a task", Nav: "tasks", Data: d}, q)
	return nil
}

// taskCreate creates the task, then sets its run config when an engine
// was chosen.
func (c *Console) taskCreate(w http.ResponseWriter, r *http.Request, q *request) error {
	d, err := c.taskFormData(r, q)
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
	in := map[string]any{"name": d.Name, "environmentId": env, "workspaceId": d.WorkspaceID,
		"artifact": map[string]string{"id": d.ArtifactID, "version": d.Version}, "parameters": parseParameters(d.Parameters),
		"alwaysLatest": d.Version == ""}
	var t state.Task
	err = q.api.json(r.Context(), http.MethodPost, tasksPath, in, &t)
	if err == nil && d.EngineID != "" {
		rc := map[string]any{"runtime": map[string]string{"type": "REMOTE_ENGINE", "id": d.EngineID}, "logLevel": "INFO"}
		err = q.api.json(r.Context(), http.MethodPut, tasksPath+"/"+t.ID+"/run-config", rc, nil)
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
	Task                   state.Task
	Environment, Workspace string
	Artifact, Engine       string
	Executions             []execution
	Schedule               taskSchedule
}

func (c *Console) taskDetails(w http.ResponseWriter, r *http.Request, q *request) error {
	var d taskDetailsData
	id := url.PathEscape(r.PathValue("id"))
	if err := q.api.json(r.Context(), http.MethodGet, tasksPath+"/"+id, nil, &d.Task); err != nil {
		return err
	}
	envs, wss, err := places(r, q)
	if err != nil {
		return err
	}
	d.Environment, d.Workspace = namesOf(envs).Of(d.Task.EnvironmentID), workspaceNames(wss).Of(d.Task.WorkspaceID)
	var art state.Artifact
	if q.api.json(r.Context(), http.MethodGet, "/orchestration/artifacts/"+url.PathEscape(d.Task.ArtifactID), nil, &art) == nil {
		d.Artifact = art.Name
	}
	if rc := d.Task.RunConfig; rc != nil && rc.Runtime.Type == "REMOTE_ENGINE" {
		var e engine
		if q.api.json(r.Context(), http.MethodGet, enginesPath+"/"+url.PathEscape(rc.Runtime.ID), nil, &e) == nil {
			d.Engine = e.Name
		}
	}
	if d.Schedule, err = scheduleOf(r, q, d.Task.ID); err != nil {
		return err
	}
	var page executionPage
	if err := q.api.json(r.Context(), http.MethodGet, "/processing/executions?limit=20&taskId="+id, nil, &page); err != nil {
		return err
	}
	d.Executions = page.Items
	c.render(w, http.StatusOK, "task", view{Title: d.Task.Name, Nav: "tasks", Data: d}, q)
	return nil
}

func (c *Console) taskRun(w http.ResponseWriter, r *http.Request, q *request) error {
	var out state.ExecutionCreated
	if err := q.api.json(r.Context(), http.MethodPost, tasksPath+"/"+url.PathEscape(r.PathValue("id"))+"/run", nil, &out); err != nil {
		return err
	}
	http.Redirect(w, r, Prefix+"executions/"+out.ExecutionID, http.StatusSeeOther)
	return nil
}

func (c *Console) taskPause(w http.ResponseWriter, r *http.Request, q *request) error {
	return c.taskLifecycle(w, r, q, "pause")
}

func (c *Console) taskResume(w http.ResponseWriter, r *http.Request, q *request) error {
	return c.taskLifecycle(w, r, q, "resume")
}

func (c *Console) taskLifecycle(w http.ResponseWriter, r *http.Request, q *request, action string) error {
	id := url.PathEscape(r.PathValue("id"))
	if err := q.api.json(r.Context(), http.MethodPost, tasksPath+"/"+id+"/"+action, nil, nil); err != nil {
		return err
	}
	http.Redirect(w, r, Prefix+"tasks/"+id, http.StatusSeeOther)
	return nil
}
