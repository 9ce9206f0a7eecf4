package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/roundhouse/roundhouse/protocol"
)

// Engine status and availability values.
const (
	EngineNotPaired    = "NOT_PAIRED"
	EnginePaired       = "PAIRED"
	EngineAvailable    = "AVAILABLE"
	EngineNotAvailable = "NOT_AVAILABLE"
	EngineRetired      = "RETIRED"
)

// Engine is a remote engine.
type Engine struct {
	ID               string     `json:"id"`
	RuntimeID        string     `json:"runtimeId"`
	Name             string     `json:"name"`
	Description      string     `json:"description,omitempty"`
	Type             string     `json:"type"`
	EnvironmentID    string     `json:"environmentId"`
	WorkspaceID      string     `json:"workspaceId,omitempty"`
	ClusterID        string     `json:"clusterId,omitempty"`
	Status           string     `json:"status"`       // NOT_PAIRED, PAIRED
	Availability     string     `json:"availability"` // AVAILABLE, NOT_AVAILABLE, RETIRED
	PreAuthorizedKey string     `json:"preAuthorizedKey,omitempty"`
	KeyExpires       *time.Time `json:"preAuthorizedKeyExpirationDate,omitempty"`
	Version          string     `json:"version,omitempty"`
	// Host is what the engine reported about its machine when it paired.
	Host            *protocol.HostFacts   `json:"host,omitempty"`
	RunProfiles     []RunProfile          `json:"runProfiles"`
	PairDate        *time.Time            `json:"pairDate,omitempty"`
	CreateDate      time.Time             `json:"createDate"`
	UpdateDate      time.Time             `json:"updateDate"`
	LastHeartbeatAt *time.Time            `json:"lastHeartbeatAt,omitempty"`
	HostSummary     *protocol.HostSummary `json:"hostSummary,omitempty"`
}

// EngineCreate creates an engine; the answer holds its pair key, shown
// once.
type EngineCreate struct {
	Name          string `json:"name"`
	EnvironmentID string `json:"environmentId"`
	WorkspaceID   string `json:"workspaceId,omitempty"`
	Description   string `json:"description,omitempty"`
	Type          string `json:"type,omitempty"`
	// KeyTTLSeconds is the pair key's lifetime (0: the server's default).
	KeyTTLSeconds int64 `json:"preAuthorizedKeyTtlSeconds,omitempty"`
}

// EngineUpdate changes the fields that are set.
type EngineUpdate struct {
	Name          *string `json:"name,omitempty"`
	Description   *string `json:"description,omitempty"`
	EnvironmentID *string `json:"environmentId,omitempty"`
	WorkspaceID   *string `json:"workspaceId,omitempty"`
}

// EngineFilter narrows an engine list; empty fields match all.
type EngineFilter struct {
	EnvironmentID, WorkspaceID, Name, Status, Availability string
}

// PairKey is a new pre-authorized key for pairing an engine.
type PairKey struct {
	PreAuthorizedKey string    `json:"preAuthorizedKey"`
	ExpirationDate   time.Time `json:"expirationDate"`
}

// ResourceLimits bound what one run of a run profile may use; zero is no
// limit.
type ResourceLimits struct {
	CPUMillis    int `json:"cpuMillis,omitempty"`
	MemoryMB     int `json:"memoryMB,omitempty"`
	MaxProcesses int `json:"maxProcesses,omitempty"`
	MaxOpenFiles int `json:"maxOpenFiles,omitempty"`
}

// RunProfile is a named set of limits on an engine or cluster.
type RunProfile struct {
	ID          string         `json:"id"`
	Name        string         `json:"name"`
	Description string         `json:"description,omitempty"`
	Type        string         `json:"type"` // JOB_SERVER, MICROSERVICE, TALEND_RUNTIME
	RuntimeID   string         `json:"runtimeId"`
	Limits      ResourceLimits `json:"limits"`
	CreatedAt   time.Time      `json:"createDate"`
}

// RunProfileCreate creates a run profile.
type RunProfileCreate struct {
	Name        string         `json:"name"`
	Description string         `json:"description,omitempty"`
	Type        string         `json:"type"`
	Limits      ResourceLimits `json:"limits"`
}

// Engines calls /processing/runtimes/remote-engines.
type Engines struct{ c *Client }

