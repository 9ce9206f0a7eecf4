package artifacts

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// ErrTooLarge means a blob exceeded the size limit; nothing was kept.
var ErrTooLarge = errors.New("artifact exceeds the size limit")

// ErrDigestMismatch means content did not hash to the digest it was sent
// under; nothing was kept.
var ErrDigestMismatch = errors.New("artifact content does not match its digest")

// BlobStore keeps artifact archives on disk named by their SHA-256:
// <dir>/sha256/<hex>. Writes go to <dir>/tmp first and are renamed into
// place once complete and hashed, so a reader never sees a partial blob.
type BlobStore struct {
	dir string
}

// OpenBlobStore creates the store's directories under dir.
func OpenBlobStore(dir string) (*BlobStore, error) {
	for _, d := range []string{filepath.Join(dir, "sha256"), filepath.Join(dir, "tmp")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("artifact store %s: %w", d, err)
		}
	}
	return &BlobStore{dir: dir}, nil
}

// Staged is a blob written to a temp file and hashed, not yet in place.
type Staged struct {
	Path   string
	Digest string // "sha256:<hex>"
	Size   int64
}

// Stage copies r to a temp file, hashing it, and refuses more than max
// bytes with ErrTooLarge. The caller Commits or Discards it.
func (s *BlobStore) Stage(r io.Reader, max int64) (*Staged, error) {
	f, err := os.CreateTemp(filepath.Join(s.dir, "tmp"), "upload-*")
	if err != nil {
		return nil, fmt.Errorf("stage artifact: %w", err)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(r, max+1))
	cerr := f.Close()
	st := &Staged{Path: f.Name(), Digest: "sha256:" + hex.EncodeToString(h.Sum(nil)), Size: n}
	switch {
	case err != nil:
		s.Discard(st)
		return nil, fmt.Errorf("receive artifact: %w", err)
	case cerr != nil:
		s.Discard(st)
		return nil, fmt.Errorf("write artifact: %w", cerr)
	case n > max:
		s.Discard(st)
		return nil, ErrTooLarge
	}
	return st, nil
}

// Commit moves a staged blob into place (a no-op if the same content is
// already there).
func (s *BlobStore) Commit(st *Staged) error {
	dst, err := s.path(st.Digest)
	if err != nil {
		return err
	}
	if err := os.Rename(st.Path, dst); err != nil {
		return fmt.Errorf("store artifact %s: %w", st.Digest, err)
	}
	return nil
}

// Discard deletes a staged blob.
func (s *BlobStore) Discard(st *Staged) { _ = os.Remove(st.Path) }

// Import stores content received under digest, verifying it.
func (s *BlobStore) Import(digest string, r io.Reader, max int64) error {
	if s.Has(digest) {
		_, err := io.Copy(io.Discard, r)
		return err
	}
	st, err := s.Stage(r, max)
	if err != nil {
		return err
	}
	if st.Digest != digest {
		s.Discard(st)
		return fmt.Errorf("%w: got %s, want %s", ErrDigestMismatch, st.Digest, digest)
	}
	return s.Commit(st)
}

// Has reports whether the blob is on this node.
func (s *BlobStore) Has(digest string) bool {
	p, err := s.path(digest)
	if err != nil {
		return false
	}
	_, err = os.Stat(p)
	return err == nil
}

// Open opens a blob for reading.
func (s *BlobStore) Open(digest string) (*os.File, error) {
	p, err := s.path(digest)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("open artifact %s: %w", digest, err)
	}
	return f, nil
}

// Remove deletes a blob from this node.
func (s *BlobStore) Remove(digest string) error {
	p, err := s.path(digest)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove artifact %s: %w", digest, err)
	}
	return nil
}

// ValidDigest reports whether d has the "sha256:<64 hex>" form.
func ValidDigest(d string) bool {
	h, ok := strings.CutPrefix(d, "sha256:")
	if !ok || len(h) != 64 {
		return false
	}
	_, err := hex.DecodeString(h)
	return err == nil && strings.ToLower(h) == h
}

func (s *BlobStore) path(digest string) (string, error) {
	if !ValidDigest(digest) {
		return "", fmt.Errorf("digest %q: want sha256:<64 lowercase hex>", digest)
	}
	return filepath.Join(s.dir, "sha256", strings.TrimPrefix(digest, "sha256:")), nil
}
