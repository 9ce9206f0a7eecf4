package console

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/roundhouse/roundhouse/api"
)

// executionsPageSize is how many executions one page of the list shows.
const executionsPageSize = 25

type executionsData struct {
	Page                 *api.Page[api.Execution]
	Status, TaskID       string
	Tasks                names
	PrevQuery, NextQuery string
	// Own is this page's query, for its live updates.
	Own              string
	HasPrev, HasNext bool
	First, Last      int
}

func (c *Console) executionRoutes() {
	c.page("GET /console/executions", c.executions)
	c.page("GET /console/executions/live", c.executionsLive)
	c.page("GET /console/executions/{id}", c.executionDetails)
	c.page("GET /console/executions/{id}/status", c.executionStatusLive)
	c.page("GET /console/executions/{id}/live", c.executionLive)
	c.page("GET /console/executions/{id}/log", c.executionDownload)
	c.page("POST /console/executions/{id}/stop", c.executionStop)
}

func (c *Console) executions(w http.ResponseWriter, r *http.Request, q *request) error {
	d, err := c.executionsData(r, q)
	if err != nil {
		return err
	}
	c.render(w, http.StatusOK, "executions", view{Title: "Operations", Nav: "executions", Data: d}, q)
	return nil
}

// executionsLive streams the rows of the list shown whenever they change.
func (c *Console) executionsLive(w http.ResponseWriter, r *http.Request, q *request) error {
	return c.liveFragment(w, r, func() (string, error) {
		d, err := c.executionsData(r, q)
		if err != nil {
			return "", err
		}
		return c.fragment("executions", "execution-rows", view{Data: d, principal: q.principal})
	})
}

// executionsData loads one page of executions, filtered by status and task.
func (c *Console) executionsData(r *http.Request, q *request) (executionsData, error) {
	d := executionsData{Status: r.FormValue("status"), TaskID: r.FormValue("taskId")}
	offset, _ := strconv.Atoi(r.FormValue("offset"))
	offset = max(offset, 0)
	var err error
	d.Page, err = q.api.Executions().List(q.ctx, api.ExecutionFilter{Status: d.Status, TaskID: d.TaskID,
		ListOptions: api.ListOptions{Limit: executionsPageSize, Offset: offset}})
	if err != nil {
		return d, err
	}
	if d.Tasks, err = taskNames(q); err != nil {
		return d, err
	}
	d.First, d.Last = offset+1, offset+len(d.Page.Items)
	d.HasPrev, d.HasNext = offset > 0, offset+executionsPageSize < d.Page.Total
	v := url.Values{}
	if d.Status != "" {
		v.Set("status", d.Status)
	}
	if d.TaskID != "" {
		v.Set("taskId", d.TaskID)
	}
	v.Set("offset", strconv.Itoa(offset))
	d.Own = v.Encode()
	v.Set("offset", strconv.Itoa(max(offset-executionsPageSize, 0)))
	d.PrevQuery = v.Encode()
	v.Set("offset", strconv.Itoa(offset+executionsPageSize))
	d.NextQuery = v.Encode()
	return d, nil
}

type executionDetailsData struct {
	Execution api.Execution
	Task      string
	Engine    string
}

func (c *Console) executionDetails(w http.ResponseWriter, r *http.Request, q *request) error {
	d, err := executionDetailsOf(q, r.PathValue("id"))
	if err != nil {
		return err
	}
	c.render(w, http.StatusOK, "execution", view{Title: "Execution " + d.Execution.ID, Nav: "executions", Data: d}, q)
	return nil
}

// executionDetailsOf loads an execution with the names of its task and
// engine.
func executionDetailsOf(q *request, id string) (executionDetailsData, error) {
	var d executionDetailsData
	e, err := q.api.Executions().Get(q.ctx, id)
	if err != nil {
		return d, err
	}
	d.Execution = *e
	if t, err := q.api.Tasks().Get(q.ctx, e.TaskID); err == nil {
		d.Task = t.Name
	}
	if e.EngineID != "" {
		if en, err := q.api.Engines().Get(q.ctx, e.EngineID); err == nil {
			d.Engine = en.Name
		}
	}
	return d, nil
}

// executionStatusLive streams the execution's status, facts and
// actions whenever they change.
func (c *Console) executionStatusLive(w http.ResponseWriter, r *http.Request, q *request) error {
	return c.liveFragment(w, r, func() (string, error) {
		d, err := executionDetailsOf(q, r.PathValue("id"))
		if err != nil {
			return "", err
		}
		return c.fragment("execution", "execution-summary", view{Data: d, principal: q.principal, CSRF: q.sess.csrfToken()})
	})
}

// executionLive streams the execution's log lines as they arrive, then
// its final status.
func (c *Console) executionLive(w http.ResponseWriter, r *http.Request, q *request) error {
	id := r.PathValue("id")
	logs, err := q.api.Executions().FollowLogs(q.ctx, id)
	if err != nil {
		return err
	}
	defer logs.Close()
	sse, err := startEvents(w)
	if err != nil {
		return err
	}
	for {
		l, err := logs.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil // the browser went away, or the node is stopping
		}
		if sse.send("line", l) != nil {
			return nil
		}
	}
	if e, err := q.api.Executions().Get(q.ctx, id); err == nil {
		_ = sse.send("end", map[string]any{"status": e.ExecutionStatus, "class": statusClass(e.ExecutionStatus),
			"started": e.StartedAt, "finished": e.FinishedAt})
	}
	return nil
}

// executionDownload sends the whole log as a text file.
func (c *Console) executionDownload(w http.ResponseWriter, r *http.Request, q *request) error {
	id := r.PathValue("id")
	logs, err := q.api.Executions().ReadLogs(q.ctx, id)
	if err != nil {
		return err
	}
	defer logs.Close()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", "execution-"+id+".log"))
	for {
		l, err := logs.Next()
		if err != nil {
			return nil
		}
		_, _ = io.WriteString(w, l.Timestamp.UTC().Format("2006-01-02T15:04:05.000Z")+" "+l.Severity+" "+l.Message+"\n")
	}
}

func (c *Console) executionStop(w http.ResponseWriter, r *http.Request, q *request) error {
	id := r.PathValue("id")
	if _, err := q.api.Executions().Stop(q.ctx, id); err != nil {
		return err
	}
	http.Redirect(w, r, Prefix+"executions/"+url.PathEscape(id), http.StatusSeeOther)
	return nil
}
