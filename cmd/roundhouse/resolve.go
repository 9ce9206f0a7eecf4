package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/roundhouse/roundhouse/api"
)

// pick returns the ID of the one item whose ID is ref or, failing that,
// whose name is ref (case-insensitive). A name shared by several items is
// refused with the candidates listed, so the user can give an ID instead.
// An ID the list does not hold (one the caller may not see, say) is passed
// on as it is, for the server to answer.
func pick[T any](kind, ref string, list []T, id, name func(T) string, describe func(T) string) (string, error) {
	var named []T
	for _, item := range list {
		if id(item) == ref {
			return ref, nil
		}
		if strings.EqualFold(name(item), ref) {
			named = append(named, item)
		}
	}
	switch {
	case len(named) == 0 && looksLikeID(ref):
		return ref, nil
	case len(named) == 0:
		return "", fmt.Errorf("no %s with ID or name %q", kind, ref)
	case len(named) == 1:
		return id(named[0]), nil
	}
	lines := make([]string, len(named))
	for i, item := range named {
		lines[i] = "  " + describe(item)
	}
	return "", fmt.Errorf("%d %ss are named %q; give one of their IDs:\n%s", len(named), kind, ref, strings.Join(lines, "\n"))
}

// resolveWorkspace turns a workspace ID or name into its ID.
func resolveWorkspace(ctx context.Context, c *api.Client, ref string) (string, error) {
	if looksLikeID(ref) {
		return ref, nil
	}
	list, err := c.Workspaces().List(ctx, api.WorkspaceFilter{})
	if err != nil {
		return "", fmt.Errorf("looking up workspace %q: %w", ref, err)
	}
	return pick("workspace", ref, list, func(w api.Workspace) string { return w.ID },
		func(w api.Workspace) string { return w.Name },
		func(w api.Workspace) string {
			return w.ID + "  " + w.Name + " (environment " + w.Environment.Name + ")"
		})
}

// resolveEnvironment turns an environment ID or name into its ID.
func resolveEnvironment(ctx context.Context, c *api.Client, ref string) (string, error) {
	if looksLikeID(ref) {
		return ref, nil
	}
	list, err := c.Environments().List(ctx, "")
	if err != nil {
		return "", fmt.Errorf("looking up environment %q: %w", ref, err)
	}
	return pick("environment", ref, list, func(e api.Environment) string { return e.ID },
		func(e api.Environment) string { return e.Name }, func(e api.Environment) string { return e.ID + "  " + e.Name })
}

// resolveEngine turns an engine ID or name into its ID.
func resolveEngine(ctx context.Context, c *api.Client, ref string) (string, error) {
	if looksLikeID(ref) {
		return ref, nil
	}
	list, err := c.Engines().List(ctx, api.EngineFilter{})
	if err != nil {
		return "", fmt.Errorf("looking up engine %q: %w", ref, err)
	}
	return pick("engine", ref, list, func(e api.Engine) string { return e.ID },
		func(e api.Engine) string { return e.Name }, func(e api.Engine) string { return e.ID + "  " + e.Name })
}

// resolveTask turns a task ID or name into its ID; a workspace (name or
// ID), when given, narrows the names to that workspace's tasks.
func resolveTask(ctx context.Context, c *api.Client, ref, workspace string) (string, error) {
	if looksLikeID(ref) {
		return ref, nil
	}
	var f api.TaskFilter
	if workspace != "" {
		ws, err := resolveWorkspace(ctx, c, workspace)
		if err != nil {
			return "", err
		}
		f.WorkspaceID = ws
	}
	list, err := c.Tasks().List(ctx, f)
	if err != nil {
		return "", fmt.Errorf("looking up task %q: %w", ref, err)
	}
	return pick("task", ref, list, func(t api.Task) string { return t.ID },
		func(t api.Task) string { return t.Name }, func(t api.Task) string { return t.ID + "  " + t.Name + " (workspace " + t.WorkspaceID + ")" })
}

// looksLikeID reports whether ref has the form of a Roundhouse ID (24 hex
// digits) or a UUID: such a reference is taken as an ID without a lookup,
// and the server answers for it.
func looksLikeID(ref string) bool {
	if len(ref) == 36 && strings.Count(ref, "-") == 4 {
		ref = strings.ReplaceAll(ref, "-", "")
	} else if len(ref) != 24 {
		return false
	}
	for _, r := range ref {
		if !strings.ContainsRune("0123456789abcdef", r) {
			return false
		}
	}
	return true
}
