package artifacts

import (
	"archive/tar"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"

	"github.com/roundhouse/roundhouse/protocol/artifact"
)

// Manifest is artifact.json; protocol/artifact owns the format.
type Manifest = artifact.Manifest

// maxManifestBytes bounds artifact.json; it holds names and parameters.
const maxManifestBytes = 1 << 20

// ReadManifest finds artifact.json at the root of a .tar.gz file and
// validates it, without unpacking anything else.
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
			return Manifest{}, fmt.Errorf("the archive has no %s at its root", artifact.ManifestName)
		}
		if err != nil {
			return Manifest{}, fmt.Errorf("the artifact is not a valid tar.gz: %w", err)
		}
		if path.Clean(strings.TrimPrefix(hdr.Name, "./")) != artifact.ManifestName || hdr.Typeflag != tar.TypeReg {
			continue
		}
		raw, err := io.ReadAll(io.LimitReader(tr, maxManifestBytes+1))
		if err != nil {
			return Manifest{}, fmt.Errorf("read %s: %w", artifact.ManifestName, err)
		}
		if len(raw) > maxManifestBytes {
			return Manifest{}, fmt.Errorf("%s is larger than %d bytes", artifact.ManifestName, maxManifestBytes)
		}
		return artifact.ParseManifest(raw)
	}
}
