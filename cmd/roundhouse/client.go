package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/roundhouse/roundhouse/api"
)

// clientConfig is where the CLI finds the API and its token: flags, then
// ROUNDHOUSE_SERVER / ROUNDHOUSE_TOKEN, then the config file written by
// `roundhouse login`.
type clientConfig struct {
	Server string `json:"server"`
	Token  string `json:"token"`
}

// clientFlags are the persistent flags of every API subcommand.
type clientFlags struct {
	server     string
	configPath string
	json       bool
}

func defaultConfigPath() string {
	dir, err := os.UserConfigDir()
	if err != nil {
		return ".roundhouse.json"
	}
	return filepath.Join(dir, "roundhouse", "config.json")
}

func (f *clientFlags) register(cmd *cobra.Command) {
	cmd.PersistentFlags().StringVar(&f.server, "server", "", "API address (default $ROUNDHOUSE_SERVER, the config file, or http://127.0.0.1:8080)")
	cmd.PersistentFlags().StringVar(&f.configPath, "config", defaultConfigPath(), "CLI config file")
	cmd.PersistentFlags().BoolVar(&f.json, "json", false, "print raw JSON")
}

func (f *clientFlags) client() (*api.Client, error) {
	var cfg clientConfig
	if raw, err := os.ReadFile(f.configPath); err == nil {
		if err := json.Unmarshal(raw, &cfg); err != nil {
			return nil, fmt.Errorf("config file %s: %w", f.configPath, err)
		}
	}
	if v := os.Getenv("ROUNDHOUSE_SERVER"); v != "" {
		cfg.Server = v
	}
	if v := os.Getenv("ROUNDHOUSE_TOKEN"); v != "" {
		cfg.Token = v
	}
	if f.server != "" {
		cfg.Server = f.server
	}
	if cfg.Token == "" {
		return nil, errors.New("no token: set ROUNDHOUSE_TOKEN or run `roundhouse login --token ...`")
	}
	// An answer must start within a minute; a followed log or an upload
	// may then take as long as it takes.
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.ResponseHeaderTimeout = 60 * time.Second
	return api.New(api.Config{Address: cfg.Server, Token: cfg.Token, HTTPClient: &http.Client{Transport: transport}})
}

// printJSON pretty-prints v.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func newLoginCmd(flags *clientFlags) *cobra.Command {
	var token string
	cmd := &cobra.Command{
		Use:   "login",
		Short: "Save the API address and a token in the CLI config file (mode 0600)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if token == "" {
				return usageError{errors.New("--token is required")}
			}
			server := flags.server
			if server == "" {
				server = api.DefaultAddress
			}
			raw, _ := json.MarshalIndent(clientConfig{Server: server, Token: token}, "", "  ")
			if err := os.MkdirAll(filepath.Dir(flags.configPath), 0o700); err != nil {
				return err
			}
			if err := os.WriteFile(flags.configPath, raw, 0o600); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "saved %s\n", flags.configPath)
			return nil
		},
	}
	cmd.Flags().StringVar(&token, "token", "", "personal access token")
	return cmd
}
