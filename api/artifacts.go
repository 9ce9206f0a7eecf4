package api

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"time"
)

// Artifact is a published job, route or data service, with its versions
// newest first.
type Artifact struct {
	ID            string    `json:"id"`
	Name          string    `json:"name"`
	Type          string    `json:"type"` // job, route, data-service
	WorkspaceID   string    `json:"workspaceId"`
	EnvironmentID string    `json:"environmentId"`
	LatestVersion string    `json:"latestVersion"`
	CreatedAt     time.Time `json:"createdAt"`
	Versions      []string  `json:"versions"`
}

// ArtifactVersion is one published version of an artifact.
type ArtifactVersion struct {
	ID         string            `json:"id"`
	ArtifactID string            `json:"artifactId"`
	Version    string            `json:"version"`
	Digest     string            `json:"digest"` // "sha256:<hex>"
	Size       int64             `json:"size"`
	BinaryType string            `json:"binaryType,omitempty"`
	Entrypoint []string          `json:"entrypoint"`
	Parameters map[string]string `json:"parameters"`
	HealthPath string            `json:"healthPath,omitempty"`
	Holders    []string          `json:"holders"`
	UploadedBy string            `json:"uploadedBy"`
	UploadedAt time.Time         `json:"uploadedAt"`
}

// ArtifactPublished is the answer to an upload.
type ArtifactPublished struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Version     string `json:"version"`
	Digest      string `json:"digest"`
	Size        int64  `json:"size"`
	TaskID      string `json:"taskId,omitempty"` // the task created with a new artifact
	WorkspaceID string `json:"workspaceId"`
}

// Artifacts calls /orchestration/artifacts.
type Artifacts struct{ c *Client }

// Artifacts returns the artifact calls.
func (c *Client) Artifacts() Artifacts { return Artifacts{c} }

const artifactsPath = "/orchestration/artifacts"

func artifactPath(id string) string { return artifactsPath + "/" + url.PathEscape(id) }

// Upload publishes an artifact archive (a .tar.gz holding artifact.json,
// as `roundhouse artifact build` writes) to workspaceID, or to the default
// environment's Shared workspace when workspaceID is empty. size is the
// archive's length, or -1 when unknown.
func (s Artifacts) Upload(ctx context.Context, workspaceID string, archive io.Reader, size int64) (*ArtifactPublished, error) {
	req, err := s.c.request(ctx, "POST", artifactsPath, query("workspaceId", workspaceID), "application/gzip", archive)
	if err != nil {
		return nil, err
	}
	req.ContentLength = size
	if size == 0 {
		req.Body = http.NoBody
	}
	return decodeAnswer[ArtifactPublished](s.c, req)
}

// List lists the artifacts the caller may see, of workspaceID when set.
func (s Artifacts) List(ctx context.Context, workspaceID string) ([]Artifact, error) {
	var out []Artifact
	return out, s.c.Do(ctx, "GET", artifactsPath, query("workspaceId", workspaceID), nil, &out)
}

// Get reads one artifact.
func (s Artifacts) Get(ctx context.Context, id string) (*Artifact, error) {
	var out Artifact
	return &out, s.c.Do(ctx, "GET", artifactPath(id), nil, nil, &out)
}

// Versions lists an artifact's versions, newest first.
func (s Artifacts) Versions(ctx context.Context, id string) ([]ArtifactVersion, error) {
	var out []ArtifactVersion
	return out, s.c.Do(ctx, "GET", artifactPath(id)+"/versions", nil, nil, &out)
}

// Delete deletes an artifact.
func (s Artifacts) Delete(ctx context.Context, id string) error {
	return s.c.Do(ctx, "DELETE", artifactPath(id), nil, nil, nil)
}

// Download opens the archive of one version of an artifact;
// the caller closes it.
func (s Artifacts) Download(ctx context.Context, id, version string) (io.ReadCloser, error) {
	resp, err := s.c.Raw(ctx, "GET", artifactPath(id)+"/content", query("version", version), "", nil)
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}

// DownloadByDigest opens the archive with digest ("sha256:<hex>").
func (s Artifacts) DownloadByDigest(ctx context.Context, digest string) (io.ReadCloser, error) {
	resp, err := s.c.Raw(ctx, "GET", "/orchestration/artifact-blobs/"+url.PathEscape(digest), nil, "", nil)
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}
