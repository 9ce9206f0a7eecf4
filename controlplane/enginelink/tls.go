package enginelink

import (
	"crypto/tls"
	"slices"

	"github.com/roundhouse/roundhouse/protocol"
)

// tlsConfig serves both ALPNs on one listener: pairing connections present
// no client certificate (the pair key authenticates them), every other
// connection must present one signed by the cluster CA.
func tlsConfig(ca *protocol.CA, cert tls.Certificate) *tls.Config {
	pair := &tls.Config{
		MinVersion:   tls.VersionTLS13,
		Certificates: []tls.Certificate{cert},
		NextProtos:   []string{protocol.ALPNPair},
		ClientAuth:   tls.NoClientCert,
	}
	engine := &tls.Config{
		MinVersion:   tls.VersionTLS13,
		Certificates: []tls.Certificate{cert},
		NextProtos:   []string{protocol.ALPNEngine},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    ca.Pool(),
	}
	return &tls.Config{
		MinVersion:   tls.VersionTLS13,
		Certificates: []tls.Certificate{cert},
		NextProtos:   []string{protocol.ALPNEngine, protocol.ALPNPair},
		GetConfigForClient: func(hello *tls.ClientHelloInfo) (*tls.Config, error) {
			if slices.Contains(hello.SupportedProtos, protocol.ALPNPair) {
				return pair, nil
			}
			return engine, nil
		},
	}
}
