package state

import (
	"strings"
	"time"

	"github.com/roundhouse/roundhouse/cluster"
)

// Artifact types (artifact.json "type").
const (
	ArtifactJob         = "job"
	ArtifactRoute       = "route"
	ArtifactDataService = "data-service"
)

// MaxArtifactBytes is Talend's maximum artifact size (400 MB).
const MaxArtifactBytes = 400 << 20

// Artifact is a named deliverable of a workspace; each upload adds a
// version. Deleting an artifact deletes all its versions, and only when no
// task uses any of them.
type Artifact struct {
	ID            string    `json:"id"`
	Name          string    `json:"name"`
	Type          string    `json:"type"`
	WorkspaceID   string    `json:"workspaceId"`
	EnvironmentID string    `json:"environmentId"`
	LatestVersion string    `json:"latestVersion"`
	CreatedAt     time.Time `json:"createdAt"`
}

// ArtifactVersion is one uploaded archive: its manifest, its content
// digest and the control-plane nodes that hold the blob.
type ArtifactVersion struct {
	ID         string            `json:"id"` // ArtifactID + "@" + Version
	ArtifactID string            `json:"artifactId"`
	Version    string            `json:"version"`
	Digest     string            `json:"digest"` // "sha256:<hex>"
	Size       int64             `json:"size"`
	BinaryType string            `json:"binaryType,omitempty"`
	Entrypoint []string          `json:"entrypoint"`
	Parameters map[string]string `json:"parameters"`
	HealthPath string            `json:"healthPath,omitempty"`
	Holders    []string          `json:"holders"` // node IDs holding the blob
	UploadedBy string            `json:"uploadedBy"`
	UploadedAt time.Time         `json:"uploadedAt"`
}

const (
	tableArtifacts        = "artifacts"
	tableArtifactVersions = "artifact_versions"

	CmdArtifactPublish = "artifact.publish"
	CmdArtifactDelete  = "artifact.delete"
)

func artifactSpec() cluster.Spec {
	return cluster.Spec{
		Tables: []cluster.Table{
			table(tableArtifacts, func() any { return new(Artifact) }, idIndex(),
				compoundIndex("workspace_name", true, "WorkspaceID", "Name"),
				stringIndex("workspace", "WorkspaceID", false)),
			table(tableArtifactVersions, func() any { return new(ArtifactVersion) }, idIndex(),
				stringIndex("artifact", "ArtifactID", false), stringIndex("digest", "Digest", false)),
		},
		Handlers: map[string]cluster.Handler{
			CmdArtifactPublish: applyArtifactPublish,
			CmdArtifactDelete:  applyArtifactDelete,
		},
	}
}

// ArtifactByID reads an artifact.
func ArtifactByID(txn Reader, id string) *Artifact {
	return first[Artifact](txn, tableArtifacts, "id", id)
}

// Artifacts lists every artifact in ID order.
func Artifacts(txn Reader) []*Artifact { return all[Artifact](txn, tableArtifacts, "id") }

// ArtifactVersions lists an artifact's versions (unordered: sort by
// CompareVersions for display).
func ArtifactVersions(txn Reader, artifactID string) []*ArtifactVersion {
	return all[ArtifactVersion](txn, tableArtifactVersions, "artifact", artifactID)
}

// ArtifactVersionOf reads one version; version "" means the latest.
func ArtifactVersionOf(txn Reader, artifactID, version string) *ArtifactVersion {
	if version == "" {
		a := ArtifactByID(txn, artifactID)
		if a == nil {
			return nil
		}
		version = a.LatestVersion
	}
	return first[ArtifactVersion](txn, tableArtifactVersions, "id", artifactID+"@"+version)
}

// ArtifactVersionByDigest finds a version with this content digest.
func ArtifactVersionByDigest(txn Reader, digest string) *ArtifactVersion {
	return first[ArtifactVersion](txn, tableArtifactVersions, "digest", digest)
}

// ArtifactPublishRequest records an uploaded archive. The blob is already
// stored (and replicated) under Digest; IDs come from the proposer. When
// no task of the artifact's name exists in the workspace a job task is
// created with TaskID, as publishing does in the product.
type ArtifactPublishRequest struct {
	ArtifactID  string          `json:"artifactId"` // used when the artifact is new
	Name        string          `json:"name"`
	Type        string          `json:"type"`
	WorkspaceID string          `json:"workspaceId"`
	Version     ArtifactVersion `json:"version"`
	TaskID      string          `json:"taskId"`
}

