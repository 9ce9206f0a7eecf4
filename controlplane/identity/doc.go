// Package identity serves the account's people and credentials: the
// caller's profile and personal access tokens (created with the secret
// shown once, listed without it, revoked). Users, roles, groups and
// service accounts grow here.
//
// Secrets are generated here and only their hashes leave the package.
package identity
