package protocol

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// pairKeyPrefix names the format and its version: rhpk1.<id>.<secret>.<ca>.
const pairKeyPrefix = "rhpk1"

var b64 = base64.RawURLEncoding

// PairKey is an engine's pre-authorization key. ID is public (it finds the
// key record); Secret is shown once and stored only as SecretHash; CA is
// the SHA-256 of the cluster CA certificate, so the agent can verify the
// control plane on first contact with nothing else.
type PairKey struct {
	ID     string
	Secret [32]byte
	CA     [32]byte
}

// Pair-key refusals, shared by the replicated state (which decides) and the
// wire (which reports them with the matching Code*).
var (
	ErrPairKeyInvalid = errors.New("the pair key is not valid: check that it was copied whole")
	ErrPairKeyUnknown = errors.New("the pair key is not known: it was regenerated or its engine deleted")
	ErrPairKeyUsed    = errors.New("the pair key was already used: regenerate a key for this engine")
	ErrPairKeyExpired = errors.New("the pair key has expired: regenerate a key for this engine")
	// ErrPairRateLimited refuses a source that failed too often lately.
	ErrPairRateLimited = errors.New("too many pairing attempts from this address; wait a minute and retry")
)

// NewPairKey makes a fresh key bound to the CA with fingerprint ca.
func NewPairKey(ca [32]byte) (PairKey, error) {
	var id [8]byte
	k := PairKey{CA: ca}
	if _, err := rand.Read(id[:]); err != nil {
		return PairKey{}, fmt.Errorf("new pair key: %w", err)
	}
	if _, err := rand.Read(k.Secret[:]); err != nil {
		return PairKey{}, fmt.Errorf("new pair key: %w", err)
	}
	k.ID = hex.EncodeToString(id[:])
	return k, nil
}

// String is the key as users copy it.
func (k PairKey) String() string {
	return strings.Join([]string{pairKeyPrefix, k.ID, b64.EncodeToString(k.Secret[:]), b64.EncodeToString(k.CA[:])}, ".")
}

// Redacted is safe for logs: it names the key without its secret.
func (k PairKey) Redacted() string { return pairKeyPrefix + "." + k.ID + ".***" }

// SecretHash is what the replicated state stores (hex SHA-256 of the
// secret). The secret has 256 bits of entropy, so a plain hash suffices.
func (k PairKey) SecretHash() string {
	h := sha256.Sum256(k.Secret[:])
	return hex.EncodeToString(h[:])
}

// MatchesHash reports, in constant time, whether the key's secret hashes to h.
func (k PairKey) MatchesHash(h string) bool {
	return subtle.ConstantTimeCompare([]byte(k.SecretHash()), []byte(h)) == 1
}

// ParsePairKey parses a key string; any malformation is ErrPairKeyInvalid.
func ParsePairKey(s string) (PairKey, error) {
	parts := strings.Split(strings.TrimSpace(s), ".")
	if len(parts) != 4 || parts[0] != pairKeyPrefix {
		return PairKey{}, ErrPairKeyInvalid
	}
	var k PairKey
	id, err := hex.DecodeString(parts[1])
	if err != nil || len(id) != 8 {
		return PairKey{}, ErrPairKeyInvalid
	}
	k.ID = parts[1]
	if !decodeFixed(parts[2], k.Secret[:]) || !decodeFixed(parts[3], k.CA[:]) {
		return PairKey{}, ErrPairKeyInvalid
	}
	return k, nil
}

func decodeFixed(s string, dst []byte) bool {
	b, err := b64.DecodeString(s)
	if err != nil || len(b) != len(dst) {
		return false
	}
	copy(dst, b)
	return true
}

// ErrorCode maps a pair-key refusal to its wire code ("" when err is none of them).
func ErrorCode(err error) string {
	switch {
	case errors.Is(err, ErrPairKeyInvalid):
		return CodeKeyInvalid
	case errors.Is(err, ErrPairKeyUnknown):
		return CodeKeyUnknown
	case errors.Is(err, ErrPairKeyUsed):
		return CodeKeyUsed
	case errors.Is(err, ErrPairKeyExpired):
		return CodeKeyExpired
	case errors.Is(err, ErrPairRateLimited):
		return CodeRateLimited
	}
	return ""
}
