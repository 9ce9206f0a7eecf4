package console

import (
	"net/http"
	"net/url"

	"github.com/roundhouse/roundhouse/api"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// deploymentsData is a service task's deployments: one row per engine
// and its newest rollout (the progress of a deploy).
type deploymentsData struct {
	TaskID, WorkspaceID string
	Deployments         []api.Deployment
	Rollout             *api.Rollout
}

// Active reports whether a deploy or undeploy is still under way.
func (d deploymentsData) Active() bool {
	for _, dep := range d.Deployments {
		if dep.Status == api.DeploymentDeploying || dep.Status == api.DeploymentUndeploying {
			return true
		}
	}
	return d.Rollout != nil && d.Rollout.Status == state.RolloutInProgress
}

// Running reports whether any engine runs or starts the task.
func (d deploymentsData) Running() bool {
	for _, dep := range d.Deployments {
		if dep.Status == api.DeploymentRunning || dep.Status == api.DeploymentDeploying {
			return true
		}
	}
	return false
}

func (c *Console) deploymentRoutes() {
	c.page("GET /console/tasks/{id}/deployments/live", c.deploymentsLive)
	c.page("POST /console/tasks/{id}/deploy", c.deploy)
	c.page("GET /console/tasks/{id}/undeploy", c.confirmUndeploy)
	c.page("POST /console/tasks/{id}/undeploy", c.undeploy)
}

// isService reports whether an artifact type runs as a long-lived
// service that is deployed rather than run.
func isService(artifactType string) bool {
	return artifactType == state.ArtifactRoute || artifactType == state.ArtifactDataService
}

func deploymentsOf(q *request, task api.Task) (deploymentsData, error) {
	d := deploymentsData{TaskID: task.ID, WorkspaceID: task.WorkspaceID}
	var err error
	if d.Deployments, err = q.api.Deployments().List(q.ctx, task.ID); err != nil {
		return d, err
	}
	rollouts, err := q.api.Deployments().Rollouts(q.ctx, task.ID)
	if err != nil {
		return d, err
	}
	if len(rollouts) > 0 {
		d.Rollout = &rollouts[0]
	}
	return d, nil
}

// deploymentsLive sends the deployments card again whenever an engine's
// status, sub-status or the rollout changes.
func (c *Console) deploymentsLive(w http.ResponseWriter, r *http.Request, q *request) error {
	task, err := q.api.Tasks().Get(q.ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	return c.liveFragment(w, r, func() (string, error) {
		d, err := deploymentsOf(q, *task)
		if err != nil {
			return "", err
		}
		return c.fragment("task", "deployments", view{Data: d, principal: q.principal, CSRF: q.sess.csrfToken()})
	})
}

func (c *Console) deploy(w http.ResponseWriter, r *http.Request, q *request) error {
	id := r.PathValue("id")
	if _, err := q.api.Deployments().Deploy(q.ctx, id, r.FormValue("engineId")); err != nil {
		return err
	}
	http.Redirect(w, r, Prefix+"tasks/"+url.PathEscape(id)+"#deployments", http.StatusSeeOther)
	return nil
}

func (c *Console) confirmUndeploy(w http.ResponseWriter, r *http.Request, q *request) error {
	task, err := q.api.Tasks().Get(q.ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	engineID, what, consequence := r.FormValue("engineId"), "task", "Every engine stops the service; callers get no answer until it is deployed again."
	action := Prefix + "tasks/" + url.PathEscape(task.ID) + "/undeploy"
	if engineID != "" {
		name := engineID
		if e, err := q.api.Engines().Get(q.ctx, engineID); err == nil {
			name = e.Name
		}
		what, consequence = "task on engine "+name, "That engine stops the service; the other engines keep serving it."
		action += "?engineId=" + url.QueryEscape(engineID)
	}
	c.render(w, http.StatusOK, "confirm", view{Title: "Undeploy " + task.Name, Nav: "tasks", Data: confirmData{
		Verb: "Undeploy", What: what, Name: task.Name, Action: action,
		Cancel: Prefix + "tasks/" + url.PathEscape(task.ID), Consequence: consequence,
	}}, q)
	return nil
}

func (c *Console) undeploy(w http.ResponseWriter, r *http.Request, q *request) error {
	id := r.PathValue("id")
	if _, err := q.api.Deployments().Undeploy(q.ctx, id, r.FormValue("engineId")); err != nil {
		return err
	}
	http.Redirect(w, r, Prefix+"tasks/"+url.PathEscape(id)+"#deployments", http.StatusSeeOther)
	return nil
}
