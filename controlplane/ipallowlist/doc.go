// Package ipallowlist serves the IP allowlist API of Talend's Cloud API
// reference
// (/v1/management/ip-allowlist, 11 calls), and provides the Gate that
// refuses API calls from addresses outside an enabled allowlist. Holders
// of TMC_USER_MANAGEMENT pass the gate, so an administrator can always
// turn the policy off; engine sessions (QUIC) never meet it.
//
// Validation of addresses and ranges lives in controlplane/state; the
// gate only reads the replicated state and never writes it.
package ipallowlist
