package artifacts

import (
	"archive/tar"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"regexp"
	"strings"

	"github.com/roundhouse/roundhouse/controlplane/state"
)

// This is a small reader of artifact.json for the control plane, the same
// schema as CONTRACT.md §"Artifacts". protocol/artifact (the runtime
// branch) owns the format; switch to its ParseManifest once it is on main.

const manifestName = "artifact.json"

// maxManifestBytes bounds artifact.json; it holds names and parameters.
const maxManifestBytes = 1 << 20

// Manifest is artifact.json.
type Manifest struct {
	Name       string            `json:"name"`
	Version    string            `json:"version"`
	Type       string            `json:"type"`
	BinaryType string            `json:"binaryType,omitempty"`
	Entrypoint []string          `json:"entrypoint"`
	Parameters map[string]string `json:"parameters,omitempty"`
	HealthPath string            `json:"healthPath,omitempty"`
}

var manifestNamePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)

// ReadManifest finds artifact.json at the root of a .tar.gz file and
// validates it.
func ReadManifest(file string) (Manifest, error) {
	f, err := os.Open(file)
	if err != nil {
		return Manifest{}, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return Manifest{}, fmt.Errorf("the artifact is not a gzip archive: %w", err)
	}
	tr := tar.NewReader(zr)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return Manifest{}, fmt.Errorf("the archive has no %s at its root", manifestName)
		}
		if err != nil {
			return Manifest{}, fmt.Errorf("the artifact is not a valid tar.gz: %w", err)
		}
		if path.Clean(strings.TrimPrefix(hdr.Name, "./")) != manifestName || hdr.Typeflag != tar.TypeReg {
			continue
		}
		raw, err := io.ReadAll(io.LimitReader(tr, maxManifestBytes+1))
		if err != nil {
			return Manifest{}, fmt.Errorf("read %s: %w", manifestName, err)
		}
		if len(raw) > maxManifestBytes {
			return Manifest{}, fmt.Errorf("%s is larger than %d bytes", manifestName, maxManifestBytes)
		}
		return ParseManifest(raw)
	}
}

// ParseManifest decodes and validates artifact.json.
func ParseManifest(raw []byte) (Manifest, error) {
	var m Manifest
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	if err := dec.Decode(&m); err != nil {
		return Manifest{}, fmt.Errorf("%s is not valid JSON: %w", manifestName, err)
	}
	return m, m.Validate()
}

// Validate reports every problem of the manifest at once.
func (m Manifest) Validate() error {
	var errs []error
	if !manifestNamePattern.MatchString(m.Name) {
		errs = append(errs, fmt.Errorf("name %q: want letters, digits, '.', '_' or '-'", m.Name))
	}
	if !manifestNamePattern.MatchString(m.Version) {
		errs = append(errs, fmt.Errorf("version %q: want letters, digits, '.', '_' or '-'", m.Version))
	}
	switch m.Type {
	case state.ArtifactJob:
		if m.BinaryType != "" {
			errs = append(errs, fmt.Errorf("binaryType %q: only routes and data services have one", m.BinaryType))
		}
	case state.ArtifactRoute, state.ArtifactDataService:
		if m.BinaryType != "microservice" && m.BinaryType != "runtime" {
			errs = append(errs, fmt.Errorf("binaryType %q: want microservice or runtime", m.BinaryType))
		}
	default:
		errs = append(errs, fmt.Errorf("type %q: want job, route or data-service", m.Type))
	}
	if len(m.Entrypoint) == 0 || m.Entrypoint[0] == "" {
		errs = append(errs, errors.New("entrypoint is empty"))
	} else if p := m.Entrypoint[0]; strings.HasPrefix(p, "./") && strings.HasPrefix(path.Clean(p), "..") {
		errs = append(errs, fmt.Errorf("entrypoint %q escapes the artifact", p))
	}
	if m.HealthPath != "" && !strings.HasPrefix(m.HealthPath, "/") {
		errs = append(errs, fmt.Errorf("healthPath %q must start with /", m.HealthPath))
	}
	if len(errs) > 0 {
		return fmt.Errorf("invalid %s: %w", manifestName, errors.Join(errs...))
	}
	return nil
}
