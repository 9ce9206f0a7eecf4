package authn

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// TokenPrefix marks Roundhouse personal access tokens, so secret scanners
// and people recognise one.
const TokenPrefix = "rhp_"

// NewToken returns a new secret and the hash to store.
func NewToken() (secret, hash string) {
	var b [32]byte
	_, _ = rand.Read(b[:])
	secret = TokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	return secret, HashToken(secret)
}

// HashToken returns the stored form of a token secret. Tokens carry 256
// random bits, so a fast hash is enough: there is nothing to brute-force.
func HashToken(secret string) string {
	sum := sha256.Sum256([]byte(strings.TrimSpace(secret)))
	return hex.EncodeToString(sum[:])
}

// SessionTokenPrefix marks the short-lived tokens of /security/oauth/token.
const SessionTokenPrefix = "rhs_"

// NewSessionToken returns a new short-lived token secret and its hash.
func NewSessionToken() (secret, hash string) {
	var b [32]byte
	_, _ = rand.Read(b[:])
	secret = SessionTokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	return secret, HashToken(secret)
}

// NewClientSecret returns a service account's secret and its hash: 256
// random bits, so like tokens a fast hash suffices.
func NewClientSecret() (secret, hash string) {
	var b [32]byte
	_, _ = rand.Read(b[:])
	secret = base64.RawURLEncoding.EncodeToString(b[:])
	return secret, HashToken(secret)
}

// SameHash compares two stored hashes in constant time.
func SameHash(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }
