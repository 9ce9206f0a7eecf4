package console

import (
	"net/http"

	"github.com/roundhouse/roundhouse/api"
)

type artifactsData struct {
	Artifacts   []api.Artifact
	Workspaces  []api.Workspace
	WsNames     names
	WorkspaceID string
}

func (c *Console) artifactRoutes() {
	c.page("GET /console/artifacts", c.artifacts)
	c.page("POST /console/artifacts", c.artifactUpload)
}

func (c *Console) artifactsData(q *request) (artifactsData, error) {
	var d artifactsData
	var err error
	if d.Artifacts, err = q.api.Artifacts().List(q.ctx, ""); err != nil {
		return d, err
	}
	_, wss, err := places(q)
	d.Workspaces, d.WsNames = wss, workspaceNames(wss)
	return d, err
}

func (c *Console) artifacts(w http.ResponseWriter, r *http.Request, q *request) error {
	d, err := c.artifactsData(q)
	if err != nil {
		return err
	}
	c.render(w, http.StatusOK, "artifacts", view{Title: "Artifacts", Nav: "artifacts", Data: d}, q)
	return nil
}

// artifactUpload sends the chosen archive to the API as it is.
func (c *Console) artifactUpload(w http.ResponseWriter, r *http.Request, q *request) error {
	ws := r.FormValue("workspaceId")
	f, header, err := r.FormFile("archive")
	if err == nil {
		defer f.Close()
		_, err = q.api.Artifacts().Upload(q.ctx, ws, f, header.Size)
	} else {
		err = &APIError{Status: http.StatusBadRequest, Message: "choose an artifact archive (.tar.gz) to upload"}
	}
	if err != nil {
		d, lerr := c.artifactsData(q)
		if lerr != nil {
			return lerr
		}
		d.WorkspaceID = ws
		return c.formError(w, r, q, err, "artifacts", view{Title: "Artifacts", Nav: "artifacts", Data: d})
	}
	http.Redirect(w, r, Prefix+"artifacts", http.StatusSeeOther)
	return nil
}
