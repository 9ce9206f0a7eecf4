package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/roundhouse/roundhouse/agent/link"
)

const defaultDataDir = "./roundhouse-engine-data"

func newPairCmd() *cobra.Command {
	var servers []string
	var key, dataDir string
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "pair --server HOST:PORT[,HOST:PORT...] --key KEY",
		Short: "Pair this engine with the control plane using its pair key",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if key == "" {
				key = os.Getenv("ROUNDHOUSE_PAIR_KEY")
			}
			if key == "" {
				return errors.New("pair: --key is required (or ROUNDHOUSE_PAIR_KEY)")
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return pair(ctx, cmd, splitServers(servers), key, dataDir, timeout)
		},
	}
	cmd.Flags().StringSliceVar(&servers, "server", nil, "control-plane QUIC address(es), HOST:PORT, comma separated")
	cmd.Flags().StringVar(&key, "key", "", "the engine's pair key (pre-authorization key)")
	cmd.Flags().StringVar(&dataDir, "data-dir", defaultDataDir, "where the engine identity is kept")
	cmd.Flags().DurationVar(&timeout, "timeout", 10*time.Second, "time allowed per server")
	return cmd
}

func pair(ctx context.Context, cmd *cobra.Command, servers []string, key, dataDir string, timeout time.Duration) error {
	id, err := link.Pair(ctx, link.PairConfig{
		Servers: servers,
		Key:     key,
		Store:   link.Store{Dir: dataDir},
		Facts:   link.HostFacts(ctx, dataDir, version),
		Timeout: timeout,
		Logger:  newLogger("warn"),
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "paired as engine %s; start it with: roundhouse-engine run --data-dir %s\n", id.EngineID, dataDir)
	return nil
}

func splitServers(in []string) []string {
	var out []string
	for _, s := range in {
		for p := range strings.SplitSeq(s, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}
