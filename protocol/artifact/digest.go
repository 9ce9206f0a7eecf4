package artifact

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// ErrDigestMismatch marks content whose SHA-256 is not the one expected.
var ErrDigestMismatch = errors.New("artifact digest mismatch")

// Digest returns "sha256:<hex>" of everything read from r.
func Digest(r io.Reader) (string, error) {
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		return "", fmt.Errorf("digest: %w", err)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

// FileDigest returns the digest of the file at path.
func FileDigest(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("digest %s: %w", path, err)
	}
	defer f.Close()
	return Digest(f)
}

// ParseDigest checks the "sha256:<64 hex>" form and returns the hex part.
func ParseDigest(d string) (string, error) {
	hexPart, ok := strings.CutPrefix(d, "sha256:")
	if !ok || len(hexPart) != 64 {
		return "", fmt.Errorf("digest %q: want sha256:<64 hex digits>", d)
	}
	if _, err := hex.DecodeString(hexPart); err != nil {
		return "", fmt.Errorf("digest %q: %w", d, err)
	}
	return strings.ToLower(hexPart), nil
}

// VerifyFile checks that the file at path has digest want.
func VerifyFile(path, want string) error {
	if _, err := ParseDigest(want); err != nil {
		return err
	}
	got, err := FileDigest(path)
	if err != nil {
		return err
	}
	if !strings.EqualFold(got, want) {
		return fmt.Errorf("%s: got %s, want %s: %w", path, got, want, ErrDigestMismatch)
	}
	return nil
}
