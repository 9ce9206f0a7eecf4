package console

import (
	"context"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/roundhouse/roundhouse/api"
	cpapi "github.com/roundhouse/roundhouse/controlplane/api"
	"github.com/roundhouse/roundhouse/controlplane/authz"
)

//go:embed templates/*.html static/*
var assets embed.FS

// Prefix is where the console is served.
const Prefix = "/console/"

// Options configure a console.
type Options struct {
	// API is the node's HTTP API; every page calls it in-process through
	// the typed client (api.HandlerTransport).
	API http.Handler
	// Auth resolves the signed-in user's rights, only to hide or disable
	// actions the API would refuse.
	Auth cpapi.Authenticator
	// EngineServers is the address engines pair with (the node's QUIC
	// address), shown in the pair command.
	EngineServers string
	// IdleTimeout signs a browser out after this long without a page
	// view (default 30 minutes).
	IdleTimeout time.Duration
	Logger      *slog.Logger
	Now         func() time.Time
}

// Console serves the web console.
type Console struct {
	opts   Options
	client *api.Client
	pages  map[string]*template.Template
	mux    *http.ServeMux
}

// New builds the console handler. It serves Prefix and redirects "/".
func New(opts Options) (*Console, error) {
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = 30 * time.Minute
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	client, err := api.New(api.Config{Address: "http://in-process",
		HTTPClient: &http.Client{Transport: api.HandlerTransport{Handler: opts.API}}})
	if err != nil {
		return nil, err
	}
	c := &Console{opts: opts, client: client, pages: pages, mux: http.NewServeMux()}
	c.routes()
	return c, nil
}

func (c *Console) routes() {
	static, _ := fs.Sub(assets, "static")
	c.mux.Handle("GET /console/static/", http.StripPrefix("/console/static/", staticFiles(static)))
	c.mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, Prefix, http.StatusFound)
	})
	c.mux.HandleFunc("GET /console", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, Prefix, http.StatusMovedPermanently)
	})
	c.mux.HandleFunc("GET /console/signin", c.signinForm)
	c.mux.HandleFunc("POST /console/signin", c.signin)
	c.mux.HandleFunc("POST /console/signout", c.signout)
	c.page("GET /console/{$}", c.home)
	c.pageRoutes()
}

// page registers a handler that needs a signed-in user; changes (POST)
// also need the session's CSRF token.
func (c *Console) page(pattern string, h handler) {
	c.mux.Handle(pattern, c.signedIn(h))
}

// ServeHTTP implements http.Handler.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	securityHeaders(w.Header())
	c.mux.ServeHTTP(w, r)
}

// Serves reports whether path belongs to the console ("/" redirects to it).
func Serves(path string) bool {
	return path == "/" || path == "/console" || len(path) >= len(Prefix) && path[:len(Prefix)] == Prefix
}

// securityHeaders: no inline script or style, no framing, no sniffing,
// no referrer leaking IDs to other sites.
func securityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
		"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
}

func staticFiles(fsys fs.FS) http.Handler {
	files := http.FileServerFS(fsys)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=300")
		files.ServeHTTP(w, r)
	})
}

// request is one signed-in page view.
type request struct {
	sess session
	// api calls the node's API as the signed-in user; ctx carries the
	// browser's address so the IP allowlist and the audit log see it.
	api       *api.Client
	ctx       context.Context
	principal *authz.Principal
}

type handler func(w http.ResponseWriter, r *http.Request, q *request) error

// signedIn checks the session cookie (and the CSRF token on changes),
// refreshes its idle timer, and runs h; an error is shown as a page.
func (c *Console) signedIn(h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q, ok := c.session(w, r)
		if !ok {
			return
		}
		if r.Method != http.MethodGet && !q.sess.validCSRF(csrfOf(r)) {
			c.fail(w, r, q, &APIError{Status: http.StatusForbidden,
				Message: "this form has expired or did not come from the console (missing or wrong CSRF token); reload the page and try again"})
			return
		}
		if err := h(w, r, q); err != nil {
			c.fail(w, r, q, err)
		}
	})
}

// session resolves the cookie; without a valid one it sends the browser
// to the sign-in page and reports false.
func (c *Console) session(w http.ResponseWriter, r *http.Request) (*request, bool) {
	ck, err := r.Cookie(sessionCookie)
	var sess session
	ok := err == nil
	if ok {
		sess, ok = decodeSession(ck.Value, c.opts.Now(), c.opts.IdleTimeout)
	}
	var p *authz.Principal
	if ok {
		p, ok = c.principal(r, sess.Token)
	}
	if !ok {
		setCookie(w, r, sessionCookie, "", -1)
		if r.Method == http.MethodGet && r.Header.Get("Accept") != "text/event-stream" {
			http.Redirect(w, r, Prefix+"signin?expired=1", http.StatusSeeOther)
		} else {
			http.Error(w, "signed out: sign in again", http.StatusUnauthorized)
		}
		return nil, false
	}
	if r.Header.Get("Accept") != "text/event-stream" {
		sess.LastSeen = c.opts.Now()
		setCookie(w, r, sessionCookie, sess.encode(), 0)
	}
	return &request{sess: sess, principal: p, api: c.client.WithToken(sess.Token),
		ctx: api.WithRemoteAddr(r.Context(), r.RemoteAddr)}, true
}

// principal authenticates token as the API would.
func (c *Console) principal(r *http.Request, token string) (*authz.Principal, bool) {
	probe, _ := http.NewRequestWithContext(r.Context(), http.MethodGet, "/account/me", nil)
	probe.Header.Set("Authorization", "Bearer "+token)
	p, err := c.opts.Auth.Authenticate(probe)
	return p, err == nil && p != nil
}

func csrfOf(r *http.Request) string {
	if v := r.Header.Get("X-CSRF-Token"); v != "" {
		return v
	}
	if err := r.ParseMultipartForm(32 << 20); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		return ""
	}
	return r.FormValue("csrf")
}

func (c *Console) pageRoutes() {
	c.engineRoutes()
	c.environmentRoutes()
	c.workspaceRoutes()
	c.planRoutes()
	c.artifactRoutes()
	c.taskRoutes()
	c.executionRoutes()
	c.auditRoutes()
	c.accountRoutes()
	c.serviceAccountRoutes()
	c.ipAllowlistRoutes()
}
