package executionstest

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"maps"
	"strings"
)

// Archive builds an artifact .tar.gz holding artifact.json made from
// manifest plus the given extra files. Uploads refuse an archive whose
// entrypoint is missing, so a relative entrypoint the files do not hold
// is added as a script that prints one line.
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
	if ep := relativeEntrypoint(manifest); ep != "" {
		if _, ok := files[ep]; !ok {
			files = maps.Clone(files)
			if files == nil {
				files = map[string]string{}
			}
			files[ep] = "#!/bin/sh\necho hello\n"
		}
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

// relativeEntrypoint is the archive path of a manifest's entrypoint when
// it is a relative file ("./run.sh" gives "run.sh"), else "".
func relativeEntrypoint(manifest any) string {
	m, ok := manifest.(map[string]any)
	if !ok {
		return ""
	}
	ep, ok := m["entrypoint"].([]string)
	if !ok || len(ep) == 0 || strings.HasPrefix(ep[0], "/") || !strings.Contains(ep[0], "/") {
		return ""
	}
	return strings.TrimPrefix(ep[0], "./")
}
