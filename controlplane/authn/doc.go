// Package authn authenticates API callers: it maps a bearer token to a
// Principal with the permissions its owner holds right now. Tokens are
// random secrets of which only the SHA-256 is stored; lookups go by hash.
//
// It reads the replicated state and never writes it; it must not log a
// token or any part of one.
package authn
