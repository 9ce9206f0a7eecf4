package artifact

import (
	"archive/tar"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// ErrCorrupt marks archives that are not a readable artifact.
var ErrCorrupt = errors.New("corrupt artifact archive")

// Extract unpacks the archive read from r into dest (which must not exist
// yet; it is created) and returns the validated manifest. It refuses
// entries that escape dest, links and device files, and checks the
// entrypoint file. On error dest is removed.
func Extract(r io.Reader, dest string) (m Manifest, err error) {
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return Manifest{}, fmt.Errorf("extract artifact: %w", err)
	}
	if err := os.Mkdir(dest, 0o755); err != nil {
		return Manifest{}, fmt.Errorf("extract artifact: %w", err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(dest)
		}
	}()
	if err := unpack(r, dest); err != nil {
		return Manifest{}, fmt.Errorf("extract artifact: %w", err)
	}
	return LoadDir(dest)
}

// LoadDir reads and checks the manifest of an unpacked artifact.
func LoadDir(dir string) (Manifest, error) {
	data, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if errors.Is(err, os.ErrNotExist) {
		return Manifest{}, fmt.Errorf("artifact %s: no %s at the archive root: %w", dir, ManifestName, ErrCorrupt)
	}
	if err != nil {
		return Manifest{}, fmt.Errorf("artifact %s: %w", dir, err)
	}
	m, err := ParseManifest(data)
	if err != nil {
		return Manifest{}, fmt.Errorf("artifact %s: %w", dir, err)
	}
	if f := m.EntrypointFile(); f != "" {
		if err := checkExecutable(filepath.Join(dir, filepath.FromSlash(f))); err != nil {
			return Manifest{}, fmt.Errorf("artifact %s: missing entrypoint: %w", dir, err)
		}
	}
	return m, nil
}

func unpack(r io.Reader, dest string) error {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	tr := tar.NewReader(gz)
	rules := newEntryRules()
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
		name, err := rules.check(hdr)
		if err != nil {
			return err
		}
		if err := unpackEntry(tr, hdr, filepath.Join(dest, filepath.FromSlash(name))); err != nil {
			return err
		}
	}
}

func localPath(name string) bool {
	clean := path.Clean(strings.TrimPrefix(name, "./"))
	return clean != "." && filepath.IsLocal(clean)
}

// unpackEntry writes one entry entryRules accepted (a directory or a
// regular file) to target.
func unpackEntry(tr *tar.Reader, hdr *tar.Header, target string) error {
	if hdr.Typeflag == tar.TypeDir {
		return os.MkdirAll(target, 0o755)
	}
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return err
	}
	mode := os.FileMode(0o644)
	if hdr.Mode&0o111 != 0 {
		mode = 0o755
	}
	f, err := os.OpenFile(target, os.O_CREATE|os.O_EXCL|os.O_WRONLY, mode)
	if err != nil {
		return fmt.Errorf("%w: entry %q: %v", ErrCorrupt, hdr.Name, err)
	}
	_, err = io.Copy(f, tr)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("%w: entry %q: %v", ErrCorrupt, hdr.Name, err)
	}
	return nil
}
