package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/roundhouse/roundhouse/api"
)

// table prints items one row each under header (or as JSON with --json).
func table[T any](cmd *cobra.Command, flags *clientFlags, header string, items []T, row func(T) []any) error {
	if flags.json {
		return printJSON(cmd.OutOrStdout(), items)
	}
	tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, header)
	for _, item := range items {
		cells := row(item)
		parts := make([]string, len(cells))
		for i, c := range cells {
			parts[i] = fmt.Sprint(c)
		}
		fmt.Fprintln(tw, strings.Join(parts, "\t"))
	}
	return tw.Flush()
}

// call is a subcommand making one API call with its arguments.
func call(flags *clientFlags, use, short string, args int, run func(cmd *cobra.Command, c *api.Client, args []string) error) *cobra.Command {
	return &cobra.Command{Use: use, Short: short, Args: cobra.ExactArgs(args),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := flags.client()
			if err != nil {
				return err
			}
			return run(cmd, c, args)
		}}
}

// done prints "done" after a call that answers nothing.
func done(cmd *cobra.Command, err error) error {
	if err == nil {
		fmt.Fprintln(cmd.OutOrStdout(), "done")
	}
	return err
}

func newUserCmd(flags *clientFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "users", Aliases: []string{"user"}, Short: "Manage users"}
	const header = "ID\tLOGIN\tEMAIL\tSTATUS\tROLES\tSEAT"
	row := func(u api.User) []any { return []any{u.ID, u.Login, u.Email, u.Status, u.Roles, u.ConsumesSeat} }
	one := func(cmd *cobra.Command, u *api.User, err error) error {
		if err != nil {
			return err
		}
		return table(cmd, flags, header, []api.User{*u}, row)
	}
	var email, password string
	var roles []string
	create := call(flags, "create LOGIN", "Create a user (with a Personal workspace)", 1, func(cmd *cobra.Command, c *api.Client, args []string) error {
		u, err := c.Users().Create(cmd.Context(), api.UserCreate{Login: args[0], Email: email, Roles: roles, Password: password})
		return one(cmd, u, err)
	})
	create.Flags().StringVar(&email, "email", "", "email address (required)")
	create.Flags().StringSliceVar(&roles, "role", nil, "role ID (repeat)")
	create.Flags().StringVar(&password, "password", "", "initial password (or set it later)")
	cmd.AddCommand(
		call(flags, "ls", "List users", 0, func(cmd *cobra.Command, c *api.Client, _ []string) error {
			list, err := c.Users().List(cmd.Context(), api.UserFilter{})
			if err != nil {
				return err
			}
			return table(cmd, flags, header, list, row)
		}),
		create,
		call(flags, "deactivate ID", "Deactivate a user: their tokens stop working at once", 1, func(cmd *cobra.Command, c *api.Client, args []string) error {
			u, err := c.Users().Deactivate(cmd.Context(), args[0])
			return one(cmd, u, err)
		}),
		call(flags, "activate ID", "Activate a user again", 1, func(cmd *cobra.Command, c *api.Client, args []string) error {
			u, err := c.Users().Activate(cmd.Context(), args[0])
			return one(cmd, u, err)
		}),
		call(flags, "delete ID", "Delete a user with their Personal workspace", 1, func(cmd *cobra.Command, c *api.Client, args []string) error {
			return done(cmd, c.Users().Delete(cmd.Context(), args[0]))
		}),
		call(flags, "export", "Print every user as CSV", 0, func(cmd *cobra.Command, c *api.Client, _ []string) error {
			return c.Users().Export(cmd.Context(), "", cmd.OutOrStdout())
		}),
	)
	return cmd
}

func newRoleCmd(flags *clientFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "roles", Aliases: []string{"role"}, Short: "Manage roles"}
	const header = "ID\tNAME\tPREDEFINED\tSEAT\tPERMISSIONS"
	row := func(r api.Role) []any { return []any{r.ID, r.Name, r.Predefined, r.ConsumesSeat, r.Permissions} }
	var perms []string
	create := call(flags, "create NAME", "Create a custom role", 1, func(cmd *cobra.Command, c *api.Client, args []string) error {
		in := api.RoleInput{Name: &args[0]}
		if perms != nil {
			in.Permissions = &perms
		}
		r, err := c.Roles().Create(cmd.Context(), in)
		if err != nil {
			return err
		}
		return table(cmd, flags, header, []api.Role{*r}, row)
	})
	create.Flags().StringSliceVar(&perms, "permission", nil, "permission ID (repeat)")
	cmd.AddCommand(
		call(flags, "ls", "List roles", 0, func(cmd *cobra.Command, c *api.Client, _ []string) error {
			list, err := c.Roles().List(cmd.Context())
			if err != nil {
				return err
			}
			return table(cmd, flags, header, list, row)
		}),
		create,
		call(flags, "delete ID", "Delete a role (not Security Administrator)", 1, func(cmd *cobra.Command, c *api.Client, args []string) error {
			return done(cmd, c.Roles().Delete(cmd.Context(), args[0]))
		}),
		call(flags, "permissions", "List the permission IDs", 0, func(cmd *cobra.Command, c *api.Client, _ []string) error {
			list, err := c.Roles().Permissions(cmd.Context())
			if err != nil {
				return err
			}
			return printJSON(cmd.OutOrStdout(), list)
		}),
	)
	return cmd
}

func newServiceAccountCmd(flags *clientFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "service-accounts", Aliases: []string{"sa"}, Short: "Manage service accounts"}
	var perms []string
	create := call(flags, "create NAME", "Create a service account; its secret is printed once", 1, func(cmd *cobra.Command, c *api.Client, args []string) error {
		sa, err := c.ServiceAccounts().Create(cmd.Context(), api.ServiceAccountInput{Name: args[0], Permissions: append([]string{}, perms...)})
		if err != nil {
			return err
		}
		return printJSON(cmd.OutOrStdout(), sa)
	})
	create.Flags().StringSliceVar(&perms, "permission", nil, "permission ID (repeat)")
	cmd.AddCommand(
		call(flags, "ls", "List service accounts", 0, func(cmd *cobra.Command, c *api.Client, _ []string) error {
			list, err := c.ServiceAccounts().List(cmd.Context())
			if err != nil {
				return err
			}
			return table(cmd, flags, "ID\tNAME\tPERMISSIONS\tCREATED", list, func(s api.ServiceAccount) []any {
				return []any{s.ID, s.Name, s.Permissions, s.CreatedDate.Format(time.RFC3339Nano)}
			})
		}),
		create,
		call(flags, "delete ID", "Delete a service account; its tokens stop working", 1, func(cmd *cobra.Command, c *api.Client, args []string) error {
			return done(cmd, c.ServiceAccounts().Delete(cmd.Context(), args[0]))
		}),
	)
	return cmd
}

// deleteCmd builds a "rm ID" subcommand calling del with the ID.
func deleteCmd(flags *clientFlags, use, short string, del func(c *api.Client, ctx context.Context, id string) error) *cobra.Command {
	return call(flags, use, short, 1, func(cmd *cobra.Command, c *api.Client, args []string) error {
		if err := del(c, cmd.Context(), args[0]); err != nil {
			return err
		}
		fmt.Fprintln(cmd.OutOrStdout(), "deleted", args[0])
		return nil
	})
}
