package plans

import (
	"net/http"
	"strings"

	"github.com/julienschmidt/httprouter"

	"github.com/roundhouse/roundhouse/controlplane/api"
	"github.com/roundhouse/roundhouse/controlplane/schedulefire"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// Paths of the plan runs. httprouter cannot hold /processing/executions/plans
// next to /processing/executions/:id, so Rewrite maps the contract's path
// onto internalPrefix before routing.
const (
	publicPrefix   = "/processing/executions/plans"
	internalPrefix = "/processing/plan-executions"
)

// Rewrite serves the contract's /processing/executions/plans paths from
// their internal routes.
func Rewrite(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rest, ok := strings.CutPrefix(r.URL.Path, publicPrefix); ok && (rest == "" || rest[0] == '/') {
			r2 := r.Clone(r.Context())
			r2.URL.Path = internalPrefix + rest
			r2.URL.RawPath = ""
			h.ServeHTTP(w, r2)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// Handlers serves plans and plan executions.
type Handlers struct {
	store  api.Store
	limits func() state.RunLimits
}

// Register adds the plan endpoints to rt.
func Register(rt *api.Router, s api.Store, limits func() state.RunLimits) {
	h := &Handlers{store: s, limits: limits}
	const base = "/orchestration/executables/plans"
	rt.Handle("GET", base, h.list)
	rt.Handle("POST", base, h.create)
	rt.Handle("GET", base+"/:id", h.get)
	rt.Handle("DELETE", base+"/:id", h.delete)
	rt.Handle("POST", base+"/:id/pause", h.pause)
	rt.Handle("POST", base+"/:id/resume", h.resume)
	rt.Handle("GET", base+"/:id/executions", h.executions)
	rt.Handle("POST", internalPrefix, h.start)
	rt.Handle("GET", internalPrefix+"/:id", h.getExecution)
	rt.Handle("POST", internalPrefix+"/:id/stop", h.stop)
	rt.Handle("POST", internalPrefix+"/:id/rerun", h.rerun)
}

// planAccess answers 404 for a missing plan and 403 unless the caller
// holds right on its workspace.
func (h *Handlers) planAccess(r *http.Request, id, right string) (*state.Plan, error) {
	p := state.PlanByID(h.store.Read(), id)
	if p == nil {
		return nil, api.NotFound("plan", id)
	}
	if err := api.RequireRight(r, p.WorkspaceID, right); err != nil {
		return nil, err
	}
	return p, nil
}

// executionAccess checks right on the workspace of a plan execution.
func (h *Handlers) executionAccess(r *http.Request, id, right string) error {
	pe := state.PlanExecutionByID(h.store.Read(), id)
	if pe == nil {
		return api.NotFound("plan execution", id)
	}
	return api.RequireRight(r, pe.WorkspaceID, right)
}

// PlanInput is the body of `POST /orchestration/executables/plans`.
type PlanInput struct {
	Name               string           `json:"name"`
	Description        string           `json:"description"`
	WorkspaceID        string           `json:"workspaceId"`
	Steps              []state.PlanStep `json:"steps"`
	ParallelRunAllowed bool             `json:"parallelRunAllowed"`
}

func (h *Handlers) create(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
	var in PlanInput
	if err := api.Decode(w, r, &in); err != nil {
		return err
	}
	if state.WorkspaceByID(h.store.Read(), in.WorkspaceID) != nil {
		if err := api.RequireRight(r, in.WorkspaceID, state.WsAuthor); err != nil {
			return err
		}
	}
	p := state.Plan{ID: state.NewObjectID(), Name: in.Name, Description: in.Description, WorkspaceID: in.WorkspaceID,
		Steps: in.Steps, ParallelRunAllowed: in.ParallelRunAllowed}
	var out state.Plan
	if err := api.Propose(r, h.store, state.CmdPlanCreate, p, &out); err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusCreated, out)
	return nil
}

func (h *Handlers) list(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
	txn, err := api.Reader(r, h.store)
	if err != nil {
		return err
	}
	out := []*state.Plan{}
	ws := r.URL.Query().Get("workspaceId")
	for _, p := range state.Plans(txn) {
		if (ws == "" || p.WorkspaceID == ws) && api.CanView(r, p.WorkspaceID) {
			out = append(out, p)
		}
	}
	api.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h *Handlers) get(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	txn, err := api.Reader(r, h.store)
	if err != nil {
		return err
	}
	return api.WriteViewable(w, r, "plan", p.ByName("id"), state.PlanByID(txn, p.ByName("id")),
		func(pl *state.Plan) string { return pl.WorkspaceID })
}

func (h *Handlers) delete(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	if _, err := h.planAccess(r, p.ByName("id"), state.WsAuthor); err != nil {
		return err
	}
	if err := api.Propose(r, h.store, state.CmdPlanDelete, state.IDRequest{ID: p.ByName("id")}, nil); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// PauseInput is the optional body of a pause.
type PauseInput struct {
	Reason string `json:"reason"`
}

func (h *Handlers) pause(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	if _, err := h.planAccess(r, p.ByName("id"), state.WsExecute); err != nil {
		return err
	}
	var in PauseInput
	if r.ContentLength != 0 {
		if err := api.Decode(w, r, &in); err != nil {
			return err
		}
	}
	var out state.Plan
	if err := api.Propose(r, h.store, state.CmdPlanPause, state.PlanPauseRequest{ID: p.ByName("id"), Reason: in.Reason}, &out); err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h *Handlers) resume(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	if _, err := h.planAccess(r, p.ByName("id"), state.WsExecute); err != nil {
		return err
	}
	var out state.Plan
	if err := api.Propose(r, h.store, state.CmdPlanResume, state.IDRequest{ID: p.ByName("id")}, &out); err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h *Handlers) executions(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	txn, err := api.Reader(r, h.store)
	if err != nil {
		return err
	}
	pl := state.PlanByID(txn, p.ByName("id"))
	if pl == nil {
		return api.NotFound("plan", p.ByName("id"))
	}
	if err := api.RequireView(r, pl.WorkspaceID); err != nil {
		return err
	}
	out := []*state.PlanExecution{}
	out = append(out, state.PlanExecutionsOf(txn, p.ByName("id"))...)
	api.WriteJSON(w, http.StatusOK, out)
	return nil
}

// StartInput is the body of `POST /processing/executions/plans`.
type StartInput struct {
	Executable string            `json:"executable"`
	Parameters map[string]string `json:"parameters"`
}

func (h *Handlers) start(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
	var in StartInput
	if err := api.Decode(w, r, &in); err != nil {
		return err
	}
	if !state.IsObjectID(in.Executable) {
		return api.Errorf(http.StatusBadRequest, api.CodeInvalid, "executable must be a plan ID (24 hex), got %q", in.Executable)
	}
	if _, err := h.planAccess(r, in.Executable, state.WsExecute); err != nil {
		return err
	}
	var out state.PlanExecutionStarted
	err := api.Propose(r, h.store, state.CmdPlanExecutionStart, state.PlanExecutionStartRequest{ID: state.NewUUID(),
		PlanID: in.Executable, Parameters: in.Parameters, Limits: h.limits()}, &out)
	if err != nil {
		return schedulefire.RunError(err)
	}
	api.WriteJSON(w, http.StatusCreated, out)
	return nil
}

func (h *Handlers) getExecution(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	txn, err := api.Reader(r, h.store)
	if err != nil {
		return err
	}
	return api.WriteViewable(w, r, "plan execution", p.ByName("id"), state.PlanExecutionByID(txn, p.ByName("id")),
		func(pe *state.PlanExecution) string { return pe.WorkspaceID })
}

func (h *Handlers) stop(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	if err := h.executionAccess(r, p.ByName("id"), state.WsExecute); err != nil {
		return err
	}
	var out state.PlanExecution
	if err := api.Propose(r, h.store, state.CmdPlanExecutionStop, state.IDRequest{ID: p.ByName("id")}, &out); err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, out)
	return nil
}

// RerunInput is the body of a rerun: the first step to run again (1-based)
// and whether only its tasks that did not succeed run again.
type RerunInput struct {
	FromStep   int  `json:"fromStep"`
	OnlyFailed bool `json:"onlyFailed"`
}

func (h *Handlers) rerun(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	var in RerunInput
	if err := api.Decode(w, r, &in); err != nil {
		return err
	}
	if err := h.executionAccess(r, p.ByName("id"), state.WsExecute); err != nil {
		return err
	}
	var out state.PlanExecutionStarted
	err := api.Propose(r, h.store, state.CmdPlanExecutionRerun, state.PlanRerunRequest{ID: state.NewUUID(), SourceID: p.ByName("id"),
		FromStep: in.FromStep, OnlyFailed: in.OnlyFailed, Limits: h.limits()}, &out)
	if err != nil {
		return schedulefire.RunError(err)
	}
	api.WriteJSON(w, http.StatusCreated, out)
	return nil
}
