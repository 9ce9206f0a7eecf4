package artifact

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// Build writes the directory dir as an artifact archive to w and returns
// its manifest and digest ("sha256:<hex>"). The manifest is validated and
// its entrypoint file must exist and be executable. Entries are written in
// a fixed order with zeroed times so the same directory gives the same
// digest.
func Build(dir string, w io.Writer) (Manifest, string, error) {
	data, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if err != nil {
		return Manifest{}, "", fmt.Errorf("build artifact from %s: %w", dir, err)
	}
	m, err := ParseManifest(data)
	if err != nil {
		return Manifest{}, "", fmt.Errorf("build artifact from %s: %w", dir, err)
	}
	if f := m.EntrypointFile(); f != "" {
		if err := checkExecutable(filepath.Join(dir, filepath.FromSlash(f))); err != nil {
			return Manifest{}, "", fmt.Errorf("build artifact from %s: entrypoint: %w", dir, err)
		}
	}
	files, err := listFiles(dir)
	if err != nil {
		return Manifest{}, "", fmt.Errorf("build artifact from %s: %w", dir, err)
	}
	h := sha256.New()
	if err := writeArchive(io.MultiWriter(w, h), dir, files); err != nil {
		return Manifest{}, "", fmt.Errorf("build artifact from %s: %w", dir, err)
	}
	return m, "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

// BuildFile builds dir into out, or into NAME-VERSION.tar.gz in the current
// directory when out is "". It writes to a temporary file and renames it so
// a failed build leaves nothing behind.
func BuildFile(dir, out string) (path string, m Manifest, digest string, err error) {
	tmp, err := os.CreateTemp(filepath.Dir(outOrDot(out)), ".artifact-*")
	if err != nil {
		return "", Manifest{}, "", fmt.Errorf("build artifact: %w", err)
	}
	defer os.Remove(tmp.Name())
	m, digest, err = Build(dir, tmp)
	if cerr := tmp.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("build artifact: %w", cerr)
	}
	if err != nil {
		return "", Manifest{}, "", err
	}
	if out == "" {
		out = m.FileName()
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		return "", Manifest{}, "", fmt.Errorf("build artifact: %w", err)
	}
	return out, m, digest, nil
}

func outOrDot(out string) string {
	if out == "" {
		return "./x"
	}
	return out
}

func checkExecutable(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() || st.Mode().Perm()&0o111 == 0 {
		return fmt.Errorf("%s is not an executable file", path)
	}
	return nil
}

func listFiles(dir string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == dir {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		files = append(files, filepath.ToSlash(rel))
		return nil
	})
	sort.Strings(files)
	return files, err
}

func writeArchive(w io.Writer, dir string, files []string) error {
	gz := gzip.NewWriter(w)
	tw := tar.NewWriter(gz)
	for _, rel := range files {
		if err := addFile(tw, dir, rel); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return gz.Close()
}

func addFile(tw *tar.Writer, dir, rel string) error {
	p := filepath.Join(dir, filepath.FromSlash(rel))
	st, err := os.Lstat(p)
	if err != nil {
		return err
	}
	switch {
	case st.IsDir():
		return tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: rel + "/", Mode: 0o755})
	case st.Mode().IsRegular():
		mode := int64(0o644)
		if st.Mode().Perm()&0o111 != 0 {
			mode = 0o755
		}
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: rel, Mode: mode, Size: st.Size()}); err != nil {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(tw, f)
		return err
	default:
		return fmt.Errorf("%s: only regular files and directories can go in an artifact", rel)
	}
}
