package state

import (
	"time"

	"github.com/roundhouse/roundhouse/cluster"
)

// Run-profile types, verbatim from the API.
const (
	RunProfileJobServer     = "JOB_SERVER"
	RunProfileMicroservice  = "MICROSERVICE"
	RunProfileTalendRuntime = "TALEND_RUNTIME"
)

// ResourceLimits bound a workload; zero means no limit.
type ResourceLimits struct {
	CPUMillis    int `json:"cpuMillis,omitempty"`
	MemoryMB     int `json:"memoryMB,omitempty"`
	MaxProcesses int `json:"maxProcesses,omitempty"`
	MaxOpenFiles int `json:"maxOpenFiles,omitempty"`
}

// RunProfile says how an engine or engine cluster runs one kind of work.
// It belongs to exactly one engine or cluster (RuntimeID).
type RunProfile struct {
	ID          string         `json:"id"`
	Name        string         `json:"name"`
	Description string         `json:"description,omitempty"`
	Type        string         `json:"type"`
	RuntimeID   string         `json:"runtimeId"`
	Limits      ResourceLimits `json:"limits"`
	CreatedAt   time.Time      `json:"createDate"`
}

const (
	tableRunProfiles = "run_profiles"

	CmdRunProfileCreate = "run-profile.create"
	CmdRunProfileDelete = "run-profile.delete"
)

func runProfileSpec() cluster.Spec {
	return cluster.Spec{
		Tables: []cluster.Table{
			table(tableRunProfiles, func() any { return new(RunProfile) }, idIndex(),
				stringIndex("runtime", "RuntimeID", false)),
		},
		Handlers: map[string]cluster.Handler{
			CmdRunProfileCreate: applyRunProfileCreate,
			CmdRunProfileDelete: applyRunProfileDelete,
		},
	}
}

// RunProfileByID reads a run profile.
func RunProfileByID(txn Reader, id string) *RunProfile {
	return first[RunProfile](txn, tableRunProfiles, "id", id)
}

// RunProfilesOf lists the run profiles of an engine or engine cluster.
func RunProfilesOf(txn Reader, runtimeID string) []*RunProfile {
	return all[RunProfile](txn, tableRunProfiles, "runtime", runtimeID)
}

func applyRunProfileCreate(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var p RunProfile
	if err := cmd.Decode(&p); err != nil {
		return nil, err
	}
	if err := validName("run profile name", p.Name); err != nil {
		return nil, err
	}
	switch p.Type {
	case RunProfileJobServer, RunProfileMicroservice, RunProfileTalendRuntime:
	default:
		return nil, cluster.Reject(cluster.CodeInvalid, "run profile type must be %s, %s or %s, got %q",
			RunProfileJobServer, RunProfileMicroservice, RunProfileTalendRuntime, p.Type)
	}
	l := p.Limits
	if l.CPUMillis < 0 || l.MemoryMB < 0 || l.MaxProcesses < 0 || l.MaxOpenFiles < 0 {
		return nil, cluster.Reject(cluster.CodeInvalid, "resource limits must not be negative")
	}
	if EngineByID(tx.Reader, p.RuntimeID) == nil && EngineClusterByID(tx.Reader, p.RuntimeID) == nil {
		return nil, cluster.Reject(cluster.CodeNotFound, "engine or engine cluster %s not found", p.RuntimeID)
	}
	for _, other := range RunProfilesOf(tx.Reader, p.RuntimeID) {
		if other.Name == p.Name {
			return nil, cluster.Reject(cluster.CodeConflict, "a run profile named %q already exists here", p.Name)
		}
	}
	p.CreatedAt = cmd.Meta.Time
	return &p, tx.Insert(tableRunProfiles, &p)
}

func applyRunProfileDelete(tx *cluster.Tx, cmd cluster.Command) (any, error) {
	var req IDRequest
	if err := cmd.Decode(&req); err != nil {
		return nil, err
	}
	p := RunProfileByID(tx.Reader, req.ID)
	if p == nil {
		return nil, cluster.Reject(cluster.CodeNotFound, "run profile %s not found", req.ID)
	}
	return nil, tx.Delete(tableRunProfiles, p)
}

func deleteRunProfilesOf(tx *cluster.Tx, runtimeID string) error {
	for _, p := range RunProfilesOf(tx.Reader, runtimeID) {
		if err := tx.Delete(tableRunProfiles, p); err != nil {
			return err
		}
	}
	return nil
}
