package artifacts

import (
	"os"

	"github.com/roundhouse/roundhouse/protocol/artifact"
)

// Manifest is artifact.json; protocol/artifact owns the format.
type Manifest = artifact.Manifest

// ReadManifest checks a whole .tar.gz file with the rules an engine
// unpacks by (protocol/artifact.Inspect) and returns its manifest.
func ReadManifest(file string) (Manifest, error) {
	f, err := os.Open(file)
	if err != nil {
		return Manifest{}, err
	}
	defer f.Close()
	return artifact.Inspect(f)
}
