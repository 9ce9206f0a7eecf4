// Package authz decides who may call what. Its Table is the single,
// declarative list of every API endpoint with the permission it needs, so
// a reader can audit access in one place; the router refuses to serve a
// route that is missing from it.
//
// It holds no state and performs no I/O: callers resolve the Principal
// (see controlplane/authn) and ask.
package authz
