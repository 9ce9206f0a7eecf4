package enginesession

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/quic-go/quic-go"

	"github.com/roundhouse/roundhouse/protocol"
)

// PairRequest is one pairing attempt with one server.
type PairRequest struct {
	// Key is the pair key copied from the control plane.
	Key string
	// Facts are reported to the control plane; Facts.Hostname names the
	// certificate request.
	Facts protocol.HostFacts
	// Timeout bounds the attempt.
	Timeout time.Duration
	// Dial defaults to quic.DialAddr.
	Dial Dialer
}

// Credentials are what pairing gives an engine: its ID, its private key
// (made here, never sent), its certificate and the cluster CA.
type Credentials struct {
	EngineID string
	Key      *ecdsa.PrivateKey
	Cert     *x509.Certificate
	CA       *x509.Certificate
}

// TLSCertificate is the credentials as a client certificate.
func (c *Credentials) TLSCertificate() tls.Certificate {
	return tls.Certificate{Certificate: [][]byte{c.Cert.Raw}, PrivateKey: c.Key, Leaf: c.Cert}
}

// Roots is a pool of the cluster CA, to verify nodes with.
func (c *Credentials) Roots() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(c.CA)
	return pool
}

// PairError is a refusal by the control plane; it is final (another server
// would answer the same), unlike a network failure.
type PairError struct {
	Code    string
	Message string
}

func (e *PairError) Error() string { return e.Message + " (" + e.Code + ")" }

// CertificateError means the control plane answered with a certificate
// that does not check out (another CA, another engine, another key):
// nothing may be saved, and another server cannot repair it.
type CertificateError struct{ Err error }

func (e *CertificateError) Error() string { return e.Err.Error() }
func (e *CertificateError) Unwrap() error { return e.Err }

// Pair exchanges the pair key and a CSR for a key made here for the
// engine's certificate at server, pinning the server to the CA the pair
// key names, and checks what it is given.
func Pair(ctx context.Context, server string, r PairRequest) (*Credentials, error) {
	key, err := protocol.ParsePairKey(r.Key)
	if err != nil {
		return nil, err
	}
	priv, err := protocol.NewEngineKey()
	if err != nil {
		return nil, err
	}
	csr, err := protocol.NewCSR(priv, r.Facts.Hostname)
	if err != nil {
		return nil, err
	}
	resp, err := exchange(ctx, server, key.CA, &protocol.PairRequest{Key: r.Key, CSR: csr, Facts: r.Facts}, r)
	if err != nil {
		return nil, err
	}
	c, err := credentialsFrom(resp, priv, key.CA)
	if err != nil {
		return nil, &CertificateError{Err: err}
	}
	return c, nil
}

func exchange(ctx context.Context, server string, caHash [32]byte, req *protocol.PairRequest, r PairRequest) (*protocol.PairResponse, error) {
	ctx, cancel := context.WithTimeout(ctx, r.Timeout)
	defer cancel()
	conn, err := r.Dial.dial(ctx, server, pairTLS(caHash), &quic.Config{HandshakeIdleTimeout: r.Timeout})
	if err != nil {
		if strings.Contains(err.Error(), ErrCAMismatch.Error()) {
			return nil, ErrCAMismatch
		}
		return nil, fmt.Errorf("connect: %w", err)
	}
	defer func() { _ = conn.CloseWithError(protocol.CloseNormal, "") }()
	str, err := conn.OpenStreamSync(ctx)
	if err != nil {
		return nil, fmt.Errorf("open stream: %w", err)
	}
	_ = str.SetDeadline(time.Now().Add(r.Timeout))
	if err := protocol.WriteMessage(str, req); err != nil {
		return nil, err
	}
	m, err := protocol.ReadMessage(str)
	if err != nil {
		return nil, fmt.Errorf("read pairing answer: %w", err)
	}
	switch a := m.(type) {
	case *protocol.PairResponse:
		return a, nil
	case *protocol.Error:
		return nil, &PairError{Code: a.Code, Message: a.Message}
	}
	return nil, fmt.Errorf("unexpected answer type %d", m.MessageType())
}

// credentialsFrom checks the issued certificate before anything is saved.
func credentialsFrom(resp *protocol.PairResponse, priv *ecdsa.PrivateKey, caHash [32]byte) (*Credentials, error) {
	cert, err := x509.ParseCertificate(resp.Certificate)
	if err != nil {
		return nil, fmt.Errorf("issued certificate: %w", err)
	}
	ca, err := x509.ParseCertificate(resp.CACertificate)
	if err != nil || sha256.Sum256(ca.Raw) != caHash {
		return nil, ErrCAMismatch
	}
	if id, _, err := protocol.EngineIdentity(cert); err != nil || id != resp.EngineID {
		return nil, fmt.Errorf("issued certificate is not for engine %s", resp.EngineID)
	}
	pub, _ := x509.MarshalPKIXPublicKey(priv.Public())
	got, _ := x509.MarshalPKIXPublicKey(cert.PublicKey)
	if !bytes.Equal(pub, got) {
		return nil, errors.New("issued certificate is not for this engine's key")
	}
	return &Credentials{EngineID: resp.EngineID, Key: priv, Cert: cert, CA: ca}, nil
}
