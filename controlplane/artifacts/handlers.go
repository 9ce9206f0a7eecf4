package artifacts

import (
	"context"
	"errors"
	"mime"
	"net/http"
	"sort"
	"time"

	"github.com/julienschmidt/httprouter"

	"github.com/roundhouse/roundhouse/cluster"
	"github.com/roundhouse/roundhouse/controlplane/api"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// Register adds the artifact endpoints to rt and the blob replication
// endpoints under InternalPrefix.
func (s *Service) Register(rt *api.Router) {
	rt.Handle("POST", "/orchestration/artifacts", s.upload)
	rt.Handle("GET", "/orchestration/artifacts", s.list)
	rt.Handle("GET", "/orchestration/artifacts/:id", s.get)
	rt.Handle("DELETE", "/orchestration/artifacts/:id", s.delete)
	rt.Handle("GET", "/orchestration/artifacts/:id/versions", s.versions)
	rt.Handle("GET", "/orchestration/artifacts/:id/content", s.content)
	rt.Handle("GET", "/orchestration/artifact-blobs/:digest", s.blobByDigest)
	rt.Mount(InternalPrefix, s.InternalHandler())
}

func (s *Service) upload(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || (mt != "application/gzip" && mt != "application/x-gzip") {
		return api.Errorf(http.StatusUnsupportedMediaType, api.CodeUnsupportedType,
			"the body must be the artifact archive with Content-Type: application/gzip")
	}
	if r.ContentLength > s.cfg.MaxBytes {
		return tooLarge(s.cfg.MaxBytes)
	}
	ws, err := s.targetWorkspace(r)
	if err != nil {
		return err
	}
	if !api.PrincipalOf(r).HasIn(ws.ID, state.WsPublish) {
		return api.Errorf(http.StatusForbidden, api.CodeForbidden, "publishing needs the %s permission on workspace %s", state.WsPublish, ws.ID)
	}
	st, err := s.blobs.Stage(r.Body, s.cfg.MaxBytes)
	if errors.Is(err, ErrTooLarge) {
		return tooLarge(s.cfg.MaxBytes)
	}
	if err != nil {
		return api.Errorf(http.StatusBadRequest, api.CodeInvalid, "upload interrupted: %v", err)
	}
	m, err := ReadManifest(st.Path)
	if err != nil {
		s.blobs.Discard(st)
		return api.Errorf(http.StatusBadRequest, api.CodeInvalid, "%v", err)
	}
	if err := s.blobs.Commit(st); err != nil {
		s.blobs.Discard(st)
		return err
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.ReplicationTimeout)
	holders, err := s.replicate(ctx, st.Digest)
	cancel()
	if err != nil {
		s.logger.Warn("artifact not replicated", "digest", st.Digest, "err", err)
		return api.Errorf(http.StatusServiceUnavailable, "REPLICATION_FAILED",
			"the artifact could not be stored on a quorum of control-plane nodes; nothing was published, retry later")
	}
	req := state.ArtifactPublishRequest{ArtifactID: state.NewObjectID(), Name: m.Name, Type: m.Type, WorkspaceID: ws.ID,
		TaskID: state.NewObjectID(), Version: state.ArtifactVersion{Version: m.Version, Digest: st.Digest, Size: st.Size,
			BinaryType: m.BinaryType, Entrypoint: m.Entrypoint, Parameters: m.Parameters, HealthPath: m.HealthPath, Holders: holders}}
	if req.Version.Parameters == nil {
		req.Version.Parameters = map[string]string{}
	}
	var out state.ArtifactPublishResult
	if err := api.Propose(r, s.store, state.CmdArtifactPublish, req, &out); err != nil {
		if _, refused := cluster.AsRejection(err); refused && state.ArtifactVersionByDigest(s.store.Read(), st.Digest) == nil {
			s.dropOrphan(r.Context(), st.Digest) // refused: keep no blob nothing references
		}
		return err
	}
	api.WriteJSON(w, http.StatusCreated, out)
	return nil
}

func tooLarge(max int64) error {
	return api.Errorf(http.StatusRequestEntityTooLarge, api.CodeTooLarge, "the artifact exceeds the maximum size of %d MB", max>>20)
}

// targetWorkspace is ?workspaceId=, or the default environment's Shared
// workspace.
func (s *Service) targetWorkspace(r *http.Request) (*state.Workspace, error) {
	txn := s.store.Read()
	id := r.URL.Query().Get("workspaceId")
	if id == "" {
		acct := state.AccountOf(txn)
		for _, ws := range state.WorkspacesIn(txn, acct.DefaultEnvironmentID) {
			if ws.Type == state.WorkspaceShared {
				return ws, nil
			}
		}
		return nil, api.Errorf(http.StatusBadRequest, api.CodeInvalid, "workspaceId is required")
	}
	ws := state.WorkspaceByID(txn, id)
	if ws == nil {
		return nil, api.NotFound("workspace", id)
	}
	return ws, nil
}

// artifactView is an artifact with its versions, newest first.
type artifactView struct {
	*state.Artifact
	Versions []string `json:"versions"`
}

func view(txn state.Reader, a *state.Artifact) artifactView {
	vs := sortedVersions(state.ArtifactVersions(txn, a.ID))
	out := artifactView{Artifact: a, Versions: make([]string, 0, len(vs))}
	for _, v := range vs {
		out.Versions = append(out.Versions, v.Version)
	}
	return out
}

func sortedVersions(vs []*state.ArtifactVersion) []*state.ArtifactVersion {
	sort.Slice(vs, func(i, j int) bool { return state.CompareVersions(vs[i].Version, vs[j].Version) > 0 })
	return vs
}

func (s *Service) list(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
	txn, err := api.Reader(r, s.store)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	out := []artifactView{}
	for _, a := range state.Artifacts(txn) {
		if (q.Get("workspaceId") != "" && q.Get("workspaceId") != a.WorkspaceID) || (q.Get("name") != "" && q.Get("name") != a.Name) ||
			(q.Get("type") != "" && q.Get("type") != a.Type) || (q.Get("environmentId") != "" && q.Get("environmentId") != a.EnvironmentID) ||
			!api.CanView(r, a.WorkspaceID) {
			continue
		}
		out = append(out, view(txn, a))
	}
	api.WriteJSON(w, http.StatusOK, out)
	return nil
}

// visibleArtifact answers 404 for a missing artifact and 403 unless the
// caller may read its workspace.
func visibleArtifact(r *http.Request, txn state.Reader, id string) (*state.Artifact, error) {
	a := state.ArtifactByID(txn, id)
	if a == nil {
		return nil, api.NotFound("artifact", id)
	}
	if err := api.RequireView(r, a.WorkspaceID); err != nil {
		return nil, err
	}
	return a, nil
}

func (s *Service) get(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	txn, err := api.Reader(r, s.store)
	if err != nil {
		return err
	}
	a, err := visibleArtifact(r, txn, p.ByName("id"))
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, view(txn, a))
	return nil
}

