package console

import (
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/roundhouse/roundhouse/api"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// enginesPageSize is how many engines one page of the list shows.
const enginesPageSize = 50

type enginesData struct {
	Engines      []api.Engine
	Environments names
	Workspaces   names
	// Text and Availability filter the list; Page is 1-based.
	Text, Availability        string
	Total, Available          int
	Page, Pages               int
	PrevQuery, NextQuery, Own string
}

func (c *Console) engineRoutes() {
	c.page("GET /console/engines", c.engines)
	c.page("GET /console/engines/live", c.enginesLive)
	c.page("GET /console/engines/new", c.engineForm)
	c.page("POST /console/engines", c.engineCreate)
	c.page("GET /console/engines/{id}", c.engineDetails)
	c.page("GET /console/engines/{id}/delete", c.engineConfirmDelete)
	c.page("POST /console/engines/{id}/delete", c.engineDelete)
	c.page("GET /console/engines/{id}/unpair", c.engineConfirmUnpair)
	c.page("POST /console/engines/{id}/unpair", c.engineUnpair)
	c.page("GET /console/engines/{id}/key", c.engineConfirmNewKey)
	c.page("POST /console/engines/{id}/key", c.engineNewKey)
}

// enginesData loads one page of the engine list, filtered by the
// request's q (name contains) and availability, with the names of their
// places.
func (c *Console) enginesData(r *http.Request, q *request) (enginesData, error) {
	d := enginesData{Text: strings.TrimSpace(r.FormValue("q")), Availability: r.FormValue("availability")}
	page, _ := strconv.Atoi(r.FormValue("page"))
	var err error
	if d.Text == "" {
		err = enginePage(q, &d, max(page, 1))
	} else {
		err = engineSearch(q, &d, max(page, 1))
	}
	if err != nil {
		return d, err
	}
	query := func(page int) string {
		v := url.Values{}
		if d.Text != "" {
			v.Set("q", d.Text)
		}
		if d.Availability != "" {
			v.Set("availability", d.Availability)
		}
		if page > 1 {
			v.Set("page", strconv.Itoa(page))
		}
		return v.Encode()
	}
	d.PrevQuery, d.NextQuery, d.Own = query(d.Page-1), query(d.Page+1), query(d.Page)
	envs, wss, err := places(q)
	if err != nil {
		return d, err
	}
	d.Environments, d.Workspaces = namesOf(envs), workspaceNames(wss)
	return d, nil
}

// enginePage asks the API for just the page shown (and the number of
// available engines), so the first page stays fast with thousands.
func enginePage(q *request, d *enginesData, page int) error {
	avail, err := q.api.Engines().ListPage(q.ctx, api.EngineFilter{Availability: state.EngineAvailable}, api.ListOptions{Limit: 1})
	if err != nil {
		return err
	}
	d.Available = avail.Total
	f := api.EngineFilter{Availability: d.Availability}
	p, err := q.api.Engines().ListPage(q.ctx, f, api.ListOptions{Limit: enginesPageSize, Offset: (page - 1) * enginesPageSize})
	if err != nil {
		return err
	}
	d.Total = p.Total
	d.Pages = max(1, (d.Total+enginesPageSize-1)/enginesPageSize)
	if d.Page = min(page, d.Pages); d.Page != page {
		p, err = q.api.Engines().ListPage(q.ctx, f, api.ListOptions{Limit: enginesPageSize, Offset: (d.Page - 1) * enginesPageSize})
	}
	d.Engines = p.Items
	return err
}

// engineSearch reads the whole list to find names containing the text,
// which the API has no filter for.
func engineSearch(q *request, d *enginesData, page int) error {
	all, err := q.api.Engines().List(q.ctx, api.EngineFilter{})
	if err != nil {
		return err
	}
	for _, e := range all {
		if e.Availability == state.EngineAvailable {
			d.Available++
		}
		if (d.Availability == "" || e.Availability == d.Availability) &&
			strings.Contains(strings.ToLower(e.Name), strings.ToLower(d.Text)) {
			d.Engines = append(d.Engines, e)
		}
	}
	d.Total = len(d.Engines)
	d.Pages = max(1, (d.Total+enginesPageSize-1)/enginesPageSize)
	d.Page = min(page, d.Pages)
	d.Engines = d.Engines[(d.Page-1)*enginesPageSize : min(d.Page*enginesPageSize, d.Total)]
	return nil
}

type enginesPage struct {
	enginesData
	Clusters []api.EngineCluster
}

func (c *Console) engines(w http.ResponseWriter, r *http.Request, q *request) error {
	d, err := c.enginesData(r, q)
	if err != nil {
		return err
	}
	clusters, err := q.api.EngineClusters().List(q.ctx)
	if err != nil {
		return err
	}
	c.render(w, http.StatusOK, "engines", view{Title: "Engines", Nav: "engines", Data: enginesPage{d, clusters}}, q)
	return nil
}

// enginesLive streams the engine table's rows whenever they change, so
// availability updates without a reload.
func (c *Console) enginesLive(w http.ResponseWriter, r *http.Request, q *request) error {
	return c.liveFragment(w, r, func() (string, error) {
		d, err := c.enginesData(r, q)
		if err != nil {
			return "", err
		}
		return c.fragment("engines", "engine-rows", view{Data: d, principal: q.principal})
	})
}

type engineFormData struct {
	Name, Description, EnvironmentID, WorkspaceID string
	Environments                                  []api.Environment
	Workspaces                                    []api.Workspace
}

func (c *Console) engineForm(w http.ResponseWriter, r *http.Request, q *request) error {
	d, err := c.engineFormData(r, q)
	if err != nil {
		return err
	}
	c.render(w, http.StatusOK, "engine_new", view{Title: "Add an engine", Nav: "engines", Data: d}, q)
	return nil
}

func (c *Console) engineFormData(r *http.Request, q *request) (engineFormData, error) {
	envs, wss, err := places(q)
	return engineFormData{Environments: envs, Workspaces: wss}, err
}

type engineKeyData struct {
	Engine      api.Engine
	PairCommand string
	Install     string
}

// engineCreate adds an engine and shows its pair key, once.
func (c *Console) engineCreate(w http.ResponseWriter, r *http.Request, q *request) error {
	in := api.EngineCreate{Name: strings.TrimSpace(r.FormValue("name")), EnvironmentID: r.FormValue("environmentId"),
		WorkspaceID: r.FormValue("workspaceId"), Description: strings.TrimSpace(r.FormValue("description"))}
	e, err := q.api.Engines().Create(q.ctx, in)
	if err != nil {
		d, lerr := c.engineFormData(r, q)
		if lerr != nil {
			return lerr
		}
		d.Name, d.Description, d.EnvironmentID, d.WorkspaceID = in.Name, in.Description, in.EnvironmentID, in.WorkspaceID
		return c.formError(w, r, q, err, "engine_new", view{Title: "Add an engine", Nav: "engines", Data: d})
	}
	c.showKey(w, r, q, *e, "Engine "+e.Name+" added")
	return nil
}

// showKey shows an engine's pair key with the commands that use it; the
// API never shows the key again.
func (c *Console) showKey(w http.ResponseWriter, r *http.Request, q *request, e api.Engine, title string) {
	c.render(w, http.StatusCreated, "engine_key", view{Title: title, Nav: "engines", Data: engineKeyData{
		Engine:      e,
		PairCommand: "roundhouse-engine pair --server " + engineServers(c.opts.EngineServers, r.Host) + " --key " + e.PreAuthorizedKey,
		Install:     "sudo roundhouse-engine install && sudo systemctl enable --now roundhouse-engine",
	}}, q)
}

// engineServers is the address engines pair with: the node's QUIC
// address, with the host the browser reached the console by when the
// node listens on every interface.
func engineServers(quic, requestHost string) string {
	host, port, err := net.SplitHostPort(quic)
	if err != nil || (host != "" && !net.ParseIP(host).IsUnspecified()) {
		return quic
	}
	if h, _, err := net.SplitHostPort(requestHost); err == nil {
		requestHost = h
	}
	return net.JoinHostPort(requestHost, port)
}

type engineDetailsData struct {
	Engine      api.Engine
	Environment string
	Workspace   string
	Running     []api.Execution
}

func (c *Console) engineDetails(w http.ResponseWriter, r *http.Request, q *request) error {
	var d engineDetailsData
	e, err := q.api.Engines().Get(q.ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	d.Engine = *e
	envs, wss, err := places(q)
	if err != nil {
		return err
	}
	d.Environment, d.Workspace = namesOf(envs).Of(d.Engine.EnvironmentID), workspaceNames(wss).Of(d.Engine.WorkspaceID)
	page, err := q.api.Executions().List(q.ctx, api.ExecutionFilter{EngineID: e.ID, ListOptions: api.ListOptions{Limit: 20}})
	if err != nil {
		return err
	}
	d.Running = page.Items
	c.render(w, http.StatusOK, "engine", view{Title: d.Engine.Name, Nav: "engines", Data: d}, q)
	return nil
}

type confirmData struct {
	// Verb is the button's word (default "Delete").
	Verb, What, Name, Action, Cancel, Consequence string
}

func (c *Console) engineConfirmDelete(w http.ResponseWriter, r *http.Request, q *request) error {
	e, err := q.api.Engines().Get(q.ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	c.render(w, http.StatusOK, "confirm", view{Title: "Delete engine " + e.Name, Nav: "engines", Data: confirmData{
		What: "engine", Name: e.Name, Action: Prefix + "engines/" + e.ID + "/delete", Cancel: Prefix + "engines/" + e.ID,
		Consequence: "Its session is closed, its certificate revoked and the engine process on its host stops. This cannot be undone.",
	}}, q)
	return nil
}

func (c *Console) engineConfirmUnpair(w http.ResponseWriter, r *http.Request, q *request) error {
	e, err := q.api.Engines().Get(q.ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	c.render(w, http.StatusOK, "confirm", view{Title: "Unpair engine " + e.Name, Nav: "engines", Data: confirmData{
		Verb: "Unpair", What: "engine", Name: e.Name, Action: Prefix + "engines/" + e.ID + "/unpair", Cancel: Prefix + "engines/" + e.ID,
		Consequence: "Its session closes and the engine process on its host stops. The engine stays in the list; pair it again with a new key.",
	}}, q)
	return nil
}

func (c *Console) engineUnpair(w http.ResponseWriter, r *http.Request, q *request) error {
	id := r.PathValue("id")
	if err := q.api.Engines().Unpair(q.ctx, id); err != nil {
		return err
	}
	http.Redirect(w, r, Prefix+"engines/"+url.PathEscape(id), http.StatusSeeOther)
	return nil
}

func (c *Console) engineConfirmNewKey(w http.ResponseWriter, r *http.Request, q *request) error {
	e, err := q.api.Engines().Get(q.ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	consequence := "The current key stops working."
	if e.Status == state.EnginePaired {
		consequence += " The engine is paired: it is unpaired now, and its process on the host stops until you pair it with the new key."
	}
	c.render(w, http.StatusOK, "confirm", view{Title: "New pair key for " + e.Name, Nav: "engines", Data: confirmData{
		Verb: "Regenerate the pair key of", What: "engine", Name: e.Name, Action: Prefix + "engines/" + e.ID + "/key",
		Cancel: Prefix + "engines/" + e.ID, Consequence: consequence,
	}}, q)
	return nil
}

// engineNewKey issues a new pair key (the old one stops working and a
// paired engine is unpaired) and shows it once, as on creation.
func (c *Console) engineNewKey(w http.ResponseWriter, r *http.Request, q *request) error {
	e, err := q.api.Engines().Get(q.ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	key, err := q.api.Engines().NewPairKey(q.ctx, e.ID, 0)
	if err != nil {
		return err
	}
	e.PreAuthorizedKey, e.KeyExpires = key.PreAuthorizedKey, &key.ExpirationDate
	c.showKey(w, r, q, *e, "New pair key for "+e.Name)
	return nil
}

func (c *Console) engineDelete(w http.ResponseWriter, r *http.Request, q *request) error {
	if err := q.api.Engines().Delete(q.ctx, r.PathValue("id")); err != nil {
		return err
	}
	http.Redirect(w, r, Prefix+"engines", http.StatusSeeOther)
	return nil
}
