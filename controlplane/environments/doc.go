// Package environments serves /orchestration/environments and
// /orchestration/workspaces: listing, creating, updating and deleting
// environments and workspaces. The rules themselves (unique names, the
// default environment, the last-workspace cascade) live in
// controlplane/state; this package validates requests and shapes answers.
package environments
