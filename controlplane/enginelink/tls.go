package enginelink

import (
	"crypto/tls"
	"slices"

	"github.com/roundhouse/roundhouse/protocol"
)

// tlsConfig serves both ALPNs on one listener: pairing connections present
// no client certificate (the pair key authenticates them), every other
// connection must present one signed by the cluster CA.
//
// Engine sessions get the node certificate without the CA: agents hold the
// CA from pairing, and crypto/tls keeps what a handshake wrote for the life
// of the connection, so the CA would cost every session ~0.7 KiB.
//
// Session tickets are off: agents keep no session cache (a reconnect is a
// full handshake, which also re-checks the client certificate), so a ticket
// would only cost each session its encryption at handshake and ~2 KiB of
// buffered crypto data for its whole life.
func tlsConfig(ca *protocol.CA, cert tls.Certificate, classical bool) *tls.Config {
	pair := &tls.Config{
		MinVersion:   tls.VersionTLS13,
		Certificates: []tls.Certificate{cert},
		NextProtos:   []string{protocol.ALPNPair},
		ClientAuth:   tls.NoClientCert,

		SessionTicketsDisabled: true,
	}
	engine := &tls.Config{
		MinVersion:   tls.VersionTLS13,
		Certificates: []tls.Certificate{leafOnly(cert)},
		NextProtos:   []string{protocol.ALPNEngine, protocol.ALPNEngineV2, protocol.ALPNEngineV1},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    ca.Pool(),

		SessionTicketsDisabled: true,
	}
	if classical {
		pair.CurvePreferences = []tls.CurveID{tls.X25519}
		engine.CurvePreferences = []tls.CurveID{tls.X25519}
	}
	return &tls.Config{
		MinVersion:   tls.VersionTLS13,
		Certificates: []tls.Certificate{cert},
		NextProtos:   []string{protocol.ALPNEngine, protocol.ALPNEngineV2, protocol.ALPNEngineV1, protocol.ALPNPair},

		SessionTicketsDisabled: true,
		GetConfigForClient: func(hello *tls.ClientHelloInfo) (*tls.Config, error) {
			if slices.Contains(hello.SupportedProtos, protocol.ALPNPair) {
				return pair, nil
			}
			return engine, nil
		},
	}
}

// leafOnly is cert without its chain.
func leafOnly(cert tls.Certificate) tls.Certificate {
	cert.Certificate = cert.Certificate[:1]
	return cert
}
