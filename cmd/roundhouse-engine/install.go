package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"text/template"

	"github.com/spf13/cobra"
)

// unitTemplate runs the agent under systemd. KillMode=process: stopping or
// restarting the agent must not kill running workloads, which it reattaches
// to; exit status 3 (revoked) is final.
var unitTemplate = template.Must(template.New("unit").Parse(`[Unit]
Description=Roundhouse engine agent
Wants=network-online.target
After=network-online.target

[Service]
Type=simple
{{- if .User}}
User={{.User}}
{{- end}}
ExecStart={{.Exe}} run --data-dir {{.DataDir}}
Restart=on-failure
RestartSec=5
RestartPreventExitStatus=3
KillMode=process
LimitNOFILE=65536

[Install]
WantedBy=multi-user.target
`))

func newInstallCmd() *cobra.Command {
	var dataDir, unitPath, user string
	var printOnly bool
	cmd := &cobra.Command{
		Use:   "install",
		Short: "Write a systemd unit (Linux) or launchd plist (macOS) that runs this engine (or print it with --print)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			mgr, err := serviceManagerFor(runtime.GOOS)
			if err != nil {
				return err
			}
			if unitPath == "" {
				unitPath = mgr.defaultPath
			}
			exe, err := os.Executable()
			if err != nil {
				return fmt.Errorf("install: locate this binary: %w", err)
			}
			absData, err := filepath.Abs(dataDir)
			if err != nil {
				return fmt.Errorf("install: data dir %s: %w", dataDir, err)
			}
			data := struct{ Exe, DataDir, User string }{exe, absData, user}
			if printOnly {
				return mgr.tmpl.Execute(cmd.OutOrStdout(), data)
			}
			f, err := os.OpenFile(unitPath, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
			if err != nil {
				return fmt.Errorf("install: write %s: %w", unitPath, err)
			}
			if err := mgr.tmpl.Execute(f, data); err != nil {
				_ = f.Close()
				return fmt.Errorf("install: write %s: %w", unitPath, err)
			}
			if err := f.Close(); err != nil {
				return fmt.Errorf("install: write %s: %w", unitPath, err)
			}
			fmt.Fprintln(cmd.OutOrStdout(), mgr.enableHint(unitPath))
			return nil
		},
	}
	cmd.Flags().StringVar(&dataDir, "data-dir", defaultDataDir, "where the engine identity is kept")
	cmd.Flags().StringVar(&unitPath, "unit-path", "", "where to write the unit or plist (default /etc/systemd/system/roundhouse-engine.service, on macOS /Library/LaunchDaemons/"+launchdLabel+".plist)")
	cmd.Flags().StringVar(&user, "user", "", "run the agent as this user (default root)")
	cmd.Flags().BoolVar(&printOnly, "print", false, "print the unit instead of writing it")
	return cmd
}
