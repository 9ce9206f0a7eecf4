package executions

import (
	"net/http"
	"strconv"
	"time"

	"github.com/julienschmidt/httprouter"

	"github.com/roundhouse/roundhouse/controlplane/api"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// Register adds the /processing/executions endpoints to rt.
func (s *Service) Register(rt *api.Router) {
	rt.Handle("POST", "/processing/executions", s.create)
	rt.Handle("GET", "/processing/executions", s.list)
	// The task executions listing under the path Talend's Processing
	// clients call; the same page and filters as /processing/executions.
	rt.Handle("GET", "/processing/executables/tasks/executions", s.list)
	rt.Handle("GET", "/processing/executions/:id", s.get)
	rt.Handle("DELETE", "/processing/executions/:id", s.stopNoContent)
	rt.Handle("POST", "/processing/executions/:id/stop", s.stop)
	rt.Handle("GET", "/processing/executions/:id/logs", s.serveLogs)
	rt.Mount(InternalLogsPrefix, s.InternalHandler())
}

// RunInput is the body of a run: POST /processing/executions and the
// task's run endpoint (which takes the task from its path).
type RunInput struct {
	Executable string            `json:"executable"`
	Parameters map[string]string `json:"parameters"`
	LogLevel   string            `json:"logLevel"`
	Timeout    int               `json:"timeout"`
}

// Run validates in and submits it for the request's caller.
func (s *Service) Run(w http.ResponseWriter, r *http.Request, in RunInput) error {
	if !state.IsObjectID(in.Executable) {
		return api.Errorf(http.StatusBadRequest, api.CodeInvalid, "executable must be a task ID (24 hex), got %q", in.Executable)
	}
	if in.LogLevel != "" && !state.ValidLogLevel(in.LogLevel) {
		return api.Errorf(http.StatusBadRequest, api.CodeInvalid, "logLevel must be one of %v, got %q", state.LogLevels(), in.LogLevel)
	}
	if in.Timeout < 0 || (in.Timeout > 0 && in.Timeout < state.MinTaskTimeoutMinutes) {
		return api.Errorf(http.StatusBadRequest, api.CodeInvalid, "timeout is in minutes and at least %d", state.MinTaskTimeoutMinutes)
	}
	if t := state.TaskByID(s.store.Read(), in.Executable); t != nil {
		if err := api.RequireRight(r, t.WorkspaceID, state.WsExecute); err != nil {
			return err
		}
	}
	var userID string
	if p := api.PrincipalOf(r); p != nil {
		userID = p.ID
	}
	id, err := s.Submit(r.Context(), api.Meta(r), SubmitRequest{TaskID: in.Executable, Parameters: in.Parameters,
		LogLevel: in.LogLevel, TimeoutMinutes: in.Timeout, ExecutionType: state.ExecutionManual, UserID: userID})
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusCreated, state.ExecutionCreated{ExecutionID: id})
	return nil
}

func (s *Service) create(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
	var in RunInput
	if err := api.Decode(w, r, &in); err != nil {
		return err
	}
	return s.Run(w, r, in)
}

// View is an execution as the API shows it: the record plus the short
// status and the timeout in minutes.
type View struct {
	*state.Execution
	Status         string `json:"status"`
	TimeoutMinutes int    `json:"timeout"`
}

// NewView builds the API view of an execution.
func (s *Service) NewView(e *state.Execution) View {
	return View{Execution: e, Status: state.ShortStatus(e.ExecutionStatus), TimeoutMinutes: int(e.Timeout / s.cfg.Minute)}
}

func (s *Service) get(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	txn, err := api.Reader(r, s.store)
	if err != nil {
		return err
	}
	e, err := state.ExecutionByID(txn, p.ByName("id"))
	if err != nil {
		return err
	}
	if e == nil {
		return api.NotFound("execution", p.ByName("id"))
	}
	if err := api.RequireView(r, e.WorkspaceID); err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, s.NewView(e))
	return nil
}

// Page is one page of a list.
type Page struct {
	Items  []View `json:"items"`
	Total  int    `json:"total"`
	Offset int    `json:"offset"`
	Limit  int    `json:"limit"`
}

func (s *Service) list(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
	f, err := parseFilter(r)
	if err != nil {
		return err
	}
	txn, err := api.Reader(r, s.store)
	if err != nil {
		return err
	}
	return s.writePage(w, txn, f)
}

// writePage answers with the page of executions f selects.
func (s *Service) writePage(w http.ResponseWriter, txn state.Reader, f state.ExecutionFilter) error {
	items, total, err := state.ListExecutions(txn, f)
	if err != nil {
		return err
	}
	out := Page{Items: make([]View, 0, len(items)), Total: total, Offset: f.Offset, Limit: f.Limit}
	for _, e := range items {
		out.Items = append(out.Items, s.NewView(e))
	}
	api.WriteJSON(w, http.StatusOK, out)
	return nil
}

// TaskExecutions serves a task's executions, newest first (used by the
// tasks endpoints).
func (s *Service) TaskExecutions(w http.ResponseWriter, r *http.Request, taskID string) error {
	f, err := parseFilter(r)
	if err != nil {
		return err
	}
	f.TaskID = taskID
	txn, err := api.Reader(r, s.store)
	if err != nil {
		return err
	}
	return s.writePage(w, txn, f)
}

func parseFilter(r *http.Request) (state.ExecutionFilter, error) {
	q := r.URL.Query()
	f := state.ExecutionFilter{Status: q.Get("status"), TaskID: q.Get("taskId"), EngineID: q.Get("engineId"), Limit: 100}
	for name, dst := range map[string]*time.Time{"from": &f.From, "to": &f.To} {
		if v := q.Get(name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return f, api.Errorf(http.StatusBadRequest, api.CodeInvalid, "%s must be an RFC 3339 time, got %q", name, v)
			}
			*dst = t
		}
	}
	for name, dst := range map[string]*int{"offset": &f.Offset, "limit": &f.Limit} {
		if v := q.Get(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || (name == "limit" && (n < 1 || n > 1000)) {
				return f, api.Errorf(http.StatusBadRequest, api.CodeInvalid, "%s must be a number (limit 1-1000), got %q", name, v)
			}
			*dst = n
		}
	}
	f.Visible = func(ws string) bool { return api.CanView(r, ws) }
	return f, nil
}

// checkStop requires Execute on the execution's workspace.
func (s *Service) checkStop(r *http.Request, id string) error {
	e, err := state.ExecutionByID(s.store.Read(), id)
	if err != nil || e == nil {
		return err // none: the state answers 404
	}
	return api.RequireRight(r, e.WorkspaceID, state.WsExecute)
}

func (s *Service) stop(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	if err := s.checkStop(r, p.ByName("id")); err != nil {
		return err
	}
	if _, err := s.Stop(r.Context(), api.Meta(r), p.ByName("id")); err != nil {
		return err
	}
	e, err := state.ExecutionByID(s.store.Read(), p.ByName("id"))
	if err != nil {
		return err
	}
	if e == nil {
		return api.NotFound("execution", p.ByName("id"))
	}
	api.WriteJSON(w, http.StatusOK, s.NewView(e))
	return nil
}

func (s *Service) stopNoContent(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	if err := s.checkStop(r, p.ByName("id")); err != nil {
		return err
	}
	if _, err := s.Stop(r.Context(), api.Meta(r), p.ByName("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
