package protocol

import "github.com/quic-go/quic-go"

// ALPN names. Pairing runs without a client certificate; every other
// session is mutual TLS. The server picks its TLS settings by ALPN.
//
// Version 3 of the engine session carries everything on one long-lived
// stream, the one the agent opens for its Hello: heartbeats, renewals and
// the work messages, read by the one goroutine the server keeps per
// session. Other streams (artifact downloads) are announced on it first
// with StreamOpen, so the server never parks a goroutine waiting for
// streams, and quic-go sends no stream credit per heartbeat.
//
// Version 2 (a short stream per heartbeat and renewal, a separate work
// stream) is still served, so agents can be upgraded after the servers.
// Servers accept ALPNEngineV1 handshakes only to close them with
// CloseUnsupportedVersion and a message saying to upgrade the agent.
const (
	ALPNPair     = "roundhouse-pair/1"
	ALPNEngine   = "roundhouse-engine/3"
	ALPNEngineV2 = "roundhouse-engine/2"
	ALPNEngineV1 = "roundhouse-engine/1"
)

// ServerName is the DNS name in every control-plane node certificate.
// Agents verify it instead of the address they dialled, so one cluster CA
// covers nodes reached by any IP or host name.
const ServerName = "control-plane.roundhouse.internal"

// Application error codes used to close a QUIC connection.
const (
	CloseNormal             quic.ApplicationErrorCode = 0
	CloseRevoked            quic.ApplicationErrorCode = 0x101 // engine deleted, unpaired or certificate revoked
	CloseReplaced           quic.ApplicationErrorCode = 0x102 // a newer session of the same engine took over
	CloseShutdown           quic.ApplicationErrorCode = 0x103 // the node is stopping; reconnect elsewhere
	CloseProtocolError      quic.ApplicationErrorCode = 0x104 // the peer broke the protocol
	CloseUnauthorized       quic.ApplicationErrorCode = 0x105 // no valid identity
	CloseUnsupportedVersion quic.ApplicationErrorCode = 0x106 // the agent's version or session protocol is no longer served (engine RETIRED); upgrade it
	CloseRetryLater         quic.ApplicationErrorCode = 0x107 // the node cannot serve the engine now (catching up, no leader); retry, here or elsewhere
)
