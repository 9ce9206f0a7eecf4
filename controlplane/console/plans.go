package console

import (
	"net/http"
	"net/url"

	"github.com/roundhouse/roundhouse/api"
)

type plansData struct {
	Plans       []api.Plan
	WorkspaceID string
	Workspaces  []api.Workspace
	WsNames     names
}

// planData is a plan with the names its flow shows.
type planData struct {
	Plan       api.Plan
	Workspace  string
	TaskNames  names
	PlanNames  names
	Executions []api.PlanExecution
	// Run is the execution the page shows (the plan-execution view).
	Run *api.PlanExecution
}

func (c *Console) planRoutes() {
	c.page("GET /console/plans", c.plans)
	c.page("GET /console/plans/{id}", c.plan)
	c.page("POST /console/plans/{id}/run", c.planRun)
	c.page("GET /console/plan-executions/{id}", c.planExecution)
	c.page("GET /console/plan-executions/{id}/live", c.planExecutionLive)
}

func (c *Console) plans(w http.ResponseWriter, r *http.Request, q *request) error {
	d := plansData{WorkspaceID: r.FormValue("workspaceId")}
	var err error
	if d.Plans, err = q.api.Plans().List(q.ctx, d.WorkspaceID); err != nil {
		return err
	}
	if _, d.Workspaces, err = places(q); err != nil {
		return err
	}
	d.WsNames = workspaceNames(d.Workspaces)
	c.render(w, http.StatusOK, "plans", view{Title: "Plans", Nav: "plans", Data: d}, q)
	return nil
}

// planFlow reads a plan and the names of the tasks and plans it runs.
func planFlow(q *request, id string) (planData, error) {
	var d planData
	p, err := q.api.Plans().Get(q.ctx, id)
	if err != nil {
		return d, err
	}
	d.Plan = *p
	tasks, err := q.api.Tasks().List(q.ctx, api.TaskFilter{WorkspaceID: p.WorkspaceID})
	if err != nil {
		return d, err
	}
	d.TaskNames = names{}
	for _, t := range tasks {
		d.TaskNames[t.ID] = t.Name
	}
	plans, err := q.api.Plans().List(q.ctx, p.WorkspaceID)
	if err != nil {
		return d, err
	}
	d.PlanNames = names{}
	for _, other := range plans {
		d.PlanNames[other.ID] = other.Name
	}
	if ws, err := q.api.Workspaces().Get(q.ctx, p.WorkspaceID); err == nil {
		d.Workspace = ws.Name
	}
	return d, nil
}

func (c *Console) plan(w http.ResponseWriter, r *http.Request, q *request) error {
	d, err := planFlow(q, r.PathValue("id"))
	if err != nil {
		return err
	}
	if d.Executions, err = q.api.Plans().Executions(q.ctx, d.Plan.ID); err != nil {
		return err
	}
	d.Executions = d.Executions[:min(len(d.Executions), 20)]
	c.render(w, http.StatusOK, "plan", view{Title: d.Plan.Name, Nav: "plans", Data: d}, q)
	return nil
}

func (c *Console) planRun(w http.ResponseWriter, r *http.Request, q *request) error {
	out, err := q.api.Plans().Run(q.ctx, api.PlanRunRequest{Executable: r.PathValue("id")})
	if err != nil {
		return err
	}
	http.Redirect(w, r, Prefix+"plan-executions/"+url.PathEscape(out.ExecutionID), http.StatusSeeOther)
	return nil
}

func planRunOf(q *request, id string) (planData, error) {
	run, err := q.api.Plans().Execution(q.ctx, id)
	if err != nil {
		return planData{}, err
	}
	d, err := planFlow(q, run.PlanID)
	d.Run = run
	return d, err
}

func (c *Console) planExecution(w http.ResponseWriter, r *http.Request, q *request) error {
	d, err := planRunOf(q, r.PathValue("id"))
	if err != nil {
		return err
	}
	c.render(w, http.StatusOK, "plan_execution", view{Title: d.Plan.Name + " execution", Nav: "plans", Data: d}, q)
	return nil
}

// planExecutionLive sends the execution's flow again whenever a step or
// task changes state, until the browser leaves.
func (c *Console) planExecutionLive(w http.ResponseWriter, r *http.Request, q *request) error {
	id := r.PathValue("id")
	return c.liveFragment(w, r, func() (string, error) {
		d, err := planRunOf(q, id)
		if err != nil {
			return "", err
		}
		return c.fragment("plan_execution", "plan-run", view{Data: d, principal: q.principal, CSRF: q.sess.csrfToken()})
	})
}
