package protocol

import "github.com/quic-go/quic-go"

// ALPN names. Pairing runs without a client certificate; every other
// session is mutual TLS. The server picks its TLS settings by ALPN.
//
// Version 2 of the engine session sends each heartbeat and renewal on a
// short stream of its own instead of a long-lived control stream, so the
// server parks no goroutine on a control stream per engine. Servers still
// accept ALPNEngineV1 handshakes only to close them with
// CloseUnsupportedVersion and a message saying to upgrade the agent.
const (
	ALPNPair     = "roundhouse-pair/1"
	ALPNEngine   = "roundhouse-engine/2"
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
	CloseUnsupportedVersion quic.ApplicationErrorCode = 0x106 // the agent speaks a retired session version; upgrade it
)
