package protocol

import (
	"crypto/x509"
	"testing"
	"time"
)

func TestEngineCertificateCarriesIdentity(t *testing.T) {
	now := time.Now()
	ca, err := NewCA("cluster", now, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	certPEM, keyPEM, err := ca.MarshalPEM()
	if err != nil {
		t.Fatal(err)
	}
	ca2, err := ParseCA(certPEM, keyPEM)
	if err != nil || ca2.Fingerprint() != ca.Fingerprint() {
		t.Fatalf("CA did not survive PEM: %v", err)
	}
	key, _ := NewEngineKey()
	csrDER, _ := NewCSR(key, "host1")
	csr, err := CheckCSR(csrDER)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := NewSerial()
	der, err := ca2.SignEngineCSR(csr, "eng-1", SerialString(serial), now, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	if _, err := cert.Verify(x509.VerifyOptions{Roots: ca.Pool(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Fatalf("engine certificate does not verify: %v", err)
	}
	id, gotSerial, err := EngineIdentity(cert)
	if err != nil || id != "eng-1" || gotSerial != SerialString(serial) {
		t.Fatalf("identity = %q %q %v", id, gotSerial, err)
	}
	srv, err := ca.IssueServerCertificate("n1", []string{"127.0.0.1", "cp1"}, now, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Leaf.VerifyHostname(ServerName); err != nil {
		t.Fatalf("server certificate lacks the cluster name: %v", err)
	}
}

func TestCheckCSRRefusesTampering(t *testing.T) {
	key, _ := NewEngineKey()
	der, _ := NewCSR(key, "h")
	der[len(der)-5] ^= 0xff
	if _, err := CheckCSR(der); err == nil {
		t.Fatal("tampered CSR accepted")
	}
	if _, err := CheckCSR([]byte("junk")); err == nil {
		t.Fatal("junk CSR accepted")
	}
}
