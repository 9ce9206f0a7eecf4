package artifact

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Cache keeps archives and their unpacked trees by digest under Dir:
// Dir/blobs/<hex>.tar.gz and Dir/unpacked/<hex>/. Content is verified
// before it is stored, so a cached entry is always the digest it is named
// by. Safe for use by one process; concurrent Puts of one digest are
// resolved by atomic rename.
type Cache struct {
	Dir string
}

func (c Cache) blobPath(hexDigest string) string {
	return filepath.Join(c.Dir, "blobs", hexDigest+".tar.gz")
}

func (c Cache) unpackedPath(hexDigest string) string {
	return filepath.Join(c.Dir, "unpacked", hexDigest)
}

// Has reports whether the archive with digest is cached.
func (c Cache) Has(digest string) bool {
	h, err := ParseDigest(digest)
	if err != nil {
		return false
	}
	_, err = os.Stat(c.blobPath(h))
	return err == nil
}

// Put stores the archive read from r if its SHA-256 is digest; otherwise
// nothing is kept and the error wraps ErrDigestMismatch.
func (c Cache) Put(r io.Reader, digest string) (string, error) {
	h, err := ParseDigest(digest)
	if err != nil {
		return "", fmt.Errorf("cache put: %w", err)
	}
	if err := os.MkdirAll(filepath.Join(c.Dir, "blobs"), 0o755); err != nil {
		return "", fmt.Errorf("cache put %s: %w", digest, err)
	}
	tmp, err := os.CreateTemp(filepath.Join(c.Dir, "blobs"), ".put-*")
	if err != nil {
		return "", fmt.Errorf("cache put %s: %w", digest, err)
	}
	defer os.Remove(tmp.Name())
	got, err := Digest(io.TeeReader(r, tmp))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("cache put %s: %w", digest, err)
	}
	if got != "sha256:"+h {
		return "", fmt.Errorf("cache put: got %s, want %s: %w", got, digest, ErrDigestMismatch)
	}
	if err := os.Rename(tmp.Name(), c.blobPath(h)); err != nil {
		return "", fmt.Errorf("cache put %s: %w", digest, err)
	}
	return c.blobPath(h), nil
}

// Unpacked returns the unpacked directory and manifest of a cached archive,
// verifying the archive's digest again and unpacking it on first use.
func (c Cache) Unpacked(digest string) (string, Manifest, error) {
	h, err := ParseDigest(digest)
	if err != nil {
		return "", Manifest{}, fmt.Errorf("cache unpack: %w", err)
	}
	dir := c.unpackedPath(h)
	if m, err := LoadDir(dir); err == nil {
		return dir, m, nil
	}
	blob := c.blobPath(h)
	if err := VerifyFile(blob, digest); err != nil {
		return "", Manifest{}, fmt.Errorf("cache unpack: %w", err)
	}
	f, err := os.Open(blob)
	if err != nil {
		return "", Manifest{}, fmt.Errorf("cache unpack %s: %w", digest, err)
	}
	defer f.Close()
	tmp := dir + ".tmp"
	os.RemoveAll(tmp)
	m, err := Extract(f, tmp)
	if err != nil {
		return "", Manifest{}, fmt.Errorf("cache unpack %s: %w", digest, err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		// Someone unpacked it first: theirs is as good as ours.
		os.RemoveAll(tmp)
		if m2, lerr := LoadDir(dir); lerr == nil {
			return dir, m2, nil
		}
		return "", Manifest{}, fmt.Errorf("cache unpack %s: %w", digest, err)
	}
	return dir, m, nil
}

// Remove drops a digest's archive and unpacked tree.
func (c Cache) Remove(digest string) error {
	h, err := ParseDigest(digest)
	if err != nil {
		return fmt.Errorf("cache remove: %w", err)
	}
	return errors.Join(os.RemoveAll(c.unpackedPath(h)), os.Remove(c.blobPath(h)))
}
