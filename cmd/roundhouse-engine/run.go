package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/roundhouse/roundhouse/agent"
	"github.com/roundhouse/roundhouse/agent/link"
)

// exitRevoked tells systemd (RestartPreventExitStatus) not to restart an
// engine the control plane deleted or unpaired.
const exitRevoked = 3

func newRunCmd() *cobra.Command {
	var dataDir, logLevel string
	var gcPercent int
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run the engine: keep its session with the control plane up and run work",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := tuneAgentGC(gcPercent); err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			a, err := agent.New(agent.Config{Store: link.Store{Dir: dataDir}, Version: version, Logger: newLogger(logLevel)})
			if err != nil {
				return err
			}
			err = a.Run(ctx)
			if errors.Is(err, link.ErrRevoked) {
				fmt.Fprintln(os.Stderr, "roundhouse-engine:", err)
				os.Exit(exitRevoked)
			}
			return err
		},
	}
	cmd.Flags().StringVar(&dataDir, "data-dir", defaultDataDir, "where the engine identity is kept")
	cmd.Flags().StringVar(&logLevel, "log-level", "info", "debug, info, warn or error")
	cmd.Flags().IntVar(&gcPercent, "gc-percent", 0, fmt.Sprintf("Go GC target percentage (GOGC) of the agent process; 0: %d unless GOGC is set, -1: leave the runtime's", defaultAgentGCPercent))
	return cmd
}

func newLogger(level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.ToUpper(level))); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: l}))
}
