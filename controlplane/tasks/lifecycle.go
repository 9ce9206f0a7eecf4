package tasks

import (
	"fmt"
	"net/http"

	"github.com/julienschmidt/httprouter"

	"github.com/roundhouse/roundhouse/controlplane/api"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

type runConfigInput struct {
	Runtime                  state.Runtime `json:"runtime"`
	ParallelExecutionAllowed bool          `json:"parallelExecutionAllowed"`
	LogLevel                 string        `json:"logLevel"`
	Timeout                  int           `json:"timeout"`
	RemoteRunAsUser          string        `json:"remoteRunAsUser"`
	// Trigger is accepted as Talend's run-config body carries it: only
	// {"type": "MANUAL"}, since schedules have their own endpoint.
	Trigger map[string]any `json:"trigger"`
	// Route and data-service tasks only.
	state.ServiceConfig
}

func (h *Handlers) putRunConfig(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	var in runConfigInput
	if err := api.Decode(w, r, &in); err != nil {
		return err
	}
	if typ := in.Trigger["type"]; in.Trigger != nil && typ != "MANUAL" {
		return api.Errorf(http.StatusBadRequest, api.CodeInvalid,
			"trigger type %q is not set here: put schedule triggers with PUT /orchestration/executables/tasks/%s/schedule; the run config takes only {\"type\": \"MANUAL\"}",
			fmt.Sprint(typ), p.ByName("id"))
	}
	t, err := h.task(r, p)
	if err != nil {
		return err
	}
	if err := api.RequireRight(r, t.WorkspaceID, state.WsExecute); err != nil {
		return err
	}
	rc := state.RunConfig{Runtime: in.Runtime, LogLevel: in.LogLevel, ParallelExecutionAllowed: in.ParallelExecutionAllowed,
		TimeoutMinutes: in.Timeout, RemoteRunAsUser: in.RemoteRunAsUser, ServiceConfig: in.ServiceConfig}
	if err := state.ValidateTaskRunConfig(h.store.Read(), t, &rc); err != nil {
		return err
	}
	if err := h.execs.CheckRuntime(h.store.Read(), t, rc.Runtime); err != nil {
		return err
	}
	if err := api.Propose(r, h.store, state.CmdTaskRunConfig, state.TaskRunConfigRequest{ID: t.ID, RunConfig: rc}, nil); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handlers) getRunConfig(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	t, err := h.task(r, p)
	if err != nil {
		return err
	}
	if t.RunConfig == nil {
		return api.Errorf(http.StatusNotFound, "TASK_NOT_CONFIGURED", "task %q has no run config yet", t.Name)
	}
	api.WriteJSON(w, http.StatusOK, t.RunConfig)
	return nil
}

func (h *Handlers) pause(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	var in struct {
		Reason string `json:"reason"`
	}
	if r.ContentLength != 0 {
		if err := api.Decode(w, r, &in); err != nil {
			return err
		}
	}
	if err := h.checkTask(r, p, state.WsExecute); err != nil {
		return err
	}
	return h.proposeAndShow(w, r, state.CmdTaskPause, state.TaskPauseRequest{ID: p.ByName("id"), Reason: in.Reason})
}

func (h *Handlers) resume(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	if err := h.checkTask(r, p, state.WsExecute); err != nil {
		return err
	}
	return h.proposeAndShow(w, r, state.CmdTaskResume, state.IDRequest{ID: p.ByName("id")})
}

func (h *Handlers) move(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	var in struct {
		WorkspaceID string `json:"workspaceId"`
	}
	if err := api.Decode(w, r, &in); err != nil {
		return err
	}
	if !state.IsObjectID(in.WorkspaceID) {
		return api.Errorf(http.StatusBadRequest, api.CodeInvalid, "workspaceId must be a 24-hex ID, got %q", in.WorkspaceID)
	}
	if err := h.checkTask(r, p, state.WsAuthor); err != nil {
		return err
	}
	if err := api.RequireRight(r, in.WorkspaceID, state.WsAuthor); err != nil {
		return err
	}
	return h.proposeAndShow(w, r, state.CmdTaskMove, state.TaskMoveRequest{ID: p.ByName("id"), WorkspaceID: in.WorkspaceID})
}

func (h *Handlers) proposeAndShow(w http.ResponseWriter, r *http.Request, cmd string, payload any) error {
	var out state.Task
	if err := api.Propose(r, h.store, cmd, payload, &out); err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, out)
	return nil
}

// checkTask requires a workspace right on the task's workspace; an
// unknown task is left to the state's 404.
func (h *Handlers) checkTask(r *http.Request, p httprouter.Params, right string) error {
	if t := state.TaskByID(h.store.Read(), p.ByName("id")); t != nil {
		return api.RequireRight(r, t.WorkspaceID, right)
	}
	return nil
}
