package link

import (
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/roundhouse/roundhouse/agent/datadir"
	"github.com/roundhouse/roundhouse/protocol"
	"github.com/roundhouse/roundhouse/protocol/enginesession"
)

// ErrNotPaired means the data dir holds no engine identity yet.
var ErrNotPaired = errors.New("this engine is not paired: run `roundhouse-engine pair --server HOST:PORT --key KEY` first")

// Identity is what pairing gives an engine: its ID, the servers to reach,
// its private key (generated here, never sent), its certificate and the
// cluster CA it trusts.
type Identity struct {
	enginesession.Credentials
	Servers []string
}

// identityFile is the on-disk form: one file, so a renewal replaces key and
// certificate together with a single rename.
type identityFile struct {
	EngineID string   `json:"engineId"`
	Servers  []string `json:"servers"`
	KeyPEM   string   `json:"keyPem"`
	CertPEM  string   `json:"certPem"`
	CAPEM    string   `json:"caPem"`
}

// Store keeps the identity in a data dir, mode 0600 (dir 0700).
type Store struct {
	Dir string
}

func (s Store) path() string { return filepath.Join(s.Dir, "identity.json") }

// Load reads the identity; ErrNotPaired when there is none.
func (s Store) Load() (*Identity, error) {
	b, err := os.ReadFile(s.path())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotPaired
	}
	if err != nil {
		return nil, fmt.Errorf("load identity: %w", err)
	}
	var f identityFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("load identity %s: %w", s.path(), err)
	}
	return f.decode()
}

func (f identityFile) decode() (*Identity, error) {
	key, err := protocol.ParsePrivateKeyPEM([]byte(f.KeyPEM))
	if err != nil {
		return nil, fmt.Errorf("load identity key: %w", err)
	}
	ec, ok := key.(*ecdsa.PrivateKey)
	if !ok {
		return nil, errors.New("load identity: key is not ECDSA")
	}
	cert, err := protocol.ParseCertificatePEM([]byte(f.CertPEM))
	if err != nil {
		return nil, fmt.Errorf("load identity certificate: %w", err)
	}
	ca, err := protocol.ParseCertificatePEM([]byte(f.CAPEM))
	if err != nil {
		return nil, fmt.Errorf("load identity CA: %w", err)
	}
	return &Identity{Credentials: enginesession.Credentials{EngineID: f.EngineID, Key: ec, Cert: cert, CA: ca}, Servers: f.Servers}, nil
}

// Save writes the identity atomically with mode 0600.
func (s Store) Save(id *Identity) error {
	keyPEM, err := protocol.MarshalPrivateKeyPEM(id.Key)
	if err != nil {
		return fmt.Errorf("save identity: %w", err)
	}
	b, err := json.MarshalIndent(identityFile{
		EngineID: id.EngineID, Servers: id.Servers, KeyPEM: string(keyPEM),
		CertPEM: string(protocol.CertificatePEM(id.Cert.Raw)), CAPEM: string(protocol.CertificatePEM(id.CA.Raw)),
	}, "", "  ")
	if err != nil {
		return fmt.Errorf("save identity: %w", err)
	}
	return datadir.WriteAtomic(s.Dir, s.path(), b)
}
