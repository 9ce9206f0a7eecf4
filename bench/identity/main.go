// Command identity benchmarks the access path of the control plane on a
// real single-node cluster: authenticating a request (personal access
// token, with many workspace permissions, behind an enabled IP allowlist),
// a password login (argon2id), and one batch of workspace permissions.
// It prints a markdown section to stdout.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"time"

	"github.com/roundhouse/roundhouse/api"
	"github.com/roundhouse/roundhouse/bench/benchkit"
	"github.com/roundhouse/roundhouse/cluster"
	"github.com/roundhouse/roundhouse/controlplane"
)

const adminToken = "rhp_bench-admin-token-0123456789abcdefghijklmnopqrstu"

func main() {
	requests := flag.Int("requests", 2000, "authenticated requests per measured case")
	logins := flag.Int("logins", 50, "password logins")
	workspaces := flag.Int("workspaces", 500, "workspaces the measured user has permissions on")
	ips := flag.Int("ips", 200, "entries on the IP allowlist")
	flag.Parse()
	if err := run(*requests, *logins, *workspaces, *ips); err != nil {
		fmt.Fprintln(os.Stderr, "bench identity:", err)
		os.Exit(1)
	}
}

func freePort(network string) string {
	if network == "udp" {
		c, _ := net.ListenPacket("udp", "127.0.0.1:0")
		defer c.Close()
		return c.LocalAddr().String()
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	defer ln.Close()
	return ln.Addr().String()
}

func start(ctx context.Context, dir string) (*api.Client, error) {
	srv, err := controlplane.New(controlplane.Config{DataDir: dir, HTTPAddr: "127.0.0.1:0", QUICAddr: freePort("udp"),
		RaftAddr: freePort("tcp"), BootstrapToken: adminToken,
		Raft:   cluster.Config{HeartbeatTimeout: 200 * time.Millisecond, ElectionTimeout: 200 * time.Millisecond},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return nil, err
	}
	go func() { _ = srv.Run(ctx) }()
	admin := benchkit.NewClient(srv.Addr(), adminToken, http.DefaultClient)
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if _, err := admin.Me(ctx); err == nil {
			return admin, nil
		}
	}
	return nil, fmt.Errorf("control plane not ready")
}

// measure times n calls of f and returns the median and p99.
func measure(n int, f func() error) (time.Duration, time.Duration, error) {
	d := make([]time.Duration, 0, n)
	for i := 0; i < n; i++ {
		t0 := time.Now()
		if err := f(); err != nil {
			return 0, 0, err
		}
		d = append(d, time.Since(t0))
	}
	slices.Sort(d)
	return d[len(d)/2], d[len(d)*99/100], nil
}

func run(requests, logins, workspaces, nIPs int) error {
	dir, err := os.MkdirTemp("", "bench-identity-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	admin, err := start(ctx, dir)
	if err != nil {
		return err
	}
	u, err := newUser(ctx, admin)
	if err != nil {
		return err
	}
	fmt.Println("## Identity and access")
	fmt.Println()
	fmt.Printf("Single node, loopback HTTP, sequential calls; %d requests per row.\n\n", requests)
	fmt.Println("| case | median | p99 |")
	fmt.Println("|---|---|---|")
	row := func(name string, n int, f func() error) error {
		med, p99, err := measure(n, f)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		fmt.Printf("| %s | %s | %s |\n", name, med.Round(time.Microsecond), p99.Round(time.Microsecond))
		return nil
	}
	me := func() error { _, err := u.Me(ctx); return err }
	if err := row("GET /account/me, token, no workspace permissions", requests, me); err != nil {
		return err
	}
	batchTime, err := grantMany(ctx, admin, u, workspaces)
	if err != nil {
		return err
	}
	if err := row(fmt.Sprintf("same, user with %d workspace permissions", workspaces), requests, me); err != nil {
		return err
	}
	if err := allowlist(ctx, admin, nIPs); err != nil {
		return err
	}
	if err := row(fmt.Sprintf("same, IP allowlist of %d entries enabled (match last)", nIPs), requests, me); err != nil {
		return err
	}
	login := func() error {
		_, err := admin.Login(ctx, u.login, password)
		return err
	}
	if err := row("password login (argon2id m=19 MiB t=2) + session issue", logins, login); err != nil {
		return err
	}
	fmt.Printf("\nOne `POST /security/permissions/batch` of %d items (one raft command): %s.\n",
		workspaces, batchTime.Round(time.Millisecond))
	return nil
}
