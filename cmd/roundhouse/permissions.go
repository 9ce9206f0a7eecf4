package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/roundhouse/roundhouse/api"
)

// principalFlags name the user or service account a permission command
// acts on: --user takes an ID, a login or "me"; --service-account an ID
// or a name.
type principalFlags struct {
	user, serviceAccount string
}

func (p *principalFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&p.user, "user", "", `user ID, login, or "me"`)
	cmd.Flags().StringVar(&p.serviceAccount, "service-account", "", "service account ID or name")
}

// resolve returns the permission calls for the named principal and its ID.
func (p *principalFlags) resolve(ctx context.Context, c *api.Client) (api.WorkspacePermissions, string, error) {
	switch {
	case p.user != "" && p.serviceAccount != "":
		return api.WorkspacePermissions{}, "", usageError{errors.New("give --user or --service-account, not both")}
	case p.serviceAccount != "":
		id, err := serviceAccountID(ctx, c, p.serviceAccount)
		return c.ServiceAccountPermissions(), id, err
	case p.user != "":
		id, err := userID(ctx, c, p.user)
		return c.UserPermissions(), id, err
	}
	return api.WorkspacePermissions{}, "", usageError{errors.New("--user or --service-account is required")}
}

func userID(ctx context.Context, c *api.Client, ref string) (string, error) {
	if strings.EqualFold(ref, "me") {
		me, err := c.Me(ctx)
		if err != nil {
			return "", fmt.Errorf("who am I: %w", err)
		}
		return me.ID, nil
	}
	list, err := c.Users().List(ctx, api.UserFilter{})
	if err != nil {
		return "", fmt.Errorf("looking up user %q: %w", ref, err)
	}
	for _, u := range list {
		if u.ID == ref || strings.EqualFold(u.Login, ref) {
			return u.ID, nil
		}
	}
	return "", fmt.Errorf("no user with ID or login %q", ref)
}

func serviceAccountID(ctx context.Context, c *api.Client, ref string) (string, error) {
	list, err := c.ServiceAccounts().List(ctx)
	if err != nil {
		return "", fmt.Errorf("looking up service account %q: %w", ref, err)
	}
	var ids []string
	for _, s := range list {
		if s.ID == ref {
			return s.ID, nil
		}
		if s.Name == ref {
			ids = append(ids, s.ID)
		}
	}
	switch len(ids) {
	case 0:
		return "", fmt.Errorf("no service account with ID or name %q", ref)
	case 1:
		return ids[0], nil
	}
	return "", fmt.Errorf("%d service accounts are named %q (%s): give the ID", len(ids), ref, strings.Join(ids, ", "))
}

// rightsArgs upper-cases the rights named on the command line.
// target resolves the principal and the workspace a grant or revoke
// names, returning the permissions service of the principal's kind.
func (p *principalFlags) target(ctx context.Context, flags *clientFlags, workspace string) (perms api.WorkspacePermissions, id, ws string, err error) {
	c, err := flags.client()
	if err != nil {
		return perms, "", "", err
	}
	if perms, id, err = p.resolve(ctx, c); err != nil {
		return perms, "", "", err
	}
	if ws, err = resolveWorkspace(ctx, c, workspace); err != nil {
		return perms, "", "", err
	}
	return perms, id, ws, nil
}

func rightsArgs(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = strings.ToUpper(a)
	}
	return out
}

func newPermissionsCmd(flags *clientFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "permissions", Aliases: []string{"permission", "perms"},
		Short: "Grant, list and revoke workspace permissions (AUTHOR, EXECUTE, VIEW, MANAGE, PUBLISH, USE_ENGINES)"}
	cmd.AddCommand(permissionsGrantCmd(flags), permissionsLsCmd(flags), permissionsRevokeCmd(flags))
	return cmd
}

