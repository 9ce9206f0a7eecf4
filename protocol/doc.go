// Package protocol is the wire contract between engines (agents) and the
// control plane: message types and their versioned framing, ALPN names, the
// pair-key format, and the cluster CA and certificate-issuing helpers.
//
// The link, as it stands:
//
//   - Pairing: a QUIC connection with ALPN "roundhouse-pair/1" and no
//     client certificate. The agent pins the server to the CA hash its pair
//     key carries, opens one stream and sends PairRequest (key + CSR for a
//     key made on the host); the answer is PairResponse or Error.
//   - Session: one QUIC connection per engine, ALPN "roundhouse-engine/3",
//     mutual TLS with the engine certificate (engine ID in a URI SAN). The
//     agent opens one stream, the session stream, and keeps it for the
//     whole session: Hello → Welcome (server-pushed configuration: the
//     heartbeat interval), then WorkOpen, and from then on Heartbeat →
//     HeartbeatAck and RenewRequest → RenewResponse (or Error) beside the
//     work messages below, every message framed on that one stream. The
//     server reads it with the one goroutine it keeps per session. Any
//     other stream is announced first with StreamOpen on it.
//   - Version 2 ("roundhouse-engine/2", still served): each exchange is a
//     short stream the agent opens, writes one message to and closes
//     (Request), answered by one message: Hello, Heartbeat, RenewRequest;
//     the work messages go on a separate work stream opened with
//     WorkOpen. An agent offering the retired "roundhouse-engine/1" is
//     closed with CloseUnsupportedVersion.
//   - Work messages: the server pushes StartExecution (once per session
//     for each execution waiting for the engine), StopExecution, Deploy
//     and Undeploy; the agent sends ExecutionStatus, answered by StatusAck
//     once recorded (final statuses are repeated at every session start
//     until acknowledged), LogBatch (answered by LogAck), and deployment
//     statuses, reports and metrics.
//   - Artifact streams: one per download, opened by the agent with
//     ArtifactRequest{digest}; the answer is Error or ArtifactHeader{size}
//     followed by exactly size raw bytes (archives are not framed, so the
//     frame cap does not limit them; the agent verifies the SHA-256).
//   - Framing: uint32 length, version byte, uint16 type, JSON body; bodies
//     are capped at MaxFrameSize; unknown types and fields are skipped.
//   - Closing: the server closes a session with a Close* application code;
//     CloseRevoked means pair again, CloseShutdown means fail over.
//
// It is a pure library: it performs no I/O policy (no retries, no timers, no
// state) and imports nothing from this module. Sub-package artifact owns the
// artifact manifest format; sub-package enginesession is the engine side of
// pairing and the session, the one copy agents and test engines share.
package protocol
