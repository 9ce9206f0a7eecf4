// Package api is the Go client of the Roundhouse control-plane HTTP API:
// typed requests and answers for every endpoint, errors as *Error values
// carrying the HTTP status and the API's error code, paging iterators, the
// execution log follow, and retries of idempotent calls while the cluster
// elects a leader.
//
// It is the public SDK for users' own programs and the one client the
// Roundhouse CLI, web console, benchmarks and tests use. It imports only
// the standard library and the wire types of package protocol, never the
// control plane itself, so a program can use it without linking the
// server.
//
// A Client holds a base URL, a bearer token and an *http.Client. WithToken
// returns a copy for another caller that shares the connection pool, so a
// server can hold one Client and derive one per signed-in user; with
// HandlerTransport the calls are served in-process by an http.Handler,
// passing through the same authentication and permission checks as calls
// over the network.
//
//	c, err := api.New(api.Config{Address: "http://127.0.0.1:8080", Token: os.Getenv("ROUNDHOUSE_TOKEN")})
//	envs, err := c.Environments().List(ctx)
package api