// Engines returns the engine calls.
func (c *Client) Engines() Engines { return Engines{c} }

const (
	enginesPath     = "/processing/runtimes/remote-engines"
	clustersPath    = "/processing/runtimes/remote-engine-clusters"
	runProfilesPath = "/processing/runtimes/run-profiles"
	engineSubsPath  = "/processing/runtimes/engine-notification-subscriptions"
)

func enginePath(id string) string { return enginesPath + "/" + url.PathEscape(id) }

// List lists the engines matching f.
func (s Engines) List(ctx context.Context, f EngineFilter) ([]Engine, error) {
	var out []Engine
	q := query("environmentId", f.EnvironmentID, "workspaceId", f.WorkspaceID, "name", f.Name,
		"status", f.Status, "availability", f.Availability)
	return out, s.c.Do(ctx, "GET", enginesPath, q, nil, &out)
}

// ListPage reads one page of the engines matching f and how many match
// in all (the list answers an array; the total comes in X-Total-Count).
func (s Engines) ListPage(ctx context.Context, f EngineFilter, opts ListOptions) (*Page[Engine], error) {
	q := query("environmentId", f.EnvironmentID, "workspaceId", f.WorkspaceID, "name", f.Name,
		"status", f.Status, "availability", f.Availability)
	q = pageQuery(q, opts)
	if opts.Limit == 0 && opts.Offset == 0 {
		q.Set("offset", "0") // ask for a page: the server's largest
	}
	resp, err := s.c.send(ctx, "GET", enginesPath, q, "", nil)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out := Page[Engine]{Offset: opts.Offset, Limit: opts.Limit}
	if err := json.NewDecoder(resp.Body).Decode(&out.Items); err != nil {
		return nil, fmt.Errorf("GET %s: decode answer: %w", enginesPath, err)
	}
	if out.Total, err = strconv.Atoi(resp.Header.Get("X-Total-Count")); err != nil {
		return nil, fmt.Errorf("GET %s: the answer has no X-Total-Count (a node older than this client?)", enginesPath)
	}
	return &out, nil
}

// Get reads one engine.
func (s Engines) Get(ctx context.Context, id string) (*Engine, error) {
	var out Engine
	return &out, s.c.Do(ctx, "GET", enginePath(id), nil, nil, &out)
}

// Create creates an engine; PreAuthorizedKey of the answer pairs it.
func (s Engines) Create(ctx context.Context, in EngineCreate) (*Engine, error) {
	var out Engine
	return &out, s.c.Do(ctx, "POST", enginesPath, nil, in, &out)
}

// Update changes an engine.
func (s Engines) Update(ctx context.Context, id string, in EngineUpdate) (*Engine, error) {
	var out Engine
	return &out, s.c.Do(ctx, "PATCH", enginePath(id), nil, in, &out)
}

// Delete deletes an engine: its session is closed, its certificate revoked.
func (s Engines) Delete(ctx context.Context, id string) error {
	return s.c.Do(ctx, "DELETE", enginePath(id), nil, nil, nil)
}

// Unpair unpairs an engine; its agent exits.
func (s Engines) Unpair(ctx context.Context, id string) error {
	return s.c.Do(ctx, "DELETE", enginePath(id)+"/pairing", nil, nil, nil)
}

// NewPairKey makes a new pair key (ttlSeconds 0: the default lifetime);
// the old key stops working and a paired engine is unpaired.
func (s Engines) NewPairKey(ctx context.Context, id string, ttlSeconds int64) (*PairKey, error) {
	var in any
	if ttlSeconds > 0 {
		in = map[string]int64{"preAuthorizedKeyTtlSeconds": ttlSeconds}
	}
	var out PairKey
	return &out, s.c.Do(ctx, "POST", enginePath(id)+"/pre-authorized-key", nil, in, &out)
}

// RunProfiles lists an engine's run profiles.
func (s Engines) RunProfiles(ctx context.Context, id string) ([]RunProfile, error) {
	var out []RunProfile
	return out, s.c.Do(ctx, "GET", enginePath(id)+"/run-profiles", nil, nil, &out)
}

// CreateRunProfile adds a run profile to an engine.
func (s Engines) CreateRunProfile(ctx context.Context, id string, in RunProfileCreate) (*RunProfile, error) {
	var out RunProfile
	return &out, s.c.Do(ctx, "POST", enginePath(id)+"/run-profiles", nil, in, &out)
}

