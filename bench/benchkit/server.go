package benchkit

import (
	"context"
	"io"
	"log/slog"
	"net"

	"github.com/roundhouse/roundhouse/controlplane"
)

// RunServer starts cfg as an in-process control-plane node on a free HTTP
// port, with free raft and QUIC addresses where cfg leaves them empty and
// a discarded log. stop shuts it down and waits.
func RunServer(cfg controlplane.Config) (srv *controlplane.Server, stop func(), err error) {
	cfg.HTTPAddr = "127.0.0.1:0"
	if cfg.RaftAddr == "" {
		cfg.RaftAddr = FreeAddr("tcp")
	}
	if cfg.QUICAddr == "" {
		cfg.QUICAddr = FreeAddr("udp")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	srv, err = controlplane.New(cfg)
	if err != nil {
		return nil, nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	return srv, func() { cancel(); <-done }, nil
}

// FreeAddr returns a loopback address free right now ("tcp" or "udp").
func FreeAddr(network string) string {
	if network == "udp" {
		c, _ := net.ListenPacket("udp", "127.0.0.1:0")
		defer c.Close()
		return c.LocalAddr().String()
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	defer ln.Close()
	return ln.Addr().String()
}
