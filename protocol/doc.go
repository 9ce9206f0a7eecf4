// Package protocol is the wire contract between engines (agents) and the
// control plane: message types and their versioned framing, ALPN names, the
// pair-key format, and the cluster CA and certificate-issuing helpers.
//
// It is a pure library: it performs no I/O policy (no retries, no timers, no
// state) and imports nothing from this module. Sub-package artifact owns the
// artifact manifest format.
package protocol
