// Package ipallowlist serves Talend's IP allowlist API
// (/v1/management/ip-allowlist, 11 calls), and provides the address gate
// that refuses API calls and token requests from addresses outside an
// enabled allowlist, whoever the caller. Nobody locks themselves out: the
// replicated state refuses (409) a change that would block the address of
// the caller making it. Engine sessions (QUIC) never meet the gate.
//
// Validation of addresses and ranges lives in controlplane/state; the
// gate only reads the replicated state and never writes it. The caller's
// address is api.ClientIP's (a trusted proxy's X-Forwarded-For, else the
// TCP peer).
package ipallowlist
