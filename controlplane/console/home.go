package console

import (
	"net/http"
	"net/url"
	"time"

	"github.com/roundhouse/roundhouse/controlplane/state"
)

type homeData struct {
	EnginesAvailable, EnginesTotal int
	Running, Failed, Runs24h       int
	Members                        []member
	MembersHidden                  bool
	Recent                         []execution
	Tasks                          names
	NextFires                      []nextRun
}

// home is the overview: engines, the last 24 hours of executions and
// the cluster's members.
func (c *Console) home(w http.ResponseWriter, r *http.Request, q *request) error {
	var d homeData
	var engines []engine
	if err := q.api.json(r.Context(), http.MethodGet, "/processing/runtimes/remote-engines", nil, &engines); err != nil {
		return err
	}
	d.EnginesTotal = len(engines)
	for _, e := range engines {
		if e.Availability == state.EngineAvailable {
			d.EnginesAvailable++
		}
	}
	var page executionPage
	since := c.opts.Now().Add(-24 * time.Hour).UTC().Format(time.RFC3339)
	if err := q.api.json(r.Context(), http.MethodGet, "/processing/executions?limit=1000&from="+url.QueryEscape(since), nil, &page); err != nil {
		return err
	}
	d.Runs24h = page.Total
	for _, e := range page.Items {
		switch {
		case e.Active:
			d.Running++
		case e.ExecutionStatus == state.ExecFailed || e.ExecutionStatus == state.ExecDeployFailed ||
			e.ExecutionStatus == state.ExecTerminatedTimout || e.ExecutionStatus == state.ExecRejected:
			d.Failed++
		}
	}
	d.Recent = page.Items[:min(5, len(page.Items))]
	if err := q.api.json(r.Context(), http.MethodGet, "/cluster/members", nil, &d.Members); err != nil {
		d.MembersHidden = true
	}
	var tasks []state.Task
	if err := q.api.json(r.Context(), http.MethodGet, tasksPath, nil, &tasks); err != nil {
		return err
	}
	d.Tasks = names{}
	for _, t := range tasks {
		d.Tasks[t.ID] = t.Name
	}
	d.NextFires = nextFires(r, q, tasks, 5)
	c.render(w, http.StatusOK, "home", view{Title: "Home", Nav: "home", Data: d}, q)
	return nil
}

// taskNames maps the tasks the user may see to their names.
func taskNames(r *http.Request, q *request) (names, error) {
	var tasks []state.Task
	if err := q.api.json(r.Context(), http.MethodGet, "/orchestration/executables/tasks", nil, &tasks); err != nil {
		return nil, err
	}
	n := names{}
	for _, t := range tasks {
		n[t.ID] = t.Name
	}
	return n, nil
}
