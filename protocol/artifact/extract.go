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

// Caps on what an archive may unpack to: the control plane accepts uploads
// up to 400 MB, and gzip can expand far beyond that.
const (
	MaxUnpackedBytes = 2 << 30
	MaxEntries       = 100_000
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
	var total int64
	for n := 0; ; n++ {
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
		if n >= MaxEntries {
			return fmt.Errorf("%w: more than %d entries", ErrCorrupt, MaxEntries)
		}
		total += hdr.Size
		if total > MaxUnpackedBytes {
			return fmt.Errorf("%w: unpacks to more than %d bytes", ErrCorrupt, MaxUnpackedBytes)
		}
		if err := unpackEntry(tr, hdr, dest); err != nil {
			return err
		}
	}
}

func localPath(name string) bool {
	clean := path.Clean(strings.TrimPrefix(name, "./"))
	return clean != "." && filepath.IsLocal(clean)
}

func unpackEntry(tr *tar.Reader, hdr *tar.Header, dest string) error {
	if !localPath(hdr.Name) {
		return fmt.Errorf("%w: entry %q escapes the archive", ErrCorrupt, hdr.Name)
	}
	target := filepath.Join(dest, filepath.FromSlash(path.Clean(hdr.Name)))
	switch hdr.Typeflag {
	case tar.TypeDir:
		return os.MkdirAll(target, 0o755)
	case tar.TypeReg:
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
	default:
		return fmt.Errorf("%w: entry %q: only regular files and directories are allowed", ErrCorrupt, hdr.Name)
	}
}
