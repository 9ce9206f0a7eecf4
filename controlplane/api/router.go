package api

import (
	"fmt"
	"net/http"

	"github.com/julienschmidt/httprouter"

	"github.com/roundhouse/roundhouse/controlplane/authz"
)

// HandlerFunc is an endpoint: it writes its success answer itself and
// returns an error for anything else.
type HandlerFunc func(w http.ResponseWriter, r *http.Request, p httprouter.Params) error

// Authenticator resolves the caller of a request. It returns (nil, nil)
// when the request carries no credentials and an *Error when they are
// wrong.
type Authenticator interface {
	Authenticate(r *http.Request) (*authz.Principal, error)
}

// Gate is checked after authentication on every non-public route, e.g.
// the IP allowlist. It returns an *Error to refuse.
type Gate func(r *http.Request, p *authz.Principal) error

// Router serves the API routes, each guarded by its authz.Table rule.
type Router struct {
	mux   *httprouter.Router
	auth  Authenticator
	gates []Gate
}

// NewRouter returns a router authenticating callers with auth.
func NewRouter(auth Authenticator, gates ...Gate) *Router {
	mux := httprouter.New()
	mux.HandleMethodNotAllowed = true
	mux.NotFound = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		WriteError(w, r, Errorf(http.StatusNotFound, CodeNotFound, "no such endpoint: %s %s", r.Method, r.URL.Path))
	})
	mux.MethodNotAllowed = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		WriteError(w, r, Errorf(http.StatusMethodNotAllowed, CodeInvalid, "method %s not allowed on %s", r.Method, r.URL.Path))
	})
	return &Router{mux: mux, auth: auth, gates: gates}
}

// Handle registers an endpoint. A route without a rule in authz.Table is
// a programming error and panics at start-up.
func (rt *Router) Handle(method, path string, h HandlerFunc) {
	rule, ok := authz.Lookup(method, path)
	if !ok {
		panic(fmt.Sprintf("api: route %s %s has no rule in authz.Table", method, path))
	}
	rt.mux.Handle(method, path, func(w http.ResponseWriter, r *http.Request, p httprouter.Params) {
		r, err := rt.admit(r, rule.Access)
		if err == nil {
			err = h(w, r, p)
		}
		if err != nil {
			WriteError(w, r, err)
		}
	})
}

// Mount serves a plain handler under a path prefix, outside the table
// (node-to-node endpoints with their own authentication).
func (rt *Router) Mount(prefix string, h http.Handler) {
	rt.mux.Handler(http.MethodPost, prefix+"*rest", h)
	rt.mux.Handler(http.MethodDelete, prefix+"*rest", h)
}

func (rt *Router) admit(r *http.Request, a authz.Access) (*http.Request, error) {
	if a.Public {
		return r, nil
	}
	p, err := rt.auth.Authenticate(r)
	if err != nil {
		return r, err
	}
	if p == nil {
		return r, Errorf(http.StatusUnauthorized, CodeUnauthorized, "missing bearer token: send Authorization: Bearer <token>")
	}
	r = withPrincipal(r, p)
	for _, gate := range rt.gates {
		if err := gate(r, p); err != nil {
			return r, err
		}
	}
	if !authz.Allowed(p, a) {
		return r, Errorf(http.StatusForbidden, CodeForbidden, "%s %s requires one of the permissions %v", r.Method, r.URL.Path, a.AnyOf)
	}
	return r, nil
}

// ServeHTTP implements http.Handler.
func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) { rt.mux.ServeHTTP(w, r) }

// Routes lists the registered (method, path) pairs, for tests that check
// the table and the router agree.
func (rt *Router) Lookup(method, path string) bool {
	h, _, _ := rt.mux.Lookup(method, path)
	return h != nil
}
