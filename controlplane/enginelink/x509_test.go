package enginelink_test

import (
	"crypto/x509"
	"testing"
)

func x509ParseOrFail(t *testing.T, der []byte) (*x509.Certificate, error) {
	t.Helper()
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c, nil
}
