package main

import (
	"fmt"
	"net/url"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

// apiCall is a subcommand that makes one API call and prints the answer
// as a table (or JSON with --json).
type apiCall struct {
	use, short string
	args       int
	// request builds method, path and body from the arguments.
	request func(args []string) (method, path string, body any)
	// header and row print a list answer; nil prints "done" or JSON.
	header string
	row    func(item map[string]any) []any
	flags  func(cmd *cobra.Command)
}

func (a apiCall) command(flags *clientFlags) *cobra.Command {
	cmd := &cobra.Command{Use: a.use, Short: a.short, Args: cobra.ExactArgs(a.args),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := flags.client()
			if err != nil {
				return err
			}
			method, path, body := a.request(args)
			var out any
			if err := c.do(cmd.Context(), method, path, body, &out); err != nil {
				return err
			}
			list, isList := out.([]any)
			switch {
			case flags.json || (a.row == nil && out != nil):
				return printJSON(cmd.OutOrStdout(), out)
			case a.row == nil:
				fmt.Fprintln(cmd.OutOrStdout(), "done")
				return nil
			case !isList:
				list = []any{out}
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, a.header)
			for _, item := range list {
				m, _ := item.(map[string]any)
				cells := a.row(m)
				parts := make([]string, len(cells))
				for i, c := range cells {
					parts[i] = fmt.Sprint(c)
				}
				fmt.Fprintln(tw, strings.Join(parts, "\t"))
			}
			return tw.Flush()
		}}
	if a.flags != nil {
		a.flags(cmd)
	}
	return cmd
}

func get(path string) func([]string) (string, string, any) {
	return func([]string) (string, string, any) { return "GET", path, nil }
}

func onID(method, format string) func([]string) (string, string, any) {
	return func(args []string) (string, string, any) {
		return method, fmt.Sprintf(format, url.PathEscape(args[0])), nil
	}
}

func newUserCmd(flags *clientFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "users", Aliases: []string{"user"}, Short: "Manage users"}
	userRow := func(u map[string]any) []any {
		return []any{u["id"], u["login"], u["email"], u["status"], u["roles"], u["consumesSeat"]}
	}
	const userHeader = "ID\tLOGIN\tEMAIL\tSTATUS\tROLES\tSEAT"
	var email, password string
	var roles []string
	cmd.AddCommand(
		apiCall{use: "ls", short: "List users", request: get("/account/users"), header: userHeader, row: userRow}.command(flags),
		apiCall{use: "create LOGIN", short: "Create a user (with a Personal workspace)", args: 1,
			request: func(args []string) (string, string, any) {
				return "POST", "/account/users", map[string]any{"login": args[0], "email": email, "roles": roles, "password": password}
			}, header: userHeader, row: userRow,
			flags: func(c *cobra.Command) {
				c.Flags().StringVar(&email, "email", "", "email address (required)")
				c.Flags().StringSliceVar(&roles, "role", nil, "role ID (repeat)")
				c.Flags().StringVar(&password, "password", "", "initial password (or set it later)")
			}}.command(flags),
		apiCall{use: "deactivate ID", short: "Deactivate a user: their tokens stop working at once", args: 1,
			request: onID("POST", "/account/users/%s/deactivate"), header: userHeader, row: userRow}.command(flags),
		apiCall{use: "activate ID", short: "Activate a user again", args: 1,
			request: onID("POST", "/account/users/%s/activate"), header: userHeader, row: userRow}.command(flags),
		apiCall{use: "delete ID", short: "Delete a user with their Personal workspace", args: 1,
			request: onID("DELETE", "/account/users/%s")}.command(flags),
		newUserExportCmd(flags),
	)
	return cmd
}

func newUserExportCmd(flags *clientFlags) *cobra.Command {
	return &cobra.Command{Use: "export", Short: "Print every user as CSV", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := flags.client()
			if err != nil {
				return err
			}
			raw, err := c.raw(cmd.Context(), "GET", "/account/users/export")
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(raw)
			return err
		}}
}

func newRoleCmd(flags *clientFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "roles", Aliases: []string{"role"}, Short: "Manage roles"}
	row := func(r map[string]any) []any {
		return []any{r["id"], r["name"], r["predefined"], r["consumesSeat"], r["permissions"]}
	}
	const header = "ID\tNAME\tPREDEFINED\tSEAT\tPERMISSIONS"
	var perms []string
	cmd.AddCommand(
		apiCall{use: "ls", short: "List roles", request: get("/account/roles"), header: header, row: row}.command(flags),
		apiCall{use: "create NAME", short: "Create a custom role", args: 1,
			request: func(args []string) (string, string, any) {
				return "POST", "/account/roles", map[string]any{"name": args[0], "permissions": perms}
			}, header: header, row: row,
			flags: func(c *cobra.Command) { c.Flags().StringSliceVar(&perms, "permission", nil, "permission ID (repeat)") }}.command(flags),
		apiCall{use: "delete ID", short: "Delete a role (not Security Administrator)", args: 1,
			request: onID("DELETE", "/account/roles/%s")}.command(flags),
		apiCall{use: "permissions", short: "List the permission IDs", request: get("/account/permissions"),
			header: "PERMISSION", row: nil}.command(flags),
	)
	return cmd
}

func newServiceAccountCmd(flags *clientFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "service-accounts", Aliases: []string{"sa"}, Short: "Manage service accounts"}
	row := func(s map[string]any) []any { return []any{s["id"], s["name"], s["permissions"], s["createdDate"]} }
	const header = "ID\tNAME\tPERMISSIONS\tCREATED"
	var perms []string
	cmd.AddCommand(
		apiCall{use: "ls", short: "List service accounts", request: get("/account/service-accounts"), header: header, row: row}.command(flags),
		apiCall{use: "create NAME", short: "Create a service account; its secret is printed once", args: 1,
			request: func(args []string) (string, string, any) {
				return "POST", "/account/service-accounts", map[string]any{"name": args[0], "permissions": append([]string{}, perms...)}
			},
			flags: func(c *cobra.Command) { c.Flags().StringSliceVar(&perms, "permission", nil, "permission ID (repeat)") }}.command(flags),
		apiCall{use: "delete ID", short: "Delete a service account; its tokens stop working", args: 1,
			request: onID("DELETE", "/account/service-accounts/%s")}.command(flags),
	)
	return cmd
}
