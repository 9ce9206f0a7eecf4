package state

import (
	"crypto/rand"
	"encoding/hex"
	"regexp"

	"github.com/google/uuid"
)

// NewObjectID returns a 24-hex ID, the form the API uses for orchestration
// objects (environments, workspaces, tasks...).
func NewObjectID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// NewUUID returns a random UUID, the form used for users and service
// accounts.
func NewUUID() string { return uuid.NewString() }

var objectIDPattern = regexp.MustCompile(`^[0-9a-f]{24}$`)

// IsObjectID reports whether s has the 24-hex form.
func IsObjectID(s string) bool { return objectIDPattern.MatchString(s) }

// IsUUID reports whether s is a canonical UUID.
func IsUUID(s string) bool {
	_, err := uuid.Parse(s)
	return err == nil && len(s) == 36
}
