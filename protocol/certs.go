package protocol

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
)

// engineURIScheme marks the engine identity inside a client certificate:
// a URI SAN roundhouse:engine/<id>.
const engineURIPrefix = "roundhouse:engine/"

// IssueServerCertificate signs a fresh key for a control-plane node. The
// certificate names ServerName plus the given host names and IPs.
func (ca *CA) IssueServerCertificate(nodeID string, hosts []string, now time.Time, validity time.Duration) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("server key for node %s: %w", nodeID, err)
	}
	serial, err := NewSerial()
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "roundhouse node " + nodeID},
		NotBefore:    now.Add(-time.Minute),
		NotAfter:     now.Add(validity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{ServerName},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else if h != "" {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, &key.PublicKey, ca.Key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("sign server certificate for node %s: %w", nodeID, err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("parse server certificate: %w", err)
	}
	return tls.Certificate{Certificate: [][]byte{der, ca.Cert.Raw}, PrivateKey: key, Leaf: leaf}, nil
}

// CheckCSR parses a certificate request and verifies its self-signature, so
// the requester proved it holds the private key.
func CheckCSR(der []byte) (*x509.CertificateRequest, error) {
	csr, err := x509.ParseCertificateRequest(der)
	if err != nil {
		return nil, fmt.Errorf("parse CSR: %w", err)
	}
	if err := csr.CheckSignature(); err != nil {
		return nil, fmt.Errorf("CSR signature: %w", err)
	}
	return csr, nil
}

// SignEngineCSR issues the client certificate of an engine: the CSR's public
// key, the engine ID as subject and URI SAN, client-auth only.
func (ca *CA) SignEngineCSR(csr *x509.CertificateRequest, engineID string, serialHex string, now time.Time, validity time.Duration) ([]byte, error) {
	serial, ok := newIntFromHex(serialHex)
	if !ok {
		return nil, fmt.Errorf("sign engine %s: bad serial %q", engineID, serialHex)
	}
	uri := &url.URL{Scheme: "roundhouse", Opaque: "engine/" + engineID}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: engineID, Organization: []string{"Roundhouse engines"}},
		NotBefore:    now.Add(-time.Minute),
		NotAfter:     now.Add(validity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		URIs:         []*url.URL{uri},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, csr.PublicKey, ca.Key)
	if err != nil {
		return nil, fmt.Errorf("sign engine %s: %w", engineID, err)
	}
	return der, nil
}

// EngineIdentity returns the engine ID and serial of a client certificate
// issued by SignEngineCSR.
func EngineIdentity(cert *x509.Certificate) (engineID, serial string, err error) {
	for _, u := range cert.URIs {
		if s := u.String(); strings.HasPrefix(s, engineURIPrefix) {
			id := strings.TrimPrefix(s, engineURIPrefix)
			if id == "" {
				break
			}
			return id, SerialString(cert.SerialNumber), nil
		}
	}
	return "", "", errors.New("certificate carries no engine identity")
}

// NewEngineKey creates the agent's private key; it never leaves the host.
func NewEngineKey() (*ecdsa.PrivateKey, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("new engine key: %w", err)
	}
	return k, nil
}

// NewCSR returns a DER certificate request signed by key.
func NewCSR(key *ecdsa.PrivateKey, hostname string) ([]byte, error) {
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject: pkix.Name{CommonName: hostname},
	}, key)
	if err != nil {
		return nil, fmt.Errorf("new CSR: %w", err)
	}
	return der, nil
}
