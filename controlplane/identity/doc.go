// Package identity serves the account's people and credentials: users
// (create, update, roles, deactivate, delete with cascade, CSV export),
// roles (predefined and custom), groups, seats and the license view,
// personal access tokens (secret shown once; rename, revoke, admin view),
// service accounts exactly as Talend's service account API, the password policy, and the
// token endpoint POST /security/oauth/token (client credentials for
// service accounts, password for users, with lock-out and expiry).
//
// Secrets are generated here and only their hashes leave the package;
// no secret is logged or shown after creation. The rules themselves
// (uniqueness, seats, cascades) live in controlplane/state.
package identity
