package controlplane

import "net/http"

// Handler is the node's whole HTTP API as it serves it (middleware,
// authentication, permission checks and audit included), for callers in
// the same process such as the web console, which reach it through
// api.HandlerTransport.
func (s *Server) Handler() http.Handler { return s.http.Handler }
