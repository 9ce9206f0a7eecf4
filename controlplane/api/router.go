package api

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"

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

// AddressGate is checked on every call that presents or asks for
// credentials, before authentication: the IP allowlist. It returns an
// *Error to refuse.
type AddressGate func(r *http.Request) error

// Router serves the API routes, each guarded by its authz.Table rule.
//
// httprouter v1.3 cannot hold a literal segment and a parameter at the
// same place (GET /account/users/export beside GET /account/users/:id),
// which the product's paths need. So routes are collected and placed on
// first use: literal routes first on the main tree, a clashing parameter
// route on an overflow tree consulted when the main one has no match.
type Router struct {
	mux      *httprouter.Router
	overflow []*httprouter.Router
	auth     Authenticator
	gates    []Gate
	addrs    []AddressGate
	pending  []route
	built    sync.Once
}

type route struct {
	method, path string
	handle       httprouter.Handle
}

// NewRouter returns a router authenticating callers with auth.
func NewRouter(auth Authenticator, gates ...Gate) *Router {
	rt := &Router{mux: httprouter.New(), auth: auth, gates: gates}
	rt.mux.HandleMethodNotAllowed = true
	// No redirects: a path with a trailing slash or a different case is
	// answered like any unknown path, in JSON, and says what to send.
	rt.mux.RedirectTrailingSlash, rt.mux.RedirectFixedPath = false, false
	rt.mux.NotFound = rt.fallback(func(w http.ResponseWriter, r *http.Request) {
		if trimmed := strings.TrimSuffix(r.URL.Path, "/"); trimmed != r.URL.Path && rt.Lookup(r.Method, trimmed) {
			WriteError(w, r, Errorf(http.StatusNotFound, CodeNotFound, "no such endpoint: %s %s; send it without the trailing slash: %s", r.Method, r.URL.Path, trimmed))
			return
		}
		WriteError(w, r, Errorf(http.StatusNotFound, CodeNotFound, "no such endpoint: %s %s", r.Method, r.URL.Path))
	})
	rt.mux.MethodNotAllowed = rt.fallback(func(w http.ResponseWriter, r *http.Request) {
		WriteError(w, r, Errorf(http.StatusMethodNotAllowed, CodeInvalid, "method %s not allowed on %s", r.Method, r.URL.Path))
	})
	return rt
}

// GuardAddresses adds an address gate: it applies to every
// authenticated route and to the public routes that issue or change
// credentials (authz.Access.Credentials).
func (rt *Router) GuardAddresses(g AddressGate) { rt.addrs = append(rt.addrs, g) }

// fallback tries the overflow trees before answering with last.
func (rt *Router) fallback(last http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for _, m := range rt.overflow {
			if h, ps, _ := m.Lookup(r.Method, r.URL.Path); h != nil {
				h(w, r, ps)
				return
			}
		}
		last(w, r)
	}
}

// Handle registers an endpoint. A route without a rule in authz.Table is
// a programming error and panics at start-up.
func (rt *Router) Handle(method, path string, h HandlerFunc) {
	rule, ok := authz.Lookup(method, path)
	if !ok {
		panic(fmt.Sprintf("api: route %s %s has no rule in authz.Table", method, path))
	}
	rt.pending = append(rt.pending, route{method, path, func(w http.ResponseWriter, r *http.Request, p httprouter.Params) {
		r, err := rt.admit(r, rule.Access, p)
		if err == nil {
			err = h(w, r, p)
		}
		if err != nil {
			WriteError(w, r, err)
		}
	}})
}

func (rt *Router) build() {
	rt.built.Do(func() {
		sort.SliceStable(rt.pending, func(i, j int) bool {
			return strings.Count(rt.pending[i].path, ":") < strings.Count(rt.pending[j].path, ":")
		})
		for _, rte := range rt.pending {
			if !rt.placeAnywhere(rte) {
				panic(fmt.Sprintf("api: cannot place route %s %s", rte.method, rte.path))
			}
		}
		rt.pending = nil
	})
}

func (rt *Router) placeAnywhere(rte route) bool {
	for _, m := range append([]*httprouter.Router{rt.mux}, rt.overflow...) {
		if place(m, rte) {
			return true
		}
	}
	m := httprouter.New()
	rt.overflow = append(rt.overflow, m)
	return place(m, rte)
}

// place registers rte on m, reporting false on a literal/parameter clash.
func place(m *httprouter.Router, rte route) (ok bool) {
	defer func() {
		if v := recover(); v != nil {
			if msg := fmt.Sprint(v); !strings.Contains(msg, "conflicts with") {
				panic(v)
			}
			ok = false
		}
	}()
	m.Handle(rte.method, rte.path, rte.handle)
	return true
}

// Mount serves a plain handler under a path prefix, outside the table
// (node-to-node endpoints with their own authentication).
func (rt *Router) Mount(prefix string, h http.Handler) {
	rt.mux.Handler(http.MethodPost, prefix+"*rest", h)
	rt.mux.Handler(http.MethodDelete, prefix+"*rest", h)
}

func (rt *Router) admit(r *http.Request, a authz.Access, params httprouter.Params) (*http.Request, error) {
	if !a.Public || a.Credentials {
		for _, gate := range rt.addrs {
			if err := gate(r); err != nil {
				return r, err
			}
		}
	}
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
	if a.Workspace != "" {
		ws := workspaceIDOf(r, params, a.WorkspaceFrom)
		if ws == "" {
			return r, Errorf(http.StatusBadRequest, CodeInvalid, "the workspace ID (%s) is required", a.WorkspaceFrom)
		}
		if !authz.AllowedIn(p, a, ws) {
			return r, Errorf(http.StatusForbidden, CodeForbidden, "%s %s requires the %s permission on workspace %s", r.Method, r.URL.Path, a.Workspace, ws)
		}
	}
	return r, nil
}

// workspaceIDOf reads the workspace ID from ":param" or "?param".
func workspaceIDOf(r *http.Request, params httprouter.Params, from string) string {
	if name, ok := strings.CutPrefix(from, ":"); ok {
		return params.ByName(name)
	}
	return r.URL.Query().Get(strings.TrimPrefix(from, "?"))
}

// ServeHTTP implements http.Handler.
func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rt.build()
	rt.mux.ServeHTTP(w, r)
}

// Routes lists the registered (method, path) pairs, for tests that check
// the table and the router agree.
func (rt *Router) Lookup(method, path string) bool {
	rt.build()
	for _, m := range append([]*httprouter.Router{rt.mux}, rt.overflow...) {
		if h, _, _ := m.Lookup(method, path); h != nil {
			return true
		}
	}
	return false
}
