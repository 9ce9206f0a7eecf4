package link

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/roundhouse/roundhouse/protocol"
	"github.com/roundhouse/roundhouse/protocol/enginesession"
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
type PairError = enginesession.PairError

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
	if _, err := protocol.ParsePairKey(cfg.Key); err != nil {
		return nil, fmt.Errorf("pair: %w", err)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	creds, err := pairAny(ctx, cfg)
	if err != nil {
		return nil, err
	}
	id := &Identity{Credentials: *creds, Servers: cfg.Servers}
	if err := cfg.Store.Save(id); err != nil {
		return nil, fmt.Errorf("pair engine %s: %w", id.EngineID, err)
	}
	return id, nil
}

// pairAny tries the servers in order. A refusal or a certificate that
// does not check out is final; only network failures and UNAVAILABLE
// move on to the next server.
func pairAny(ctx context.Context, cfg PairConfig) (*enginesession.Credentials, error) {
	var errs []error
	req := enginesession.PairRequest{Key: cfg.Key, Facts: cfg.Facts, Timeout: cfg.Timeout}
	for _, server := range cfg.Servers {
		creds, err := enginesession.Pair(ctx, server, req)
		var refusal *PairError
		if errors.As(err, &refusal) && refusal.Code != protocol.CodeUnavailable {
			return nil, refusal
		}
		var bad *enginesession.CertificateError
		if errors.As(err, &bad) {
			return nil, fmt.Errorf("pair: %w", err)
		}
		if err == nil {
			return creds, nil
		}
		cfg.Logger.Warn("pairing attempt failed", "server", server, "err", err)
		errs = append(errs, fmt.Errorf("%s: %w", server, err))
	}
	return nil, fmt.Errorf("pair: no control-plane server could be reached: %w", errors.Join(errs...))
}
