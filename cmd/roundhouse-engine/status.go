package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/roundhouse/roundhouse/agent/link"
)

// statusReport is what `status` prints.
type statusReport struct {
	Paired        bool      `json:"paired"`
	EngineID      string    `json:"engineId,omitempty"`
	Servers       []string  `json:"servers,omitempty"`
	CertExpires   time.Time `json:"certificateExpires,omitzero"`
	Running       bool      `json:"running"`
	Connected     bool      `json:"connected"`
	Server        string    `json:"server,omitempty"`
	LastHeartbeat time.Time `json:"lastHeartbeat,omitzero"`
	RunningWork   int       `json:"runningWork"`
	LastError     string    `json:"lastError,omitempty"`
}

func newStatusCmd() *cobra.Command {
	var dataDir string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show whether this engine is paired and connected",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r, err := readStatus(dataDir)
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(r)
			}
			printStatus(cmd.OutOrStdout(), r)
			return nil
		},
	}
	cmd.Flags().StringVar(&dataDir, "data-dir", defaultDataDir, "where the engine identity is kept")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func readStatus(dataDir string) (statusReport, error) {
	id, err := link.Store{Dir: dataDir}.Load()
	if errors.Is(err, link.ErrNotPaired) {
		return statusReport{}, nil
	}
	if err != nil {
		return statusReport{}, err
	}
	r := statusReport{Paired: true, EngineID: id.EngineID, Servers: id.Servers, CertExpires: id.Cert.NotAfter}
	st, ok, err := link.ReadStatus(dataDir)
	if err != nil || !ok {
		return r, err
	}
	r.Running = st.PID > 0 && processAlive(st.PID)
	r.Connected = r.Running && st.Connected
	r.Server, r.LastHeartbeat, r.RunningWork, r.LastError = st.Server, st.LastHeartbeat, st.RunningWork, st.LastError
	return r, nil
}

func printStatus(w io.Writer, r statusReport) {
	if !r.Paired {
		fmt.Fprintln(w, "paired:         no (run `roundhouse-engine pair --server HOST:PORT --key KEY`)")
		return
	}
	fmt.Fprintf(w, "paired:         yes\nengine id:      %s\nservers:        %v\ncertificate:    valid until %s\n",
		r.EngineID, r.Servers, r.CertExpires.Format(time.RFC3339))
	fmt.Fprintf(w, "running:        %t\nconnected:      %t", r.Running, r.Connected)
	if r.Connected {
		fmt.Fprintf(w, " (to %s)", r.Server)
	}
	fmt.Fprintln(w)
	if !r.LastHeartbeat.IsZero() {
		fmt.Fprintf(w, "last heartbeat: %s (%s ago)\n", r.LastHeartbeat.Format(time.RFC3339), time.Since(r.LastHeartbeat).Round(time.Second))
	}
	fmt.Fprintf(w, "running work:   %d\n", r.RunningWork)
	if r.LastError != "" && !r.Connected {
		fmt.Fprintf(w, "last error:     %s\n", r.LastError)
	}
}
