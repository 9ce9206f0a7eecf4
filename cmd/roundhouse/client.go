package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
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

func (f *clientFlags) client() (*apiClient, error) {
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
	if cfg.Server == "" {
		cfg.Server = "http://127.0.0.1:8080"
	}
	if !strings.Contains(cfg.Server, "://") {
		cfg.Server = "http://" + cfg.Server
	}
	if cfg.Token == "" {
		return nil, errors.New("no token: set ROUNDHOUSE_TOKEN or run `roundhouse login --token ...`")
	}
	return &apiClient{base: strings.TrimRight(cfg.Server, "/"), token: cfg.Token, http: &http.Client{Timeout: 60 * time.Second}}, nil
}

type apiClient struct {
	base, token string
	http        *http.Client
}

// apiError is the contract's error body.
type apiError struct {
	Status    int    `json:"status"`
	Message   string `json:"message"`
	Code      string `json:"code"`
	RequestID string `json:"requestId"`
}

func (e *apiError) Error() string {
	return fmt.Sprintf("%s (HTTP %d %s, request %s)", e.Message, e.Status, e.Code, e.RequestID)
}

// do sends a JSON request and decodes a JSON answer into out (if non-nil).
func (c *apiClient) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		raw, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s %s: read answer: %w", method, path, err)
	}
	if resp.StatusCode >= 300 {
		var e apiError
		if json.Unmarshal(raw, &e) == nil && e.Message != "" {
			return &e
		}
		return fmt.Errorf("%s %s: HTTP %d: %s", method, path, resp.StatusCode, strings.TrimSpace(string(raw)))
	}
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("%s %s: decode answer: %w", method, path, err)
		}
	}
	return nil
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
				server = "http://127.0.0.1:8080"
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

// raw sends a request without a body and returns the answer as is.
func (c *apiClient) raw(ctx context.Context, method, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: read answer: %w", method, path, err)
	}
	if resp.StatusCode >= 300 {
		var e apiError
		if json.Unmarshal(raw, &e) == nil && e.Message != "" {
			return nil, &e
		}
		return nil, fmt.Errorf("%s %s: HTTP %d", method, path, resp.StatusCode)
	}
	return raw, nil
}
