package schedulefire

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/julienschmidt/httprouter"

	"github.com/roundhouse/roundhouse/cluster"
	"github.com/roundhouse/roundhouse/controlplane/api"
	"github.com/roundhouse/roundhouse/controlplane/schedule"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// WebhookPathPrefix is where webhook URLs live (public, no token).
const WebhookPathPrefix = "/webhooks/"

// Register adds the schedule and webhook endpoints of tasks and plans and
// the public webhook URL.
func (s *Service) Register(rt *api.Router) {
	for kind, base := range map[string]string{state.OwnerTask: "/orchestration/executables/tasks/:id", state.OwnerPlan: "/orchestration/executables/plans/:id"} {
		rt.Handle("PUT", base+"/schedule", s.putSchedule(kind))
		rt.Handle("GET", base+"/schedule", s.getSchedule(kind))
		rt.Handle("DELETE", base+"/schedule", s.deleteSchedule(kind))
		rt.Handle("POST", base+"/webhook", s.createWebhook(kind))
		rt.Handle("DELETE", base+"/webhook", s.deleteWebhook(kind))
	}
	rt.Handle("POST", WebhookPathPrefix+":secret", s.call)
}

// ScheduleView is `GET .../schedule`: the triggers, the next fires and
// the recent fires.
type ScheduleView struct {
	Triggers    []schedule.Trigger `json:"triggers"`
	NextRuns    []NextRun          `json:"nextRuns"`
	RecentFires []state.FireRecord `json:"recentFires"`
}

// NextRun is one upcoming fire.
type NextRun struct {
	TriggerID string `json:"triggerId"`
	At        string `json:"at"`
}

// checkOwner answers 404 for a missing task or plan and 403 unless the
// caller holds right on its workspace (Execute to edit triggers).
func checkOwner(r *http.Request, txn state.Reader, kind, id, right string) error {
	ws := ""
	if kind == state.OwnerPlan {
		p := state.PlanByID(txn, id)
		if p == nil {
			return api.NotFound("plan", id)
		}
		ws = p.WorkspaceID
	} else {
		t := state.TaskByID(txn, id)
		if t == nil {
			return api.NotFound("task", id)
		}
		ws = t.WorkspaceID
	}
	if right == state.WsView {
		return api.RequireView(r, ws)
	}
	return api.RequireRight(r, ws, right)
}

func (s *Service) putSchedule(kind string) api.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
		var in schedule.Schedule
		if err := api.Decode(w, r, &in); err != nil {
			return err
		}
		if err := checkOwner(r, s.store.Read(), kind, p.ByName("id"), state.WsExecute); err != nil {
			return err
		}
		for i, t := range in.Triggers {
			if t.Type == schedule.Webhook {
				return fieldError(&schedule.ValidationError{Index: i, Field: "type",
					Message: "a webhook is created with POST .../webhook, not in the schedule"})
			}
		}
		norm, _, err := schedule.Validate(in.Triggers, s.cfg.Clock.Now(), schedule.ValidateOptions{Zones: s.zones})
		if err != nil {
			return fieldError(err)
		}
		used := map[string]bool{}
		for i := range norm {
			if norm[i].ID == "" || used[norm[i].ID] {
				norm[i].ID = state.NewObjectID()
			}
			used[norm[i].ID] = true
		}
		if err := api.Propose(r, s.store, state.CmdSchedulePut, state.SchedulePutRequest{OwnerKind: kind, OwnerID: p.ByName("id"), Triggers: norm}, nil); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

// fieldError answers a validation error with a 400 whose details name the
// field (triggers[i].field).
func fieldError(err error) error {
	var ve *schedule.ValidationError
	if !errors.As(err, &ve) {
		return api.Errorf(http.StatusBadRequest, api.CodeInvalid, "%v", err)
	}
	field := ve.Field
	if ve.Index >= 0 {
		field = fmt.Sprintf("triggers[%d].%s", ve.Index, ve.Field)
	}
	e := api.Errorf(http.StatusBadRequest, api.CodeInvalid, "%s: %s", field, ve.Message)
	e.Details = []string{field}
	return e
}

func (s *Service) getSchedule(kind string) api.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
		txn, err := api.Reader(r, s.store)
		if err != nil {
			return err
		}
		if err := checkOwner(r, txn, kind, p.ByName("id"), state.WsView); err != nil {
			return err
		}
		view := ScheduleView{Triggers: []schedule.Trigger{}, NextRuns: []NextRun{}, RecentFires: []state.FireRecord{}}
		if row := state.ScheduleOf(txn, kind, p.ByName("id")); row != nil {
			view.Triggers = row.Triggers
			view.RecentFires = append(view.RecentFires, row.RecentFires...)
			var compiled []*schedule.Compiled
			for i, t := range row.Triggers {
				c, _ := schedule.Compile(i, t, s.zones)
				compiled = append(compiled, c)
			}
			for _, u := range schedule.NextFires(compiled, s.cfg.Clock.Now(), 5) {
				view.NextRuns = append(view.NextRuns, NextRun{TriggerID: row.Triggers[u.Index].ID, At: u.At.Format("2006-01-02T15:04:05Z07:00")})
			}
		}
		api.WriteJSON(w, http.StatusOK, view)
		return nil
	}
}

