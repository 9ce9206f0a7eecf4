package agent

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/quic-go/quic-go"

	"github.com/roundhouse/roundhouse/protocol"
)

// PairConfig is what `roundhouse-engine pair` needs.
type PairConfig struct {
	Servers []string           // HOST:PORT of control-plane nodes, tried in order
	Key     string             // the pair key copied from the control plane
	Store   Store              // where the identity is written
	Facts   protocol.HostFacts // reported to the control plane
	Timeout time.Duration      // per server attempt; default 10 s
	Logger  *slog.Logger
}

// PairError is a refusal by the control plane; it is final (another server
// would answer the same), unlike a network failure.
type PairError struct {
	Code    string
	Message string
}

func (e *PairError) Error() string { return e.Message + " (" + e.Code + ")" }

// Pair exchanges a pair key and a CSR for the engine's certificate and
// saves the identity. Nothing is written unless pairing succeeded.
func Pair(ctx context.Context, cfg PairConfig) (*Identity, error) {
	if len(cfg.Servers) == 0 {
		return nil, errors.New("pair: at least one --server is required")
	}
	if id, err := cfg.Store.Load(); err == nil {
		return nil, fmt.Errorf("pair: this data dir already holds engine %s; use another --data-dir or remove %s to pair again", id.EngineID, cfg.Store.Dir)
	} else if !errors.Is(err, ErrNotPaired) {
		return nil, fmt.Errorf("pair: %w", err)
	}
	key, err := protocol.ParsePairKey(cfg.Key)
	if err != nil {
		return nil, fmt.Errorf("pair: %w", err)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	priv, err := protocol.NewEngineKey()
	if err != nil {
		return nil, err
	}
	csr, err := protocol.NewCSR(priv, cfg.Facts.Hostname)
	if err != nil {
		return nil, err
	}
	req := &protocol.PairRequest{Key: cfg.Key, CSR: csr, Facts: cfg.Facts}
	resp, err := pairAny(ctx, cfg, key.CA, req)
	if err != nil {
		return nil, err
	}
	id, err := identityFrom(resp, priv, key.CA, cfg.Servers)
	if err != nil {
		return nil, fmt.Errorf("pair: %w", err)
	}
	if err := cfg.Store.Save(id); err != nil {
		return nil, fmt.Errorf("pair engine %s: %w", id.EngineID, err)
	}
	return id, nil
}

// pairAny tries the servers in order. A refusal is final; only network
// failures and UNAVAILABLE move on to the next server.
func pairAny(ctx context.Context, cfg PairConfig, caHash [32]byte, req *protocol.PairRequest) (*protocol.PairResponse, error) {
	var errs []error
	for _, server := range cfg.Servers {
		resp, err := pairWith(ctx, server, caHash, req, cfg.Timeout)
		var refusal *PairError
		if errors.As(err, &refusal) && refusal.Code != protocol.CodeUnavailable {
			return nil, refusal
		}
		if err == nil {
			return resp, nil
		}
		cfg.Logger.Warn("pairing attempt failed", "server", server, "err", err)
		errs = append(errs, fmt.Errorf("%s: %w", server, err))
	}
	return nil, fmt.Errorf("pair: no control-plane server could be reached: %w", errors.Join(errs...))
}

func pairWith(ctx context.Context, server string, caHash [32]byte, req *protocol.PairRequest, timeout time.Duration) (*protocol.PairResponse, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	conn, err := quic.DialAddr(ctx, server, pairTLS(caHash), &quic.Config{HandshakeIdleTimeout: timeout})
	if err != nil {
		if strings.Contains(err.Error(), errCAMismatch.Error()) {
			return nil, errCAMismatch
		}
		return nil, fmt.Errorf("connect: %w", err)
	}
	defer func() { _ = conn.CloseWithError(protocol.CloseNormal, "") }()
	str, err := conn.OpenStreamSync(ctx)
	if err != nil {
		return nil, fmt.Errorf("open stream: %w", err)
	}
	_ = str.SetDeadline(time.Now().Add(timeout))
	if err := protocol.WriteMessage(str, req); err != nil {
		return nil, err
	}
	m, err := protocol.ReadMessage(str)
	if err != nil {
		return nil, fmt.Errorf("read pairing answer: %w", err)
	}
	switch r := m.(type) {
	case *protocol.PairResponse:
		return r, nil
	case *protocol.Error:
		return nil, &PairError{Code: r.Code, Message: r.Message}
	}
	return nil, fmt.Errorf("unexpected answer type %d", m.MessageType())
}

// identityFrom checks the issued certificate before anything is saved.
func identityFrom(resp *protocol.PairResponse, priv *ecdsa.PrivateKey, caHash [32]byte, servers []string) (*Identity, error) {
	cert, err := x509.ParseCertificate(resp.Certificate)
	if err != nil {
		return nil, fmt.Errorf("issued certificate: %w", err)
	}
	ca, err := x509.ParseCertificate(resp.CACertificate)
	if err != nil || sha256.Sum256(ca.Raw) != caHash {
		return nil, errCAMismatch
	}
	if id, _, err := protocol.EngineIdentity(cert); err != nil || id != resp.EngineID {
		return nil, fmt.Errorf("issued certificate is not for engine %s", resp.EngineID)
	}
	pub, _ := x509.MarshalPKIXPublicKey(priv.Public())
	got, _ := x509.MarshalPKIXPublicKey(cert.PublicKey)
	if !bytes.Equal(pub, got) {
		return nil, errors.New("issued certificate is not for this engine's key")
	}
	return &Identity{EngineID: resp.EngineID, Servers: servers, Key: priv, Cert: cert, CA: ca}, nil
}