func permissionsGrantCmd(flags *clientFlags) *cobra.Command {
	var p principalFlags
	var workspace string
	grant := &cobra.Command{
		Use:   "grant RIGHT... --workspace WS (--user U | --service-account SA)",
		Short: "Add rights on a workspace to what a user or service account holds there",
		Long: "Add rights on a workspace to what a user or service account holds there.\n" +
			"Nobody grants a right they lack: the server refuses with 403.",
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 || workspace == "" {
				return usageError{errors.New("name at least one right and --workspace")}
			}
			perms, id, ws, err := p.target(cmd.Context(), flags, workspace)
			if err != nil {
				return err
			}
			rights := rightsArgs(args)
			cur, err := perms.Get(cmd.Context(), ws, id)
			if api.IsNotFound(err) {
				err = perms.Grant(cmd.Context(), ws, id, rights...)
			} else if err == nil {
				err = perms.Set(cmd.Context(), ws, id, union(cur.Permissions, rights)...)
			}
			return done(cmd, err)
		},
	}
	grant.Flags().StringVar(&workspace, "workspace", "", "workspace ID")
	p.register(grant)
	return grant
}

func permissionsRevokeCmd(flags *clientFlags) *cobra.Command {
	var p principalFlags
	var workspace string
	revoke := &cobra.Command{
		Use:   "revoke [RIGHT...] --workspace WS (--user U | --service-account SA)",
		Short: "Take rights on a workspace away (all of them when none is named)",
		RunE: func(cmd *cobra.Command, args []string) error {
			if workspace == "" {
				return usageError{errors.New("--workspace is required")}
			}
			perms, id, ws, err := p.target(cmd.Context(), flags, workspace)
			if err != nil {
				return err
			}
			if len(args) == 0 {
				return done(cmd, perms.Revoke(cmd.Context(), ws, id))
			}
			cur, err := perms.Get(cmd.Context(), ws, id)
			if err != nil {
				return err
			}
			left := slices.DeleteFunc(slices.Clone(cur.Permissions), func(r string) bool { return slices.Contains(rightsArgs(args), r) })
			if len(left) == 0 {
				return done(cmd, perms.Revoke(cmd.Context(), ws, id))
			}
			return done(cmd, perms.Set(cmd.Context(), ws, id, left...))
		},
	}
	revoke.Flags().StringVar(&workspace, "workspace", "", "workspace ID")
	p.register(revoke)
	return revoke
}

func permissionsLsCmd(flags *clientFlags) *cobra.Command {
	var p principalFlags
	var workspace, environment string
	ls := &cobra.Command{
		Use:   "ls [--workspace WS] [--environment ENV] [--user U | --service-account SA]",
		Short: "List workspace permissions (a workspace's owner holds every right there without one)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := flags.client()
			if err != nil {
				return err
			}
			f := api.PermissionFilter{WorkspaceID: workspace, EnvironmentID: environment}
			if f.WorkspaceID != "" {
				if f.WorkspaceID, err = resolveWorkspace(cmd.Context(), c, workspace); err != nil {
					return err
				}
			}
			kinds := []struct {
				name  string
				perms api.WorkspacePermissions
			}{{"user", c.UserPermissions()}, {"service-account", c.ServiceAccountPermissions()}}
			if p.user != "" || p.serviceAccount != "" {
				perms, id, err := p.resolve(cmd.Context(), c)
				if err != nil {
					return err
				}
				f.PrincipalID = id
				kinds = kinds[:1]
				kinds[0].perms = perms
				if p.serviceAccount != "" {
					kinds[0].name = "service-account"
				}
			}
			type row struct {
				Kind string `json:"kind"`
				api.WorkspacePermission
			}
			var rows []row
			for _, k := range kinds {
				list, err := k.perms.Search(cmd.Context(), f)
				if err != nil {
					return err
				}
				for _, wp := range list {
					rows = append(rows, row{k.name, wp})
				}
			}
			return table(cmd, flags, "WORKSPACE\tKIND\tPRINCIPAL\tRIGHTS", rows, func(r row) []any {
				return []any{r.WorkspaceID, r.Kind, r.UserID, strings.Join(r.Permissions, ",")}
			})
		},
	}
	ls.Flags().StringVar(&workspace, "workspace", "", "only this workspace")
	ls.Flags().StringVar(&environment, "environment", "", "only workspaces of this environment ID")
	p.register(ls)
	return ls
}

// union returns have followed by the rights of add it lacks.
func union(have, add []string) []string {
	out := slices.Clone(have)
	for _, r := range add {
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}