func (s *Service) deleteSchedule(kind string) api.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
		if err := checkOwner(r, s.store.Read(), kind, p.ByName("id"), state.WsExecute); err != nil {
			return err
		}
		if err := api.Propose(r, s.store, state.CmdScheduleDelete, state.OwnerRequest{OwnerKind: kind, OwnerID: p.ByName("id")}, nil); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

// WebhookInput is the body of `POST .../webhook`.
type WebhookInput struct {
	Name            string `json:"name"`
	WindowThreshold int    `json:"windowThreshold"`
	WindowDuration  int    `json:"windowDuration"`
}

// WebhookCreated answers it: the secret URL, shown once.
type WebhookCreated struct {
	URL string `json:"url"`
}

func (s *Service) createWebhook(kind string) api.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
		var in WebhookInput
		if err := api.Decode(w, r, &in); err != nil {
			return err
		}
		win := schedule.WebhookWindow{Name: in.Name, WindowThreshold: in.WindowThreshold, WindowDuration: in.WindowDuration}
		if err := win.Validate(-1); err != nil {
			return fieldError(err)
		}
		if err := checkOwner(r, s.store.Read(), kind, p.ByName("id"), state.WsExecute); err != nil {
			return err
		}
		secret := make([]byte, 16)
		if _, err := rand.Read(secret); err != nil {
			return err
		}
		token := hex.EncodeToString(secret)
		if err := api.Propose(r, s.store, state.CmdWebhookCreate, state.WebhookCreateRequest{Hash: HashSecret(token),
			OwnerKind: kind, OwnerID: p.ByName("id"), Window: win}, nil); err != nil {
			return err
		}
		w.Header().Set("Cache-Control", "no-store") // the URL is the secret
		api.WriteJSON(w, http.StatusCreated, WebhookCreated{URL: s.baseURL(r) + WebhookPathPrefix + token})
		return nil
	}
}

// HashSecret is how a webhook secret is stored and looked up.
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

func (s *Service) baseURL(r *http.Request) string {
	if s.cfg.PublicURL != "" {
		return strings.TrimRight(s.cfg.PublicURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (s *Service) deleteWebhook(kind string) api.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
		if err := checkOwner(r, s.store.Read(), kind, p.ByName("id"), state.WsExecute); err != nil {
			return err
		}
		if err := api.Propose(r, s.store, state.CmdWebhookDelete, state.OwnerRequest{OwnerKind: kind, OwnerID: p.ByName("id")}, nil); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

// call is the public webhook URL: no token; the secret in the path is the
// credential. Answers 204.
func (s *Service) call(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	body, err := io.ReadAll(io.LimitReader(r.Body, schedule.MaxPayloadBytes+1))
	if err != nil {
		return api.Errorf(http.StatusBadRequest, api.CodeInvalid, "read webhook payload: %v", err)
	}
	if len(body) > schedule.MaxPayloadBytes {
		return api.Errorf(http.StatusRequestEntityTooLarge, api.CodeTooLarge, "webhook payload is over %d bytes", schedule.MaxPayloadBytes)
	}
	c, err := schedule.DecodeCall(r.Header.Get("Content-Type"), body)
	switch {
	case errors.Is(err, schedule.ErrPayloadTooLarge):
		return api.Errorf(http.StatusRequestEntityTooLarge, api.CodeTooLarge, "%v", err)
	case errors.Is(err, schedule.ErrUnsupportedContentType):
		return api.Errorf(http.StatusUnsupportedMediaType, api.CodeUnsupportedType, "%v", err)
	case err != nil:
		return api.Errorf(http.StatusBadRequest, api.CodeInvalid, "%v", err)
	}
	hash := HashSecret(p.ByName("secret"))
	if state.WebhookByHash(s.store.Read(), hash) == nil {
		// Not on this replica: it may be new, so ask the committed state.
		txn, err := s.store.ConsistentRead(r.Context())
		if err != nil {
			return err
		}
		if state.WebhookByHash(txn, hash) == nil {
			return api.Errorf(http.StatusNotFound, api.CodeNotFound, "no webhook at this URL")
		}
	}
	meta := api.Meta(r)
	meta.Time = s.cfg.Clock.Now()
	cmd, err := cluster.NewCommand(state.CmdWebhookCall, meta, state.WebhookCallRequest{Hash: hash, Call: c,
		ExecutionIDs: []string{state.NewUUID(), state.NewUUID()}, Limits: s.cfg.Limits()})
	if err != nil {
		return err
	}
	if _, err := s.store.Apply(r.Context(), cmd, nil); err != nil {
		return RunError(err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// RunError gives run refusals the real API's statuses: 405 for a paused
// task or plan, 429 for a full queue.
func RunError(err error) error {
	rej, ok := cluster.AsRejection(err)
	if !ok {
		return err
	}
	switch {
	case strings.HasPrefix(rej.Message, state.RefusalTaskPaused):
		return api.Errorf(http.StatusMethodNotAllowed, "PAUSED", "%s", strings.TrimPrefix(rej.Message, state.RefusalTaskPaused))
	case strings.HasPrefix(rej.Message, state.RefusalQueueFull):
		return api.Errorf(http.StatusTooManyRequests, "EXECUTION_QUEUE_FULL", "%s", strings.TrimPrefix(rej.Message, state.RefusalQueueFull))
	case strings.HasPrefix(rej.Message, state.RefusalNotConfigured):
		return api.Errorf(http.StatusConflict, "TASK_NOT_CONFIGURED", "%s", strings.TrimPrefix(rej.Message, state.RefusalNotConfigured))
	}
	return err
}
