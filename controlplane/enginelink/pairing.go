package enginelink

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/quic-go/quic-go"

	"github.com/roundhouse/roundhouse/protocol"
)

// servePairing answers the single PairRequest of a pairing connection, then
// waits (briefly) for the agent to close, so the answer is not cut off.
func (s *Server) servePairing(ctx context.Context, conn *quic.Conn) {
	defer func() { _ = conn.CloseWithError(protocol.CloseNormal, "") }()
	ctx, cancel := context.WithTimeout(ctx, s.cfg.RequestTimeout)
	defer cancel()
	str, err := conn.AcceptStream(ctx)
	if err != nil {
		return
	}
	_ = str.SetReadDeadline(time.Now().Add(s.cfg.RequestTimeout))
	reply := s.pairReply(ctx, conn, str)
	if err := protocol.WriteMessage(str, reply); err != nil {
		return
	}
	_ = str.Close()
	select {
	case <-conn.Context().Done():
	case <-ctx.Done():
	}
}

func (s *Server) pairReply(ctx context.Context, conn *quic.Conn, str *quic.Stream) protocol.Message {
	source := hostOf(conn.RemoteAddr())
	if !s.limiter.Allow(source, time.Now()) {
		s.cfg.Logger.Warn("pairing rate limited", "source", source)
		return &protocol.Error{Code: protocol.CodeRateLimited, Message: protocol.ErrPairRateLimited.Error()}
	}
	m, err := protocol.ReadMessage(str)
	if err != nil {
		s.limiter.Failed(source, time.Now())
		return &protocol.Error{Code: protocol.CodeBadRequest, Message: "could not read the pairing request"}
	}
	req, ok := m.(*protocol.PairRequest)
	if !ok {
		return &protocol.Error{Code: protocol.CodeBadRequest, Message: "expected a pairing request"}
	}
	resp, err := s.pair(ctx, req, source)
	if err != nil {
		if protocol.ErrorCode(err) != "" {
			s.limiter.Failed(source, time.Now())
		}
		return pairError(err)
	}
	return resp
}

func (s *Server) pair(ctx context.Context, req *protocol.PairRequest, source string) (*protocol.PairResponse, error) {
	key, err := protocol.ParsePairKey(req.Key)
	if err != nil {
		return nil, err
	}
	if key.CA != s.ca.Fingerprint() {
		// The agent already refused us if the hashes differ; a mismatch here
		// means a key from another cluster.
		return nil, protocol.ErrPairKeyUnknown
	}
	csr, err := protocol.CheckCSR(req.CSR)
	if err != nil {
		return nil, badRequest{err}
	}
	serial, err := protocol.NewSerial()
	if err != nil {
		return nil, err
	}
	now := time.Now()
	res, err := s.dir.Pair(ctx, PairRequest{
		KeyID: key.ID, SecretHash: key.SecretHash(), CertSerial: protocol.SerialString(serial),
		Facts: req.Facts, Source: source, Now: now,
	})
	if err != nil {
		s.cfg.Logger.Info("pairing refused", "key", key.Redacted(), "source", source, "err", err)
		return nil, err
	}
	der, err := s.ca.SignEngineCSR(csr, res.EngineID, protocol.SerialString(serial), now, s.cfg.EngineCertValidity)
	if err != nil {
		return nil, fmt.Errorf("pair engine %s: %w", res.EngineID, err)
	}
	s.cfg.Logger.Info("engine paired", "engine", res.EngineID, "source", source)
	return &protocol.PairResponse{EngineID: res.EngineID, Certificate: der, CACertificate: s.ca.Cert.Raw}, nil
}

type badRequest struct{ err error }

func (b badRequest) Error() string { return b.err.Error() }

// pairError turns a refusal into the message the person pairing reads.
func pairError(err error) *protocol.Error {
	if code := protocol.ErrorCode(err); code != "" {
		return &protocol.Error{Code: code, Message: keySentinel(err).Error()}
	}
	var br badRequest
	if errors.As(err, &br) {
		return &protocol.Error{Code: protocol.CodeBadRequest, Message: "invalid certificate request: " + br.Error()}
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return &protocol.Error{Code: protocol.CodeUnavailable, Message: "the control plane did not answer in time; retry"}
	}
	return &protocol.Error{Code: protocol.CodeInternal, Message: "pairing failed on the control plane; retry or ask an administrator"}
}

// keySentinel returns the bare pair-key error inside err, so the message
// sent never carries internal context.
func keySentinel(err error) error {
	for _, k := range []error{protocol.ErrPairKeyInvalid, protocol.ErrPairKeyUnknown, protocol.ErrPairKeyUsed, protocol.ErrPairKeyExpired, protocol.ErrPairRateLimited} {
		if errors.Is(err, k) {
			return k
		}
	}
	return err
}

func hostOf(a net.Addr) string {
	if u, ok := a.(*net.UDPAddr); ok {
		return u.IP.String()
	}
	h, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return h
}