// RunProfiles calls /processing/runtimes/run-profiles.
type RunProfiles struct{ c *Client }

// RunProfiles returns the run-profile calls.
func (c *Client) RunProfiles() RunProfiles { return RunProfiles{c} }

// Get reads one run profile.
func (s RunProfiles) Get(ctx context.Context, id string) (*RunProfile, error) {
	var out RunProfile
	return &out, s.c.Do(ctx, "GET", runProfilesPath+"/"+url.PathEscape(id), nil, nil, &out)
}

// Delete deletes a run profile (409 while a task uses it).
func (s RunProfiles) Delete(ctx context.Context, id string) error {
	return s.c.Do(ctx, "DELETE", runProfilesPath+"/"+url.PathEscape(id), nil, nil, nil)
}

// EngineCluster is a set of engines tasks can run on.
type EngineCluster struct {
	ID               string       `json:"id"`
	Name             string       `json:"name"`
	Description      string       `json:"description,omitempty"`
	EnvironmentID    string       `json:"environmentId"`
	WorkspaceID      string       `json:"workspaceId,omitempty"`
	CreatedAt        time.Time    `json:"createdAt"`
	Availability     string       `json:"availability"`
	Engines          []Engine     `json:"engines"`
	AvailableEngines int          `json:"availableEngines"`
	TotalEngines     int          `json:"totalEngines"`
	Summary          string       `json:"summary"`
	RunProfiles      []RunProfile `json:"runProfiles"`
}

// EngineClusterCreate creates a cluster.
type EngineClusterCreate struct {
	Name          string `json:"name"`
	EnvironmentID string `json:"environmentId"`
	WorkspaceID   string `json:"workspaceId,omitempty"`
	Description   string `json:"description,omitempty"`
}

// EngineClusters calls /processing/runtimes/remote-engine-clusters.
type EngineClusters struct{ c *Client }

// EngineClusters returns the cluster calls.
func (c *Client) EngineClusters() EngineClusters { return EngineClusters{c} }

func clusterPath(id string) string { return clustersPath + "/" + url.PathEscape(id) }

// List lists the clusters.
func (s EngineClusters) List(ctx context.Context) ([]EngineCluster, error) {
	var out []EngineCluster
	return out, s.c.Do(ctx, "GET", clustersPath, nil, nil, &out)
}

// Get reads one cluster with its engines.
func (s EngineClusters) Get(ctx context.Context, id string) (*EngineCluster, error) {
	var out EngineCluster
	return &out, s.c.Do(ctx, "GET", clusterPath(id), nil, nil, &out)
}

// Create creates a cluster.
func (s EngineClusters) Create(ctx context.Context, in EngineClusterCreate) (*EngineCluster, error) {
	var out EngineCluster
	return &out, s.c.Do(ctx, "POST", clustersPath, nil, in, &out)
}

// Delete deletes a cluster.
func (s EngineClusters) Delete(ctx context.Context, id string) error {
	return s.c.Do(ctx, "DELETE", clusterPath(id), nil, nil, nil)
}

// AddEngine puts an engine in a cluster.
func (s EngineClusters) AddEngine(ctx context.Context, id, engineID string) error {
	return s.c.Do(ctx, "PUT", clusterPath(id)+"/engines/"+url.PathEscape(engineID), nil, nil, nil)
}

// RemoveEngine takes an engine out of a cluster.
func (s EngineClusters) RemoveEngine(ctx context.Context, id, engineID string) error {
	return s.c.Do(ctx, "DELETE", clusterPath(id)+"/engines/"+url.PathEscape(engineID), nil, nil, nil)
}

// RunProfiles lists a cluster's run profiles.
func (s EngineClusters) RunProfiles(ctx context.Context, id string) ([]RunProfile, error) {
	var out []RunProfile
	return out, s.c.Do(ctx, "GET", clusterPath(id)+"/run-profiles", nil, nil, &out)
}

// CreateRunProfile adds a run profile to a cluster.
func (s EngineClusters) CreateRunProfile(ctx context.Context, id string, in RunProfileCreate) (*RunProfile, error) {
	var out RunProfile
	return &out, s.c.Do(ctx, "POST", clusterPath(id)+"/run-profiles", nil, in, &out)
}
