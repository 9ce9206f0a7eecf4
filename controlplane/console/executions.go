package console

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/roundhouse/roundhouse/controlplane/state"
)

const executionsPath = "/processing/executions"

// executionsPageSize is how many executions one page of the list shows.
const executionsPageSize = 25

type executionsData struct {
	Page                 executionPage
	Status, TaskID       string
	Tasks                names
	PrevQuery, NextQuery string
	HasPrev, HasNext     bool
	First, Last          int
}

func (c *Console) executionRoutes() {
	c.page("GET /console/executions", c.executions)
	c.page("GET /console/executions/{id}", c.executionDetails)
	c.page("GET /console/executions/{id}/live", c.executionLive)
	c.page("GET /console/executions/{id}/log", c.executionDownload)
	c.page("POST /console/executions/{id}/stop", c.executionStop)
}

func (c *Console) executions(w http.ResponseWriter, r *http.Request, q *request) error {
	d := executionsData{Status: r.FormValue("status"), TaskID: r.FormValue("taskId")}
	offset, _ := strconv.Atoi(r.FormValue("offset"))
	offset = max(offset, 0)
	v := url.Values{"limit": {strconv.Itoa(executionsPageSize)}, "offset": {strconv.Itoa(offset)}}
	if d.Status != "" {
		v.Set("status", d.Status)
	}
	if d.TaskID != "" {
		v.Set("taskId", d.TaskID)
	}
	if err := q.api.json(r.Context(), http.MethodGet, executionsPath+"?"+v.Encode(), nil, &d.Page); err != nil {
		return err
	}
	var err error
	if d.Tasks, err = taskNames(r, q); err != nil {
		return err
	}
	d.First, d.Last = offset+1, offset+len(d.Page.Items)
	d.HasPrev, d.HasNext = offset > 0, offset+executionsPageSize < d.Page.Total
	v.Del("limit")
	v.Set("offset", strconv.Itoa(max(offset-executionsPageSize, 0)))
	d.PrevQuery = v.Encode()
	v.Set("offset", strconv.Itoa(offset+executionsPageSize))
	d.NextQuery = v.Encode()
	c.render(w, http.StatusOK, "executions", view{Title: "Operations", Nav: "executions", Data: d}, q)
	return nil
}

type executionDetailsData struct {
	Execution execution
	Task      string
	Engine    string
	Final     bool
}

func (c *Console) executionDetails(w http.ResponseWriter, r *http.Request, q *request) error {
	var d executionDetailsData
	id := url.PathEscape(r.PathValue("id"))
	if err := q.api.json(r.Context(), http.MethodGet, executionsPath+"/"+id, nil, &d.Execution); err != nil {
		return err
	}
	var t state.Task
	if q.api.json(r.Context(), http.MethodGet, tasksPath+"/"+url.PathEscape(d.Execution.TaskID), nil, &t) == nil {
		d.Task = t.Name
	}
	var e engine
	if d.Execution.EngineID != "" && q.api.json(r.Context(), http.MethodGet, enginesPath+"/"+url.PathEscape(d.Execution.EngineID), nil, &e) == nil {
		d.Engine = e.Name
	}
	d.Final = !d.Execution.Active
	c.render(w, http.StatusOK, "execution", view{Title: "Execution " + d.Execution.ID, Nav: "executions", Data: d}, q)
	return nil
}

// executionLive streams the execution's log lines as they arrive, then
// its final status.
func (c *Console) executionLive(w http.ResponseWriter, r *http.Request, q *request) error {
	id := url.PathEscape(r.PathValue("id"))
	resp, err := q.api.stream(r.Context(), http.MethodGet, executionsPath+"/"+id+"/logs?follow=true")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	sse, err := startEvents(w)
	if err != nil {
		return err
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		var l logLine
		if json.Unmarshal(sc.Bytes(), &l) != nil {
			continue
		}
		if err := sse.send("line", l); err != nil {
			return nil // the browser went away
		}
	}
	var e execution
	if err := q.api.json(r.Context(), http.MethodGet, executionsPath+"/"+id, nil, &e); err == nil {
		_ = sse.send("end", map[string]any{"status": e.ExecutionStatus, "class": statusClass(e.ExecutionStatus),
			"started": e.StartedAt, "finished": e.FinishedAt})
	}
	return nil
}

// executionDownload sends the whole log as a text file.
func (c *Console) executionDownload(w http.ResponseWriter, r *http.Request, q *request) error {
	id := r.PathValue("id")
	resp, err := q.api.stream(r.Context(), http.MethodGet, executionsPath+"/"+url.PathEscape(id)+"/logs")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", "execution-"+id+".log"))
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		var l logLine
		if json.Unmarshal(sc.Bytes(), &l) == nil {
			_, _ = io.WriteString(w, l.Timestamp.UTC().Format("2006-01-02T15:04:05.000Z")+" "+l.Severity+" "+l.Message+"\n")
		}
	}
	return nil
}

func (c *Console) executionStop(w http.ResponseWriter, r *http.Request, q *request) error {
	id := url.PathEscape(r.PathValue("id"))
	if err := q.api.json(r.Context(), http.MethodPost, executionsPath+"/"+id+"/stop", nil, nil); err != nil {
		return err
	}
	http.Redirect(w, r, Prefix+"executions/"+id, http.StatusSeeOther)
	return nil
}
