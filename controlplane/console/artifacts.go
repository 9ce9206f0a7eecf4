package console

import (
	"net/http"
	"net/url"

	"github.com/roundhouse/roundhouse/controlplane/state"
)

type artifactsData struct {
	Artifacts   []state.Artifact
	Workspaces  []state.Workspace
	WsNames     names
	WorkspaceID string
}

func (c *Console) artifactRoutes() {
	c.page("GET /console/artifacts", c.artifacts)
	c.page("POST /console/artifacts", c.artifactUpload)
}

func (c *Console) artifactsData(r *http.Request, q *request) (artifactsData, error) {
	var d artifactsData
	if err := q.api.json(r.Context(), http.MethodGet, "/orchestration/artifacts", nil, &d.Artifacts); err != nil {
		return d, err
	}
	_, wss, err := places(r, q)
	d.Workspaces, d.WsNames = wss, workspaceNames(wss)
	return d, err
}

func (c *Console) artifacts(w http.ResponseWriter, r *http.Request, q *request) error {
	d, err := c.artifactsData(r, q)
	if err != nil {
		return err
	}
	c.render(w, http.StatusOK, "artifacts", view{Title: "Artifacts", Nav: "artifacts", Data: d}, q)
	return nil
}

// artifactUpload sends the chosen archive to the API as it is.
func (c *Console) artifactUpload(w http.ResponseWriter, r *http.Request, q *request) error {
	ws := r.FormValue("workspaceId")
	f, _, err := r.FormFile("archive")
	if err == nil {
		defer f.Close()
		path := "/orchestration/artifacts"
		if ws != "" {
			path += "?workspaceId=" + url.QueryEscape(ws)
		}
		err = q.api.raw(r.Context(), http.MethodPost, path, f, "application/gzip", nil)
	} else {
		err = &APIError{Status: http.StatusBadRequest, Message: "choose an artifact archive (.tar.gz) to upload"}
	}
	if err != nil {
		d, lerr := c.artifactsData(r, q)
		if lerr != nil {
			return lerr
		}
		d.WorkspaceID = ws
		return c.formError(w, r, q, err, "artifacts", view{Title: "Artifacts", Nav: "artifacts", Data: d})
	}
	http.Redirect(w, r, Prefix+"artifacts", http.StatusSeeOther)
	return nil
}
