package artifact

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// ManifestName is the file name of the manifest at the archive root.
const ManifestName = "artifact.json"

// Artifact types: the kinds of artifact a task can run.
const (
	TypeJob         = "job"
	TypeRoute       = "route"
	TypeDataService = "data-service"
)

// Binary types of services: a microservice is a process of its own, a
// runtime artifact is a bundle inside the engine's runtime container.
const (
	BinaryMicroservice = "microservice"
	BinaryRuntime      = "runtime"
)

// Runners say how the entrypoint is started: "exec" (default) runs it as a
// plain command under the built-in exec plugin; "plugin" means the
// entrypoint itself speaks the Roundhouse plugin protocol (written with the
// Go SDK in plugins/sdk).
const (
	RunnerExec   = "exec"
	RunnerPlugin = "plugin"
)

// DefaultHealthPath is probed when a service manifest names none.
const DefaultHealthPath = "/health"

// Manifest is artifact.json.
type Manifest struct {
	Name       string `json:"name"`
	Version    string `json:"version"`
	Type       string `json:"type"`
	BinaryType string `json:"binaryType,omitempty"`
	// Entrypoint is the command and its arguments; a first element starting
	// with "./" names a file inside the artifact. "${NAME}" in an argument is
	// replaced by the parameter NAME at run time.
	Entrypoint []string          `json:"entrypoint"`
	Parameters map[string]string `json:"parameters,omitempty"`
	// HealthPath is the HTTP path a service answers 200 on when ready.
	HealthPath string `json:"healthPath,omitempty"`
	// CompatibilityVersion is the lowest engine version able to run it.
	CompatibilityVersion string `json:"compatibilityVersion,omitempty"`
	Runner               string `json:"runner,omitempty"`
}

var namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)

// ParseManifest decodes and validates artifact.json, filling defaults.
func ParseManifest(data []byte) (Manifest, error) {
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return Manifest{}, fmt.Errorf("parse %s: %w", ManifestName, err)
	}
	if err := m.Validate(); err != nil {
		return Manifest{}, err
	}
	return m.withDefaults(), nil
}

func (m Manifest) withDefaults() Manifest {
	if m.Runner == "" {
		m.Runner = RunnerExec
	}
	if m.IsService() && m.HealthPath == "" {
		m.HealthPath = DefaultHealthPath
	}
	return m
}

// IsService reports whether the artifact is a route or data service.
func (m Manifest) IsService() bool { return m.Type == TypeRoute || m.Type == TypeDataService }

// Validate checks every field a runtime relies on.
func (m Manifest) Validate() error {
	var errs []error
	if !namePattern.MatchString(m.Name) {
		errs = append(errs, fmt.Errorf("name %q: want letters, digits, '.', '_' or '-'", m.Name))
	}
	if !namePattern.MatchString(m.Version) {
		errs = append(errs, fmt.Errorf("version %q: want letters, digits, '.', '_' or '-'", m.Version))
	}
	switch m.Type {
	case TypeJob:
		if m.BinaryType != "" {
			errs = append(errs, fmt.Errorf("binaryType %q: only services have one", m.BinaryType))
		}
	case TypeRoute, TypeDataService:
		if m.BinaryType != BinaryMicroservice && m.BinaryType != BinaryRuntime {
			errs = append(errs, fmt.Errorf("binaryType %q: want %q or %q", m.BinaryType, BinaryMicroservice, BinaryRuntime))
		}
	default:
		errs = append(errs, fmt.Errorf("unknown type %q: want %q, %q or %q", m.Type, TypeJob, TypeRoute, TypeDataService))
	}
	if len(m.Entrypoint) == 0 || m.Entrypoint[0] == "" {
		errs = append(errs, errors.New("entrypoint: empty"))
	} else if p := m.Entrypoint[0]; strings.HasPrefix(p, "./") && !localPath(p) {
		errs = append(errs, fmt.Errorf("entrypoint %q: escapes the artifact", p))
	}
	if m.Runner != "" && m.Runner != RunnerExec && m.Runner != RunnerPlugin {
		errs = append(errs, fmt.Errorf("runner %q: want %q or %q", m.Runner, RunnerExec, RunnerPlugin))
	}
	if m.HealthPath != "" && !strings.HasPrefix(m.HealthPath, "/") {
		errs = append(errs, fmt.Errorf("healthPath %q: must start with /", m.HealthPath))
	}
	if len(errs) > 0 {
		return fmt.Errorf("invalid %s: %w", ManifestName, errors.Join(errs...))
	}
	return nil
}

// EntrypointFile returns the archive-relative file the entrypoint names,
// or "" when it is a command looked up on PATH.
func (m Manifest) EntrypointFile() string {
	if len(m.Entrypoint) == 0 || !strings.HasPrefix(m.Entrypoint[0], "./") {
		return ""
	}
	return strings.TrimPrefix(m.Entrypoint[0], "./")
}

// FileName is the conventional archive name NAME-VERSION.tar.gz.
func (m Manifest) FileName() string { return m.Name + "-" + m.Version + ".tar.gz" }