// ArtifactPublishResult is what the upload answers.
type ArtifactPublishResult struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Version     string `json:"version"`
	Digest      string `json:"digest"`
	Size        int64  `json:"size"`
	TaskID      string `json:"taskId,omitempty"` // the auto-created task
	WorkspaceID string `json:"workspaceId"`
}

func applyArtifactPublish(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req ArtifactPublishRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	ws := WorkspaceByID(tx.Reader, req.WorkspaceID)
	if ws == nil {
		return nil, cluster.Reject(cluster.CodeNotFound, "workspace %s not found", req.WorkspaceID)
	}
	if err := validArtifactName(req.Name); err != nil {
		return nil, err
	}
	art := first[Artifact](tx.Reader, tableArtifacts, "workspace_name", ws.ID, strings.ToLower(req.Name))
	next := Artifact{ID: req.ArtifactID, Name: req.Name, Type: req.Type, WorkspaceID: ws.ID,
		EnvironmentID: ws.EnvironmentID, CreatedAt: cmd.Meta.Time}
	if art != nil {
		next = *art
		if art.Type != req.Type {
			return nil, cluster.Reject(cluster.CodeConflict, "artifact %q is a %s, not a %s", art.Name, art.Type, req.Type)
		}
		if ArtifactVersionOf(tx.Reader, art.ID, req.Version.Version) != nil {
			return nil, cluster.Reject(cluster.CodeConflict, "artifact %q already has version %s", art.Name, req.Version.Version)
		}
		if CompareVersions(req.Version.Version, art.LatestVersion) < 0 {
			return nil, cluster.Reject(cluster.CodePrecondition,
				"version %s is lower than the latest version %s of artifact %q", req.Version.Version, art.LatestVersion, art.Name)
		}
	}
	next.LatestVersion = req.Version.Version
	v := req.Version
	v.ArtifactID, v.ID, v.UploadedAt, v.UploadedBy = next.ID, next.ID+"@"+v.Version, cmd.Meta.Time, cmd.Meta.ActorName
	if err := tx.Insert(tableArtifacts, &next); err != nil {
		return nil, err
	}
	if err := tx.Insert(tableArtifactVersions, &v); err != nil {
		return nil, err
	}
	res := &ArtifactPublishResult{ID: next.ID, Name: next.Name, Version: v.Version, Digest: v.Digest, Size: v.Size, WorkspaceID: ws.ID}
	if next.Type == ArtifactJob && req.TaskID != "" && TaskByName(tx.Reader, ws.ID, next.Name) == nil {
		t := Task{ID: req.TaskID, Name: next.Name, EnvironmentID: ws.EnvironmentID, WorkspaceID: ws.ID,
			ArtifactID: next.ID, ArtifactVersion: v.Version, Parameters: copyParams(v.Parameters)}
		if _, err := insertTask(tx, &t); err == nil {
			res.TaskID = t.ID
		} else if _, rejected := cluster.AsRejection(err); !rejected {
			return nil, err
		}
	}
	return res, nil
}

func validArtifactName(name string) error {
	if err := validName("artifact name", name); err != nil {
		return err
	}
	// Reserved words such as SNAPSHOT make publication fail.
	if strings.Contains(strings.ToUpper(name), "SNAPSHOT") {
		return cluster.Reject(cluster.CodeInvalid, "artifact name %q contains the reserved word SNAPSHOT", name)
	}
	return nil
}

func applyArtifactDelete(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req IDRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	art := ArtifactByID(tx.Reader, req.ID)
	if art == nil {
		return nil, cluster.Reject(cluster.CodeNotFound, "artifact %s not found", req.ID)
	}
	if users := TasksUsingArtifact(tx.Reader, art.ID); len(users) > 0 {
		return nil, cluster.Reject(cluster.CodePrecondition,
			"artifact %q is used by %d task(s), e.g. %q; delete or change them first", art.Name, len(users), users[0].Name)
	}
	var digests []string
	for _, v := range ArtifactVersions(tx.Reader, art.ID) {
		digests = append(digests, v.Digest)
		if err := tx.Delete(tableArtifactVersions, v); err != nil {
			return nil, err
		}
	}
	return &ArtifactDeleteResult{Digests: digests}, tx.Delete(tableArtifacts, art)
}

// ArtifactDeleteResult lists the digests the deleted versions used; a blob
// may be removed from disk once no other version references it.
type ArtifactDeleteResult struct {
	Digests []string `json:"digests"`
}

func copyParams(in map[string]string) map[string]string {
	out := make(map[string]string, len(in))
	for k, v := range in {
		out[k] = v
	}
	return out
}