func (s *Service) versions(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	txn, err := api.Reader(r, s.store)
	if err != nil {
		return err
	}
	if _, err := visibleArtifact(r, txn, p.ByName("id")); err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, sortedVersions(state.ArtifactVersions(txn, p.ByName("id"))))
	return nil
}

func (s *Service) delete(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	if a := state.ArtifactByID(s.store.Read(), p.ByName("id")); a != nil && !api.PrincipalOf(r).HasIn(a.WorkspaceID, state.WsPublish) {
		return api.Errorf(http.StatusForbidden, api.CodeForbidden, "deleting an artifact needs the %s permission on workspace %s", state.WsPublish, a.WorkspaceID)
	}
	cmd, err := cluster.NewCommand(state.CmdArtifactDelete, api.Meta(r), state.IDRequest{ID: p.ByName("id")})
	if err != nil {
		return err
	}
	var out state.ArtifactDeleteResult
	index, err := s.store.Apply(r.Context(), cmd, &out)
	if err != nil {
		return err
	}
	txn := s.store.Read()
	var unused []string
	for _, d := range out.Digests {
		if state.ArtifactVersionByDigest(txn, d) == nil {
			unused = append(unused, d)
			if err := s.blobs.Remove(d); err != nil {
				s.logger.Warn("artifact blob not removed", "digest", d, "err", err)
			}
		}
	}
	ctx, cancel := context.WithTimeout(r.Context(), 15*time.Second)
	s.removeEverywhere(ctx, unused, index)
	cancel()
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Service) content(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	txn, err := api.Reader(r, s.store)
	if err != nil {
		return err
	}
	if _, err := visibleArtifact(r, txn, p.ByName("id")); err != nil {
		return err
	}
	v := state.ArtifactVersionOf(txn, p.ByName("id"), r.URL.Query().Get("version"))
	if v == nil {
		return api.Errorf(http.StatusNotFound, api.CodeNotFound, "artifact %s has no version %q", p.ByName("id"), r.URL.Query().Get("version"))
	}
	return s.serveBlob(w, r, v)
}

func (s *Service) blobByDigest(w http.ResponseWriter, r *http.Request, p httprouter.Params) error {
	txn, err := api.Reader(r, s.store)
	if err != nil {
		return err
	}
	v := state.ArtifactVersionByDigest(txn, p.ByName("digest"))
	if v == nil {
		return api.NotFound("artifact with digest", p.ByName("digest"))
	}
	if _, err := visibleArtifact(r, txn, v.ArtifactID); err != nil {
		return err
	}
	return s.serveBlob(w, r, v)
}

// serveBlob streams a blob (ranges allowed, so downloads can resume),
// fetching it from a holder first if this node lacks it.
func (s *Service) serveBlob(w http.ResponseWriter, r *http.Request, v *state.ArtifactVersion) error {
	if !s.blobs.Has(v.Digest) {
		if err := s.fetch(r.Context(), v); err != nil {
			s.logger.Warn("artifact fetch failed", "digest", v.Digest, "err", err)
			return api.Errorf(http.StatusServiceUnavailable, "ARTIFACT_UNAVAILABLE", "artifact %s is not on this node and no holder answered; retry later", v.Digest)
		}
	}
	f, err := s.blobs.Open(v.Digest)
	if err != nil {
		return err
	}
	defer f.Close()
	w.Header().Set("Content-Type", "application/gzip")
	w.Header().Set("X-Artifact-Digest", v.Digest)
	http.ServeContent(w, r, "", time.Time{}, f)
	return nil
}

func (s *Service) dropOrphan(ctx context.Context, digest string) {
	if err := s.blobs.Remove(digest); err != nil {
		s.logger.Warn("artifact blob not removed", "digest", digest, "err", err)
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	s.removeEverywhere(ctx, []string{digest}, 0)
}
