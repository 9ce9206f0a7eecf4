package console

import (
	"net/http"
	"time"

	"github.com/roundhouse/roundhouse/api"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

type homeData struct {
	EnginesAvailable, EnginesTotal int
	Running, Failed, Runs24h       int
	Members                        []api.MemberStatus
	MembersHidden                  bool
	Recent                         []api.Execution
	Tasks                          names
	NextFires                      []nextRun
}

// home is the overview: engines, the last 24 hours of executions, the
// next scheduled runs and the cluster's members.
func (c *Console) home(w http.ResponseWriter, r *http.Request, q *request) error {
	var d homeData
	engines, err := q.api.Engines().List(q.ctx, api.EngineFilter{})
	if err != nil {
		return err
	}
	d.EnginesTotal = len(engines)
	for _, e := range engines {
		if e.Availability == state.EngineAvailable {
			d.EnginesAvailable++
		}
	}
	page, err := q.api.Executions().List(q.ctx, api.ExecutionFilter{From: c.opts.Now().Add(-24 * time.Hour),
		ListOptions: api.ListOptions{Limit: 1000}})
	if err != nil {
		return err
	}
	d.Runs24h = page.Total
	for _, e := range page.Items {
		switch {
		case e.Active:
			d.Running++
		case e.ExecutionStatus == state.ExecFailed || e.ExecutionStatus == state.ExecDeployFailed ||
			e.ExecutionStatus == state.ExecTerminatedTimeout || e.ExecutionStatus == state.ExecRejected:
			d.Failed++
		}
	}
	d.Recent = page.Items[:min(5, len(page.Items))]
	if d.Members, err = q.api.Cluster().Members(q.ctx); err != nil {
		d.MembersHidden = true
	}
	tasks, err := q.api.Tasks().List(q.ctx, api.TaskFilter{})
	if err != nil {
		return err
	}
	d.Tasks = taskNamesOf(tasks)
	d.NextFires = nextFires(q, tasks, 5)
	c.render(w, http.StatusOK, "home", view{Title: "Home", Nav: "home", Data: d}, q)
	return nil
}

func taskNamesOf(tasks []api.Task) names {
	n := names{}
	for _, t := range tasks {
		n[t.ID] = t.Name
	}
	return n
}

// taskNames maps the tasks the user may see to their names.
func taskNames(q *request) (names, error) {
	tasks, err := q.api.Tasks().List(q.ctx, api.TaskFilter{})
	return taskNamesOf(tasks), err
}
