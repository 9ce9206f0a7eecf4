// Package authz decides who may call what. Its Table is the single,
// declarative list of every API endpoint with the permission it needs, so
// a reader can audit access in one place; the router refuses to serve a
// route that is missing from it. A rule may also require a workspace
// right (AUTHOR, EXECUTE, ...) on the workspace a path or query
// parameter names; roles never grant rights inside a workspace.
//
// It holds no state and performs no I/O: callers resolve the Principal
// (see controlplane/authn) and ask.
package authz
