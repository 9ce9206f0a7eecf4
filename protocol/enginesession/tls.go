package enginesession

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"time"

	"github.com/roundhouse/roundhouse/protocol"
)

// pairTLS trusts exactly the CA whose SHA-256 the pair key carries: the
// agent verifies the control plane on first contact with nothing else.
func pairTLS(caHash [32]byte) *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS13,
		NextProtos: []string{protocol.ALPNPair},
		// Chain verification is done in VerifyConnection against the pinned CA.
		InsecureSkipVerify: true, //nolint:gosec // verified below against the key's CA hash
		VerifyConnection: func(cs tls.ConnectionState) error {
			return verifyPinned(cs.PeerCertificates, caHash)
		},
	}
}

// ErrCAMismatch means the server is not of the cluster the pair key
// names.
var ErrCAMismatch = errors.New("the server is not the control plane this pair key belongs to (CA fingerprint mismatch)")

func verifyPinned(chain []*x509.Certificate, caHash [32]byte) error {
	if len(chain) == 0 {
		return ErrCAMismatch
	}
	pool := x509.NewCertPool()
	for _, c := range chain[1:] {
		if sha256.Sum256(c.Raw) == caHash {
			pool.AddCert(c)
		}
	}
	_, err := chain[0].Verify(x509.VerifyOptions{
		Roots: pool, DNSName: protocol.ServerName, CurrentTime: time.Now(),
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	})
	if err != nil {
		return ErrCAMismatch
	}
	return nil
}

// SessionTLS is mutual TLS with the certificate from pairing, trusting
// the cluster CA in roots. The client certificate is read at each
// handshake, so a renewal applies to the next session without a restart.
func SessionTLS(roots *x509.CertPool, cert func() tls.Certificate) *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS13,
		NextProtos: []string{protocol.ALPNEngine},
		RootCAs:    roots,
		ServerName: protocol.ServerName,
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			c := cert()
			return &c, nil
		},
	}
}
