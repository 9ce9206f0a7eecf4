package state

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"regexp"
	"time"

	"github.com/google/uuid"
)

// NewObjectID returns a 24-hex ID, the form the API uses for orchestration
// objects (environments, workspaces, tasks...): the creation time in
// nanoseconds, then 32 random bits. Time first makes new IDs sort after
// older ones, so the state store's indexes grow at one edge: inserting a
// random key copied a whole radix path per index and was 5x dearer. Two
// IDs collide only if made in the same nanosecond with the same 32 bits.
func NewObjectID() string {
	var b [12]byte
	binary.BigEndian.PutUint64(b[:8], uint64(time.Now().UnixNano()))
	_, _ = rand.Read(b[8:])
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
