package controlplane

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/roundhouse/roundhouse/cluster"
	"github.com/roundhouse/roundhouse/controlplane/authn"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// BootstrapTokenFile is where the first node writes the admin token.
const BootstrapTokenFile = "bootstrap-token"

// bootstrapAccount is a leader loop on the bootstrapping node: once, on a
// cluster without an account, it creates the account, the default
// environment with its Shared workspace and the bootstrap administrator,
// and writes the administrator's token to the data dir (mode 0600).
func (s *Server) bootstrapAccount(ctx context.Context) {
	if state.AccountOf(s.node.Read()) != nil {
		return
	}
	secret := s.cfg.BootstrapToken
	if secret == "" {
		secret, _ = authn.NewToken()
	}
	path := filepath.Join(s.cfg.DataDir, BootstrapTokenFile)
	// Write the file before the token exists in state: a crash in between
	// leaves a harmless unused file, never a token nobody knows.
	if err := os.WriteFile(path, []byte(secret+"\n"), 0o600); err != nil {
		s.cfg.Logger.Error("write bootstrap token", "path", path, "err", err)
		return
	}
	admin := state.User{ID: state.NewUUID(), Login: "admin", Email: "admin@localhost", FirstName: "Bootstrap", LastName: "Administrator"}
	req := state.BootstrapRequest{
		AccountName: "roundhouse", EnvironmentID: state.NewObjectID(),
		SharedWorkspaceID: state.NewObjectID(), PersonalWorkspaceID: state.NewObjectID(),
		Admin: admin,
		Token: state.AccessToken{ID: state.NewObjectID(), Name: "bootstrap", Hash: authn.HashToken(secret)},
	}
	cmd, err := cluster.NewCommand(state.CmdBootstrap, cluster.Meta{}, req)
	if err == nil {
		_, err = s.node.Apply(ctx, cmd, nil)
	}
	if rej, ok := cluster.AsRejection(err); ok && rej.Code == cluster.CodePrecondition {
		return // another proposal won; the file stays unused
	}
	if err != nil {
		s.cfg.Logger.Error("bootstrap account", "err", err)
		return
	}
	fmt.Fprintf(os.Stderr, "roundhouse: new cluster bootstrapped; admin token written to %s\n", path)
}
