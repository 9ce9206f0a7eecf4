package artifact

import (
	"archive/tar"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
)

// Caps on what an archive may hold. The control plane refuses an upload
// over them and an engine refuses to unpack one, with the same rules, so
// an accepted artifact is one every engine can unpack. gzip can expand a
// small upload far beyond its size, hence a cap on the unpacked total.
const (
	MaxUnpackedBytes = 1 << 30
	MaxEntries       = 20_000
)

// maxManifestBytes bounds artifact.json; it holds names and parameters.
const maxManifestBytes = 1 << 20

// EntryError is an archive entry that breaks a rule; Entry is its name as
// written in the archive.
type EntryError struct {
	Entry   string
	Problem string
}

func (e *EntryError) Error() string { return fmt.Sprintf("entry %q: %s", e.Entry, e.Problem) }

// Unwrap makes every rule violation an ErrCorrupt.
func (e *EntryError) Unwrap() error { return ErrCorrupt }

// entryRules applies, entry by entry, the rules an archive must follow:
// only regular files and directories, every name inside the archive, no
// name given twice or under a file, at most MaxEntries entries and
// MaxUnpackedBytes unpacked.
type entryRules struct {
	entries int
	total   int64
	kinds   map[string]byte // clean name → tar type flag of what it is
	execs   map[string]bool // clean names of files with an execute bit
}

func newEntryRules() *entryRules {
	return &entryRules{kinds: map[string]byte{}, execs: map[string]bool{}}
}

// check refuses hdr if it breaks a rule; the name it returns is the
// entry's clean path inside the archive.
func (c *entryRules) check(hdr *tar.Header) (string, error) {
	refuse := func(format string, args ...any) (string, error) {
		return "", &EntryError{Entry: hdr.Name, Problem: fmt.Sprintf(format, args...)}
	}
	c.entries++
	if c.entries > MaxEntries {
		return refuse("the archive has more than %d entries, the limit", MaxEntries)
	}
	if !localPath(hdr.Name) {
		return refuse("the path is absolute or leads out of the archive")
	}
	switch hdr.Typeflag {
	case tar.TypeReg, tar.TypeDir:
	case tar.TypeSymlink, tar.TypeLink:
		return refuse("links are not allowed (it points to %q); only regular files and directories are", hdr.Linkname)
	case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
		return refuse("device nodes and FIFOs are not allowed; only regular files and directories are")
	default:
		return refuse("tar type %q is not allowed; only regular files and directories are", string(hdr.Typeflag))
	}
	if hdr.Size < 0 {
		return refuse("negative size")
	}
	c.total += hdr.Size
	if c.total > MaxUnpackedBytes {
		return refuse("the archive unpacks to more than %d bytes (%d MiB), the limit", int64(MaxUnpackedBytes), MaxUnpackedBytes>>20)
	}
	name := path.Clean(strings.TrimPrefix(hdr.Name, "./"))
	for dir := path.Dir(name); dir != "."; dir = path.Dir(dir) {
		if c.kinds[dir] == tar.TypeReg {
			return refuse("it is under %q, which is a file", dir)
		}
	}
	if prev, seen := c.kinds[name]; seen && (prev == tar.TypeReg || hdr.Typeflag == tar.TypeReg) {
		return refuse("the archive holds this name twice")
	}
	c.kinds[name] = hdr.Typeflag
	c.execs[name] = hdr.Typeflag == tar.TypeReg && hdr.Mode&0o111 != 0
	return name, nil
}

// Inspect reads a whole .tar.gz artifact from r, applying every rule
// Extract enforces, and returns its validated manifest; it writes nothing.
// It also checks that the entrypoint file is in the archive and executable.
func Inspect(r io.Reader) (Manifest, error) {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return Manifest{}, fmt.Errorf("the artifact is not a gzip archive: %w", err)
	}
	tr := tar.NewReader(gz)
	rules := newEntryRules()
	var raw []byte
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return Manifest{}, fmt.Errorf("the artifact is not a valid tar.gz: %w", err)
		}
		name, err := rules.check(hdr)
		if err != nil {
			return Manifest{}, err
		}
		if name == ManifestName && hdr.Typeflag == tar.TypeReg {
			if raw, err = readManifest(tr); err != nil {
				return Manifest{}, err
			}
		}
		if _, err := io.Copy(io.Discard, tr); err != nil {
			return Manifest{}, fmt.Errorf("the artifact is not a valid tar.gz: entry %q: %w", hdr.Name, err)
		}
	}
	if raw == nil {
		return Manifest{}, fmt.Errorf("the archive has no %s at its root", ManifestName)
	}
	m, err := ParseManifest(raw)
	if err != nil {
		return Manifest{}, err
	}
	return m, rules.checkEntrypoint(m)
}

func readManifest(r io.Reader) ([]byte, error) {
	raw, err := io.ReadAll(io.LimitReader(r, maxManifestBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", ManifestName, err)
	}
	if len(raw) > maxManifestBytes {
		return nil, fmt.Errorf("%s is larger than %d bytes", ManifestName, maxManifestBytes)
	}
	return raw, nil
}

// checkEntrypoint refuses a manifest whose entrypoint names a file the
// archive does not hold as an executable regular file.
func (c *entryRules) checkEntrypoint(m Manifest) error {
	f := m.EntrypointFile()
	if f == "" {
		return nil
	}
	if !c.execs[path.Clean(f)] {
		return fmt.Errorf("the entrypoint %q is not an executable file in the archive", m.Entrypoint[0])
	}
	return nil
}
