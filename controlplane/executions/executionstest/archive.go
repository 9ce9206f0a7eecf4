package executionstest

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
)

// Archive builds an artifact .tar.gz holding artifact.json made from
// manifest plus the given extra files.
func Archive(manifest any, files map[string]string) ([]byte, error) {
	raw, err := json.Marshal(manifest)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	add := func(name string, data []byte) error {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o755, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
			return fmt.Errorf("archive %s: %w", name, err)
		}
		_, err := tw.Write(data)
		return err
	}
	if err := add("artifact.json", raw); err != nil {
		return nil, err
	}
	for name, data := range files {
		if err := add(name, []byte(data)); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// JobManifest is a minimal job artifact.json.
func JobManifest(name, version string) map[string]any {
	return map[string]any{"name": name, "version": version, "type": "job",
		"entrypoint": []string{"./run.sh"}, "parameters": map[string]string{"GREETING": "hello"}}
}
