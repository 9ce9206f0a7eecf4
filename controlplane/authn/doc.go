// Package authn authenticates API callers: it maps a bearer token (a
// personal access token, or a short-lived token from
// /security/oauth/token) to a Principal with the permissions and
// workspace rights its owner holds right now. Token secrets carry 256
// random bits and only their SHA-256 is stored; passwords are hashed
// with argon2id (password.go).
//
// It reads the replicated state and never writes it; it must not log a
// token, a password or any part of one.
package authn
